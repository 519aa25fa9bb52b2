"""What each role may see: ONE table, read per object (``decide``) and per query (``scope_of``).

``POLICY[field][role]`` is a :class:`Rule`; ``DENIED[field][role]`` is what that role gets
where the rule does not admit the record (a masked string, a ~1 km coarsened point, or null).
``REBUILDS`` names fields that would give a masked one back when seen together; the table is
checked at import so that no role sees such a combination. What a role may *do* is the other
table, :mod:`hub.auth.actions`. The GraphQL
resolvers call :func:`decide` for one record; the SQL layer (lists, vector tiles) calls
:func:`scope_of` and turns the :data:`Scope` into a predicate. ``decide`` is defined through
``scope_of``, so the two cannot disagree. Coarsening and masking are done elsewhere
(``hub/geo``, ``hub/pii``): this module only decides.

Turning a scope into SQL (``exact`` is true where the caller gets :attr:`Visibility.FULL`):

* :class:`ScopeAll`    → ``TRUE``
* :class:`ScopeNone`   → ``FALSE``
* :class:`ScopeRegion` → ``region_code LIKE :prefix || '%'`` (the prefix is digits only)
* :class:`ScopeOrg`    → the record belongs to ``:org_id`` or to an organization beneath it
* :class:`ScopeSelf`   → ``volunteer.id = :volunteer_id``
* :class:`ScopeStation` → ``station_id = :station_id`` (a station's staff: their own station)
* :class:`ScopeRequester` → ``raised_by = ANY(:names)`` (whoever raised the demand)
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import assert_never

from hub.auth.ids import encode_global_id, region_prefix
from hub.auth.tokens import Caller, Role

__all__ = [
    "DENIED",
    "POLICY",
    "REBUILDS",
    "Field",
    "Rule",
    "Scope",
    "ScopeAll",
    "ScopeNone",
    "ScopeOrg",
    "ScopeRegion",
    "ScopeRequester",
    "ScopeSelf",
    "ScopeStation",
    "Subject",
    "Visibility",
    "decide",
    "format_policy",
    "region_prefix",
    "requester_names",
    "scope_of",
]


class Field(StrEnum):
    """A protected field. Organization fields use the organization as the subject."""

    VOLUNTEER = "volunteer"  # the record itself: whether it is listed at all
    VOLUNTEER_NAME = "volunteer.name"
    VOLUNTEER_ID_NUMBER = "volunteer.id_number"
    VOLUNTEER_PHONE = "volunteer.phone"
    VOLUNTEER_LOCATION = "volunteer.location"
    VOLUNTEER_BIRTH_DATE = "volunteer.birth_date"
    ORGANIZATION_CAPTAIN_PHONE = "organization.captain_phone"
    STATION_CONTACT_PHONE = "station.contact_phone"  # subject: the station (region, id)
    DEMAND_CONTACT = "demand.contact"  # a requester's contact name and mobile; the demand


class Rule(StrEnum):
    """When a role sees a field in full."""

    ALWAYS = "always"  # every record
    IN_SCOPE = "in_scope"  # dispatcher: inside their region subtree; org admin: their org subtree
    SELF = "self"  # a volunteer: their own record only
    STATION = "station"  # station staff: records of (or at) their own station (``station_id``)
    REQUESTER = "requester"  # a resident: what they raised themself (a demand's ``raised_by``)
    NEVER = "never"  # no record


class Visibility(StrEnum):
    """What one caller gets for one field of one record."""

    FULL = "full"
    MASKED = "masked"  # hub.pii.mask_phone / mask_id_number / mask_name
    COARSE = "coarse"  # snapped to a ~1 km grid by hub.geo; never the home point
    HIDDEN = "hidden"  # null (for ``Field.VOLUNTEER``: the record is not listed at all)


_A = (Rule.ALWAYS, Visibility.HIDDEN)  # the denied form of ALWAYS is never used
_ROLES = (
    Role.ADMIN,
    Role.DISPATCHER,
    Role.ORG_ADMIN,
    Role.VOLUNTEER,
    Role.PARTNER,
    Role.RESIDENT,
    Role.STATION_STAFF,
    Role.ANONYMOUS,
    Role.SYSTEM,
)


def _cell(rule: Rule, denied: Visibility) -> tuple[Rule, Visibility]:
    return rule, denied


_I, _S, _N = Rule.IN_SCOPE, Rule.SELF, Rule.NEVER
_M, _C, _H = Visibility.MASKED, Visibility.COARSE, Visibility.HIDDEN
IM, IC, IH = _cell(_I, _M), _cell(_I, _C), _cell(_I, _H)
SM, SC, SH = _cell(_S, _M), _cell(_S, _C), _cell(_S, _H)
NM, NC, NH = _cell(_N, _M), _cell(_N, _C), _cell(_N, _H)
TH, RH = _cell(Rule.STATION, _H), _cell(Rule.REQUESTER, _H)

# Each cell: the rule for seeing the field in full, and what the role gets where the rule does
# not admit the record. Anonymous callers get no volunteer record at all (only counts per
# cell); partners get masked names and no digit of an ID number or phone (issue 11).
# Residents (群众) and station staff see volunteers as anonymous callers do; station staff see
# their own station's phone and the contact of demands at their station (they call the
# resident back when reviewing it), a resident the contact they gave on their own demands.
# fmt: off
_TABLE: dict[Field, tuple[tuple[Rule, Visibility], ...]] = {
    #                              admin dispatch org_adm volunt partner resid. staff anonym system
    Field.VOLUNTEER:               (_A,  _A,      _A,     _A,    _A,     NH,    NH,   NH,    _A),
    Field.VOLUNTEER_NAME:          (_A,  IM,      IM,     SM,    NM,     NH,    NH,   NH,    _A),
    Field.VOLUNTEER_ID_NUMBER:     (_A,  NM,      IM,     SM,    NH,     NH,    NH,   NH,    _A),
    Field.VOLUNTEER_PHONE:         (_A,  IM,      IM,     SM,    NH,     NH,    NH,   NH,    _A),
    Field.VOLUNTEER_LOCATION:      (_A,  IC,      IC,     SC,    NC,     NC,    NC,   NC,    _A),
    Field.VOLUNTEER_BIRTH_DATE:    (_A,  NH,      IH,     SH,    NH,     NH,    NH,   NH,    _A),
    Field.ORGANIZATION_CAPTAIN_PHONE: (_A, IM,    IM,     NM,    NH,     NH,    NH,   NH,    _A),
    # Those who manage the station (action station.manage): admins, the region's dispatchers,
    # its own staff.
    Field.STATION_CONTACT_PHONE:   (_A,  IH,      NH,     NH,    NH,     NH,    TH,   NH,    _A),
    # Who reviews and dispatches the demand: admins, the region's dispatchers (public 点单),
    # the staff of its station (demand.vet); and the resident who raised it.
    Field.DEMAND_CONTACT:          (_A,  IM,      NH,     NH,    NH,     RH,    TH,   NH,    _A),
}
# fmt: on

REBUILDS: Mapping[Field, tuple[Field, ...]] = MappingProxyType({
    # A masked ID number keeps its first 3 and last 4 characters (hub.pii.mask_id_number);
    # with the birth date (8 digits) and the home division (6) it would be whole again. So
    # whoever does not see the ID number in full must not see the birth date either: they
    # get the birth decade (Volunteer.birthDecade), about 3,650 candidate dates.
    Field.VOLUNTEER_ID_NUMBER: (Field.VOLUNTEER_BIRTH_DATE,),
})
"""``REBUILDS[f]``: fields that, seen together with ``f`` masked, would give ``f`` back."""

_ACCOUNTS = (Role.RESIDENT, Role.STATION_STAFF)
"""Signed in with a phone code or WeChat (issue 14): no volunteer field beyond anonymous
callers' (their own account: ``me``)."""
_OWN_RULES = {Rule.STATION: Role.STATION_STAFF, Rule.REQUESTER: Role.RESIDENT,
              Rule.SELF: Role.VOLUNTEER}
"""Rules about the caller's own things, and the one role each is for."""
_VOLUNTEER_FIELDS = frozenset(f for f in Field if f.value.startswith("volunteer"))

POLICY: Mapping[Field, Mapping[Role, Rule]] = MappingProxyType({
    f: MappingProxyType({r: c[0] for r, c in zip(_ROLES, cells, strict=True)})
    for f, cells in _TABLE.items()
})
"""``POLICY[field][role]``: the one policy table."""

DENIED: Mapping[Field, Mapping[Role, Visibility]] = MappingProxyType({
    f: MappingProxyType({r: c[1] for r, c in zip(_ROLES, cells, strict=True)})
    for f, cells in _TABLE.items()
})
"""``DENIED[field][role]``: what a role gets where its rule does not admit the record."""

def _check_table() -> None:
    """Fail at import if the table is incomplete, gives a rule to a role that cannot use it,
    or lets a role see together what rebuilds a field it may not see."""
    for f in Field:
        rules = POLICY.get(f)
        if rules is None or set(rules) != set(Role):
            raise RuntimeError(f"policy table must give every role a rule for {f.value}")
        for role, rule in rules.items():
            if DENIED[f][role] is Visibility.FULL:
                raise RuntimeError(f"policy table: denied {f.value} must not be FULL")
            if rule is Rule.IN_SCOPE and role not in {Role.DISPATCHER, Role.ORG_ADMIN}:
                raise RuntimeError(f"policy table: {role.value} has no scope for {f.value}")
            if rule in _OWN_RULES and role is not _OWN_RULES[rule]:
                raise RuntimeError(f"policy table: {role.value} has no {rule.value} for "
                                   f"{f.value}")
            if (role in {Role.PARTNER, Role.ANONYMOUS} and rule is not Rule.NEVER
                    and f is not Field.VOLUNTEER):
                raise RuntimeError(f"policy table: {role.value} must never see {f.value}")
            if role in _ACCOUNTS and f in _VOLUNTEER_FIELDS and rule is not Rule.NEVER:
                raise RuntimeError(f"policy table: {role.value} must never see {f.value}")
        if POLICY[Field.VOLUNTEER][Role.ANONYMOUS] is not Rule.NEVER:
            raise RuntimeError("policy table: anonymous callers get no volunteer record")
    for masked, givers in REBUILDS.items():
        for giver, role in itertools.product(givers, Role):
            mine, theirs = POLICY[masked][role], POLICY[giver][role]
            if theirs not in (Rule.NEVER, mine):
                raise RuntimeError(f"policy table: {role.value} would rebuild {masked.value} "
                                   f"from {giver.value}")
    for role in (Role.PARTNER, Role.ANONYMOUS, *_ACCOUNTS):
        for f in (Field.VOLUNTEER_ID_NUMBER, Field.VOLUNTEER_PHONE):
            if DENIED[f][role] is not Visibility.HIDDEN:
                raise RuntimeError(f"policy table: {role.value} must get no digit of {f.value}")


_check_table()


@dataclass(frozen=True)
class Subject:
    """The record a protected field belongs to.

    ``org_ids`` holds every organization the record belongs to *and all their ancestors*
    (the caller of :func:`decide` computes ancestors). For an organization field the subject
    is the organization: ``volunteer_id=None``, its region, and itself plus its ancestors.
    ``station_id`` is the station the record is at (or is: a station's own fields);
    ``requester`` who raised it (a demand's ``raised_by``, ``role:sub``).
    """

    volunteer_id: int | None = None
    region_code: str | None = None
    org_ids: frozenset[int] = frozenset()
    requester: str | None = None
    station_id: int | None = None

    @property
    def volunteer_global_id(self) -> str | None:
        """The volunteer's relay global ID, as carried in a volunteer token's ``sub``."""
        if self.volunteer_id is None:
            return None
        return encode_global_id("Volunteer", self.volunteer_id)


@dataclass(frozen=True)
class ScopeAll:
    """Exact for every row."""

    def admits(self, subject: Subject) -> bool:
        return True


@dataclass(frozen=True)
class ScopeNone:
    """Masked / coarse / hidden for every row."""

    def admits(self, subject: Subject) -> bool:
        return False


@dataclass(frozen=True)
class ScopeRegion:
    """Exact where ``region_code LIKE prefix || '%'``."""

    prefix: str

    def admits(self, subject: Subject) -> bool:
        return subject.region_code is not None and subject.region_code.startswith(self.prefix)


@dataclass(frozen=True)
class ScopeOrg:
    """Exact where the record belongs to ``org_id`` or an organization beneath it."""

    org_id: int

    def admits(self, subject: Subject) -> bool:
        return self.org_id in subject.org_ids


@dataclass(frozen=True)
class ScopeSelf:
    """Exact only for the volunteer with id ``volunteer_id``."""

    volunteer_id: int

    def admits(self, subject: Subject) -> bool:
        return subject.volunteer_id is not None and subject.volunteer_id == self.volunteer_id


@dataclass(frozen=True)
class ScopeStation:
    """Exact only for records of (or at) the station ``station_id``: its staff."""

    station_id: int

    def admits(self, subject: Subject) -> bool:
        return subject.station_id is not None and subject.station_id == self.station_id


@dataclass(frozen=True)
class ScopeRequester:
    """Exact only for what was raised by one of ``names`` (the caller as ``sub`` and as
    ``role:sub``, as :func:`hub.auth.actions.can` matches a requester)."""

    names: frozenset[str]

    def admits(self, subject: Subject) -> bool:
        return subject.requester is not None and subject.requester in self.names


Scope = ScopeAll | ScopeNone | ScopeRegion | ScopeOrg | ScopeSelf | ScopeStation | ScopeRequester
ALL = ScopeAll()
NONE = ScopeNone()


def scope_of(caller: Caller, field: Field) -> Scope:
    """The rows for which ``caller`` sees ``field`` in full; fails closed on a missing claim."""
    rule = POLICY[field][caller.role]
    if rule is Rule.ALWAYS:
        return ALL
    if rule is Rule.NEVER:
        return NONE
    if rule is Rule.SELF:
        volunteer_id = caller.volunteer_id
        return NONE if volunteer_id is None else ScopeSelf(volunteer_id)
    if rule is Rule.STATION:
        station_id = caller.station_id
        return NONE if station_id is None else ScopeStation(station_id)
    if rule is Rule.REQUESTER:
        return NONE if caller.sub is None else ScopeRequester(requester_names(caller))
    if rule is Rule.IN_SCOPE:
        if caller.role is Role.DISPATCHER and caller.region is not None:
            return ScopeRegion(region_prefix(caller.region))
        if caller.role is Role.ORG_ADMIN and caller.org is not None:
            return ScopeOrg(caller.org)
        return NONE
    assert_never(rule)


def requester_names(caller: Caller) -> frozenset[str]:
    """What a demand's ``raised_by`` holds when ``caller`` raised it: ``role:sub`` (as
    :func:`hub.auth.actions.actor` records it), or the bare ``sub`` (partners' own ids)."""
    return frozenset({caller.sub, f"{caller.role.value}:{caller.sub}"}) if caller.sub else (
        frozenset())


def decide(caller: Caller, field: Field, subject: Subject) -> Visibility:
    """What ``caller`` gets for ``field`` of ``subject``."""
    if scope_of(caller, field).admits(subject):
        return Visibility.FULL
    return DENIED[field][caller.role]


def _format_cell(f: Field, role: Role) -> str:
    rule = POLICY[f][role]
    return rule.value if rule is Rule.ALWAYS else f"{rule.value}/{DENIED[f][role].value}"


def format_policy() -> str:
    """The table as text: one row per field, one column per role, then the denied form."""
    header = ["field", *(r.value for r in _ROLES)]
    rows = [header]
    rows += [[f.value, *(_format_cell(f, r) for r in _ROLES)] for f in Field]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
