"""The policy table: every role against every protected field, in and out of scope.

The expectations here are written out by hand from the issue, independently of ``POLICY``;
the agreement test evaluates ``scope_of`` as real SQL (sqlite) and compares it with ``decide``.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from hub.auth.ids import encode_global_id
from hub.auth.policy import (
    DENIED,
    POLICY,
    REBUILDS,
    Field,
    Rule,
    Scope,
    ScopeAll,
    ScopeNone,
    ScopeOrg,
    ScopeRegion,
    ScopeRequester,
    ScopeSelf,
    ScopeStation,
    Subject,
    Visibility,
    decide,
    format_policy,
    region_prefix,
    scope_of,
)
from hub.auth.tokens import ANONYMOUS, SYSTEM, Caller, Role

FULL, MASKED, COARSE, HIDDEN = (
    Visibility.FULL,
    Visibility.MASKED,
    Visibility.COARSE,
    Visibility.HIDDEN,
)

# Organizations: 1 is the root, 7 a child of 1, 70 a child of 7; 8 a sibling of 7.
CALLERS = {
    Role.ADMIN: Caller(Role.ADMIN, "admin-1"),
    Role.DISPATCHER: Caller(Role.DISPATCHER, "disp-1", region="410100000000"),  # Zhengzhou
    Role.ORG_ADMIN: Caller(Role.ORG_ADMIN, "orga-1", org=7),
    Role.VOLUNTEER: Caller(Role.VOLUNTEER, encode_global_id("Volunteer", 42)),
    Role.PARTNER: Caller(Role.PARTNER, "partner-1"),
    Role.ANONYMOUS: ANONYMOUS,
    Role.SYSTEM: SYSTEM,
    Role.RESIDENT: Caller(Role.RESIDENT, encode_global_id("Account", 5)),
    Role.STATION_STAFF: Caller(Role.STATION_STAFF, encode_global_id("Account", 6),
                               claims={"station": 31}),
}
MINE = f"resident:{encode_global_id('Account', 5)}"  # what the resident above raised

# Inside every caller's scope at once (their own record, their region, their org subtree) ...
INSIDE = {
    "volunteer": Subject(
        volunteer_id=42, region_code="410102001000", org_ids=frozenset({70, 7, 1})
    ),
    "organization": Subject(region_code="410102000000", org_ids=frozenset({70, 7, 1})),
    "station": Subject(region_code="410102000000", station_id=31),
    "demand": Subject(region_code="410102000000", station_id=31, requester=MINE),
}
# ... and outside every caller's scope at once.
OUTSIDE = {
    "volunteer": Subject(volunteer_id=43, region_code="420100000000", org_ids=frozenset({8, 1})),
    "organization": Subject(region_code="420100000000", org_ids=frozenset({8, 1})),
    "station": Subject(region_code="420100000000", station_id=32),
    "demand": Subject(region_code="420100000000", station_id=32,
                      requester=f"resident:{encode_global_id('Account', 9)}"),
}
SUBJECT_KIND = {f: f.value.split(".")[0] for f in Field}

# (inside, outside) for every role and field, straight from the issue text.
EXPECTED: dict[Field, dict[Role, tuple[Visibility, Visibility]]] = {
    Field.VOLUNTEER: {  # whether the record is listed at all
        Role.ADMIN: (FULL, FULL),
        Role.DISPATCHER: (FULL, FULL),
        Role.ORG_ADMIN: (FULL, FULL),
        Role.VOLUNTEER: (FULL, FULL),
        Role.PARTNER: (FULL, FULL),
        Role.ANONYMOUS: (HIDDEN, HIDDEN),  # counts per cell only (issue 11)
        Role.RESIDENT: (HIDDEN, HIDDEN),  # as anonymous (issue 14.1)
        Role.STATION_STAFF: (HIDDEN, HIDDEN),
        Role.SYSTEM: (FULL, FULL),
    },
    Field.VOLUNTEER_NAME: {
        Role.ADMIN: (FULL, FULL),
        Role.DISPATCHER: (FULL, MASKED),
        Role.ORG_ADMIN: (FULL, MASKED),
        Role.VOLUNTEER: (FULL, MASKED),
        Role.PARTNER: (MASKED, MASKED),  # 王*华
        Role.ANONYMOUS: (HIDDEN, HIDDEN),
        Role.RESIDENT: (HIDDEN, HIDDEN),  # as anonymous (issue 14.1)
        Role.STATION_STAFF: (HIDDEN, HIDDEN),
        Role.SYSTEM: (FULL, FULL),
    },
    Field.VOLUNTEER_ID_NUMBER: {
        Role.ADMIN: (FULL, FULL),
        Role.DISPATCHER: (MASKED, MASKED),  # dispatch needs a phone and a place, not an identity
        Role.ORG_ADMIN: (FULL, MASKED),
        Role.VOLUNTEER: (FULL, MASKED),
        Role.PARTNER: (HIDDEN, HIDDEN),  # no digit of an ID number (issue 11)
        Role.ANONYMOUS: (HIDDEN, HIDDEN),
        Role.RESIDENT: (HIDDEN, HIDDEN),  # as anonymous (issue 14.1)
        Role.STATION_STAFF: (HIDDEN, HIDDEN),
        Role.SYSTEM: (FULL, FULL),
    },
    Field.VOLUNTEER_PHONE: {
        Role.ADMIN: (FULL, FULL),
        Role.DISPATCHER: (FULL, MASKED),
        Role.ORG_ADMIN: (FULL, MASKED),
        Role.VOLUNTEER: (FULL, MASKED),
        Role.PARTNER: (HIDDEN, HIDDEN),
        Role.ANONYMOUS: (HIDDEN, HIDDEN),
        Role.RESIDENT: (HIDDEN, HIDDEN),  # as anonymous (issue 14.1)
        Role.STATION_STAFF: (HIDDEN, HIDDEN),
        Role.SYSTEM: (FULL, FULL),
    },
    Field.VOLUNTEER_LOCATION: {
        Role.ADMIN: (FULL, FULL),
        Role.DISPATCHER: (FULL, COARSE),
        Role.ORG_ADMIN: (FULL, COARSE),
        Role.VOLUNTEER: (FULL, COARSE),
        Role.PARTNER: (COARSE, COARSE),
        Role.ANONYMOUS: (COARSE, COARSE),
        Role.RESIDENT: (COARSE, COARSE),  # as anonymous (issue 14.1)
        Role.STATION_STAFF: (COARSE, COARSE),
        Role.SYSTEM: (FULL, FULL),
    },
    Field.VOLUNTEER_BIRTH_DATE: {
        Role.ADMIN: (FULL, FULL),
        # masked ID (first 3, last 4) + birth date + division would give the ID back
        Role.DISPATCHER: (HIDDEN, HIDDEN),
        Role.ORG_ADMIN: (FULL, HIDDEN),
        Role.VOLUNTEER: (FULL, HIDDEN),
        Role.PARTNER: (HIDDEN, HIDDEN),
        Role.ANONYMOUS: (HIDDEN, HIDDEN),
        Role.RESIDENT: (HIDDEN, HIDDEN),  # as anonymous (issue 14.1)
        Role.STATION_STAFF: (HIDDEN, HIDDEN),
        Role.SYSTEM: (FULL, FULL),
    },
    Field.ORGANIZATION_CAPTAIN_PHONE: {
        Role.ADMIN: (FULL, FULL),
        Role.DISPATCHER: (FULL, MASKED),
        Role.ORG_ADMIN: (FULL, MASKED),
        Role.VOLUNTEER: (MASKED, MASKED),
        Role.PARTNER: (HIDDEN, HIDDEN),
        Role.ANONYMOUS: (HIDDEN, HIDDEN),
        Role.RESIDENT: (HIDDEN, HIDDEN),  # as anonymous (issue 14.1)
        Role.STATION_STAFF: (HIDDEN, HIDDEN),
        Role.SYSTEM: (FULL, FULL),
    },
    Field.STATION_CONTACT_PHONE: {  # those who manage the station only (issue 14.2)
        Role.ADMIN: (FULL, FULL),
        Role.DISPATCHER: (FULL, HIDDEN),
        Role.ORG_ADMIN: (HIDDEN, HIDDEN),
        Role.VOLUNTEER: (HIDDEN, HIDDEN),
        Role.PARTNER: (HIDDEN, HIDDEN),
        Role.ANONYMOUS: (HIDDEN, HIDDEN),
        Role.RESIDENT: (HIDDEN, HIDDEN),
        Role.STATION_STAFF: (FULL, HIDDEN),  # their own station's phone only
        Role.SYSTEM: (FULL, FULL),
    },
    Field.DEMAND_CONTACT: {  # a resident's contact: who dispatches the demand (issue 14.3)
        Role.ADMIN: (FULL, FULL),
        Role.DISPATCHER: (FULL, MASKED),
        Role.ORG_ADMIN: (HIDDEN, HIDDEN),
        Role.VOLUNTEER: (HIDDEN, HIDDEN),
        Role.PARTNER: (HIDDEN, HIDDEN),
        Role.ANONYMOUS: (HIDDEN, HIDDEN),
        Role.RESIDENT: (FULL, HIDDEN),  # the contact they gave on their own demand
        Role.STATION_STAFF: (FULL, HIDDEN),  # demands at their station: they call back
        Role.SYSTEM: (FULL, FULL),
    },
}


def test_expectations_cover_every_role_and_field() -> None:
    assert set(EXPECTED) == set(Field)
    assert all(set(by_role) == set(Role) for by_role in EXPECTED.values())


@pytest.mark.parametrize(
    ("field", "role"), list(itertools.product(Field, Role)), ids=lambda v: str(v)
)
def test_every_role_against_every_field(field: Field, role: Role) -> None:
    caller, kind = CALLERS[role], SUBJECT_KIND[field]
    inside, outside = EXPECTED[field][role]
    assert decide(caller, field, INSIDE[kind]) is inside
    assert decide(caller, field, OUTSIDE[kind]) is outside


@pytest.mark.parametrize("field", [f for f in Field if f is not Field.VOLUNTEER])
def test_anonymous_and_partners_never_see_a_protected_field(field: Field) -> None:
    for role, kind in itertools.product((Role.ANONYMOUS, Role.PARTNER), ("volunteer",)):
        for subject in (INSIDE[kind], OUTSIDE[kind]):
            assert decide(CALLERS[role], field, subject) is not FULL
        assert scope_of(CALLERS[role], field) == ScopeNone()


def test_home_point_is_never_given_to_anonymous_or_partners() -> None:
    for role in (Role.ANONYMOUS, Role.PARTNER):
        assert DENIED[Field.VOLUNTEER_LOCATION][role] is COARSE
        assert DENIED[Field.VOLUNTEER_ID_NUMBER][role] is HIDDEN
        assert DENIED[Field.VOLUNTEER_PHONE][role] is HIDDEN
    assert DENIED[Field.VOLUNTEER_ID_NUMBER][Role.DISPATCHER] is MASKED


def test_no_role_sees_what_rebuilds_a_field_it_may_not_see() -> None:
    for masked, givers in REBUILDS.items():
        for giver, role in itertools.product(givers, Role):
            assert POLICY[giver][role] in (Rule.NEVER, POLICY[masked][role]), (giver, role)


def test_region_scope_is_a_subtree() -> None:
    caller = CALLERS[Role.DISPATCHER]  # 410100000000
    for code, inside in [
        ("410100000000", True),
        ("410102000000", True),
        ("410102001001", True),
        ("410000000000", False),  # the province above
        ("411000000000", False),  # shares "41", not "4101"
        ("410200000000", False),  # a sibling city
    ]:
        subject = Subject(volunteer_id=1, region_code=code)
        assert (decide(caller, Field.VOLUNTEER_PHONE, subject) is FULL) is inside, code
    assert decide(caller, Field.VOLUNTEER_PHONE, Subject(volunteer_id=1)) is MASKED


def test_org_scope_covers_descendants_only() -> None:
    caller = CALLERS[Role.ORG_ADMIN]  # org 7
    assert decide(caller, Field.VOLUNTEER_PHONE, Subject(org_ids=frozenset({70, 7, 1}))) is FULL
    assert decide(caller, Field.VOLUNTEER_PHONE, Subject(org_ids=frozenset({1}))) is MASKED
    assert decide(caller, Field.VOLUNTEER_PHONE, Subject(org_ids=frozenset({8, 1}))) is MASKED


def test_missing_claims_fail_closed() -> None:
    hollow = [
        Caller(Role.DISPATCHER, "d"),
        Caller(Role.ORG_ADMIN, "o"),
        Caller(Role.VOLUNTEER, "not-a-global-id"),
        Caller(Role.VOLUNTEER, None),
        Caller(Role.STATION_STAFF, "s"),  # no station claim
        Caller(Role.STATION_STAFF, "s", claims={"station": "31"}),  # not a number
        Caller(Role.RESIDENT, None),
    ]
    for caller, field in itertools.product(hollow, Field):
        if POLICY[field][caller.role] is Rule.ALWAYS:  # the record itself: listed for them
            continue
        assert scope_of(caller, field) == ScopeNone()
        assert decide(caller, field, INSIDE[SUBJECT_KIND[field]]) is DENIED[field][caller.role]


def test_scope_values() -> None:
    assert scope_of(CALLERS[Role.ADMIN], Field.VOLUNTEER_LOCATION) == ScopeAll()
    assert scope_of(CALLERS[Role.DISPATCHER], Field.VOLUNTEER_LOCATION) == ScopeRegion("4101")
    assert scope_of(CALLERS[Role.ORG_ADMIN], Field.VOLUNTEER_LOCATION) == ScopeOrg(7)
    assert scope_of(CALLERS[Role.VOLUNTEER], Field.VOLUNTEER_LOCATION) == ScopeSelf(42)
    assert scope_of(CALLERS[Role.DISPATCHER], Field.VOLUNTEER_ID_NUMBER) == ScopeNone()
    assert scope_of(CALLERS[Role.STATION_STAFF], Field.DEMAND_CONTACT) == ScopeStation(31)
    assert scope_of(CALLERS[Role.STATION_STAFF], Field.VOLUNTEER_PHONE) == ScopeNone()
    resident = CALLERS[Role.RESIDENT]
    assert scope_of(resident, Field.DEMAND_CONTACT) == ScopeRequester(
        frozenset({MINE, str(resident.sub)}))
    assert scope_of(resident, Field.STATION_CONTACT_PHONE) == ScopeNone()


def test_station_staff_and_residents_see_only_their_own() -> None:
    """Station staff: their station's phone and its demands' contacts, nobody else's; a
    resident: the contact on demands they raised, not another resident's nor a volunteer's."""
    staff, resident = CALLERS[Role.STATION_STAFF], CALLERS[Role.RESIDENT]
    at_31 = Subject(region_code="620100000000", station_id=31, requester="resident:x")
    no_station = Subject(region_code="410102000000", requester=MINE)
    assert decide(staff, Field.DEMAND_CONTACT, at_31) is FULL  # any region: the station counts
    assert decide(staff, Field.DEMAND_CONTACT, no_station) is HIDDEN
    assert decide(resident, Field.DEMAND_CONTACT, at_31) is HIDDEN
    assert decide(resident, Field.DEMAND_CONTACT, no_station) is FULL
    # Staff see contacts by station only: a demand they raised elsewhere is not theirs to see.
    assert decide(staff, Field.DEMAND_CONTACT,
                  Subject(requester=f"station_staff:{staff.sub}")) is HIDDEN
    for f in Field:
        if f.value.startswith("volunteer") and f is not Field.VOLUNTEER_LOCATION:
            assert decide(staff, f, INSIDE["volunteer"]) is HIDDEN
            assert decide(resident, f, INSIDE["volunteer"]) is HIDDEN


@pytest.mark.parametrize(
    ("code", "prefix"),
    [
        ("410000000000", "41"),
        ("410100000000", "4101"),
        ("410102000000", "410102"),
        ("410102001000", "410102001"),
        ("410102001001", "410102001001"),
        ("110101000000", "110101"),
    ],
)
def test_region_prefix(code: str, prefix: str) -> None:
    assert region_prefix(code) == prefix


@pytest.mark.parametrize("code", ["41", "4101000000000", "000000000000", "41010000000a", ""])
def test_region_prefix_refuses_bad_codes(code: str) -> None:
    with pytest.raises(ValueError, match="12 digits"):
        region_prefix(code)


def test_table_is_complete_and_printable() -> None:
    assert set(POLICY) == set(Field) == set(DENIED)
    assert all(set(denied) == set(Role) for denied in DENIED.values())
    assert all(set(rules) == set(Role) for rules in POLICY.values())
    assert all(POLICY[f][Role.ADMIN] is Rule.ALWAYS for f in Field)
    text = format_policy()
    assert all(f.value in text for f in Field) and all(r.value in text for r in Role)


# -- decide() and scope_of() agree, with the scope evaluated as SQL ------------------------------

REGIONS = [
    "410000000000",
    "410100000000",
    "410102000000",
    "410102001000",
    "410102001001",
    "410200000000",
    "411000000000",
    "420100000000",
    None,
]
ORG_SETS = [
    frozenset(),
    frozenset({1}),
    frozenset({7, 1}),
    frozenset({70, 7, 1}),
    frozenset({8, 1}),
    frozenset({70, 7, 8, 1}),
]


STATIONS = [None, 31, 32]
REQUESTERS = [None, MINE, "resident:someone-else", "partner-1"]


def _subjects() -> Iterator[Subject]:
    ids = itertools.count(40)
    for region, orgs in itertools.product(REGIONS, ORG_SETS):
        yield Subject(volunteer_id=next(ids), region_code=region, org_ids=orgs)
    yield Subject(volunteer_id=None, region_code="410102000000", org_ids=frozenset({7, 1}))
    for station, requester in itertools.product(STATIONS, REQUESTERS):
        yield Subject(region_code="410102000000", station_id=station, requester=requester)


def _callers() -> Iterator[Caller]:
    yield from CALLERS.values()
    for region in REGIONS[:-1]:
        yield Caller(Role.DISPATCHER, "d", region=region)
    for org in (1, 7, 70, 8, 999):
        yield Caller(Role.ORG_ADMIN, "o", org=org)
    for vid in (40, 42, 99):
        yield Caller(Role.VOLUNTEER, encode_global_id("Volunteer", vid))
    for station in (31, 32, 33):
        yield Caller(Role.STATION_STAFF, "s", claims={"station": station})
    yield Caller(Role.STATION_STAFF, "s")  # no station claim: fails closed
    yield Caller(Role.RESIDENT, "someone-else")
    yield Caller(Role.DISPATCHER, "d")  # hand-built without a region: fails closed


def _predicate(scope: Scope) -> tuple[str, dict[str, Any]]:
    """How the SQL layer is expected to read a scope."""
    match scope:
        case ScopeAll():
            return "1 = 1", {}
        case ScopeNone():
            return "1 = 0", {}
        case ScopeRegion(prefix=prefix):
            return "s.region_code LIKE :prefix || '%'", {"prefix": prefix}
        case ScopeOrg(org_id=org_id):
            return (
                "EXISTS (SELECT 1 FROM membership m WHERE m.subject = s.key AND m.org_id = :org)",
                {"org": org_id},
            )
        case ScopeSelf(volunteer_id=volunteer_id):
            return "s.volunteer_id = :vid", {"vid": volunteer_id}
        case ScopeStation(station_id=station_id):
            return "s.station_id = :station", {"station": station_id}
        case ScopeRequester(names=names):
            a, b = sorted(names)
            return "s.requester IN (:a, :b)", {"a": a, "b": b}
    raise AssertionError(scope)


@pytest.fixture(scope="module")
def db() -> Iterator[tuple[sqlite3.Connection, list[Subject]]]:
    subjects = list(_subjects())
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE subject (key INTEGER PRIMARY KEY, volunteer_id INT, region_code, "
                 "station_id INT, requester TEXT)")
    conn.execute("CREATE TABLE membership (subject INT, org_id INT)")  # org and all ancestors
    for key, s in enumerate(subjects):
        conn.execute("INSERT INTO subject VALUES (?, ?, ?, ?, ?)",
                     (key, s.volunteer_id, s.region_code, s.station_id, s.requester))
        conn.executemany("INSERT INTO membership VALUES (?, ?)", [(key, o) for o in s.org_ids])
    yield conn, subjects
    conn.close()


@pytest.mark.parametrize("field", list(Field))
def test_decide_and_scope_of_agree(
    db: tuple[sqlite3.Connection, list[Subject]], field: Field
) -> None:
    conn, subjects = db
    seen: set[tuple[Role, bool]] = set()
    for caller in _callers():
        where, params = _predicate(scope_of(caller, field))
        rows = conn.execute(f"SELECT key FROM subject s WHERE {where}", params).fetchall()
        exact_by_sql = {key for (key,) in rows}
        for key, subject in enumerate(subjects):
            visibility = decide(caller, field, subject)
            assert (visibility is FULL) == (key in exact_by_sql), (caller, subject)
            assert visibility in (FULL, DENIED[field][caller.role])
            seen.add((caller.role, visibility is FULL))
    rules = POLICY[field]
    for role in Role:
        # Every role was exercised out of scope, and in scope wherever its rule allows it.
        assert (role, False) in seen or rules[role] is Rule.ALWAYS
        assert (role, True) in seen or rules[role] is Rule.NEVER
