"""The action table: every role against every action, inside and outside scope.

The expectations are written out by hand (from issue 11 and the source documents), not
derived from ``ACTIONS``; the mutation walk (test_auth_mutations.py) checks that every
mutation asks the table.
"""

from __future__ import annotations

import itertools

import pytest

from hub.auth.actions import (
    ACTIONS,
    Action,
    Denied,
    Grant,
    can,
    format_actions,
    require,
    subject,
)
from hub.auth.ids import encode_global_id
from hub.auth.tokens import ANONYMOUS, SYSTEM, Caller, Role

# Organisations: 1 the root, 7 its child, 70 a child of 7; 8 a sibling of 7.
CALLERS = {
    "admin": Caller(Role.ADMIN, "admin-1"),
    "dispatcher": Caller(Role.DISPATCHER, "d", region="410100000000"),
    "org_admin": Caller(Role.ORG_ADMIN, "o", org=7),
    "volunteer": Caller(Role.VOLUNTEER, encode_global_id("Volunteer", 42)),
    "partner": Caller(Role.PARTNER, "requester-1"),
    "resident": Caller(Role.RESIDENT, encode_global_id("Account", 5)),
    "station_staff": Caller(Role.STATION_STAFF, encode_global_id("Account", 6),
                            claims={"station": 3}),
    "anonymous": ANONYMOUS,
}
INSIDE = subject(region_code="410102000000", org_paths=["1.7.70"], volunteer_id=42,
                 requester="requester-1", station_id=3, captain_ids=[42, 44])
OUTSIDE = subject(region_code="620102000000", org_paths=["1.8"], volunteer_id=43,
                  requester="someone-else", station_id=4, captain_ids=[43])

# (inside, outside) per role: Y = may, N = may not. Order: admin, dispatcher, org_admin,
# volunteer, partner, resident, station staff, anonymous.
EXPECTED: dict[Action, str] = {
    Action.VOLUNTEER_REGISTER:    "YY YY YY YY YY YY YY YY",  # 在线注册: anyone
    Action.VOLUNTEER_UPDATE:      "YY YN YN YN NN NN NN NN",
    Action.VOLUNTEER_EXIT:        "YY NN NN YN NN NN NN NN",  # the volunteer or an admin
    Action.VOLUNTEER_JOIN:        "YY YN YN YN NN NN NN NN",  # own request, or already in scope
    Action.VOLUNTEER_LEAVE_TEAM:  "YY YN YN YN NN NN NN NN",  # oneself, or the team's managers
    Action.VOLUNTEER_TRANSFER:    "YY YN YN YN NN NN NN NN",  # oneself, or managers of both
    Action.VOLUNTEER_SUSPEND:     "YY YN YN NN NN NN NN NN",  # a team's admin, never oneself
    Action.REGION_SETTINGS:       "YY YN NN NN NN NN NN NN",  # the region's dispatcher
    Action.TEAM_CREATE_TOP:       "YY YN NN NN NN NN NN NN",
    Action.TEAM_MANAGE:           "YY YN YN NN NN NN NN NN",
    Action.REGISTRATIONS_IMPORT:  "YY YY YY NN NN NN NN NN",  # rows' teams: TEAM_MANAGE each
    Action.DEMAND_RAISE:          "YY YN YN NN NN YY YN NN",  # 点单: residents anywhere
    Action.DEMAND_CANCEL:         "YY YN YN NN NN NN NN NN",  # (+ a resident or staff: own)
    Action.DEMAND_VET:            "YY YN NN NN NN NN YN NN",  # 审核: region or own station
    Action.DEMANDS_IMPORT:        "YY YY NN NN NN NN NN NN",  # rows' regions: DEMAND_RAISE
    Action.PRIORITY_RULE_MANAGE:  "YY NN NN NN NN NN NN NN",  # 老少边贫 rules: the hub's
    Action.DEMAND_REVIEW:         "YY YN NN NN YN NN YN NN",  # the requester, or the region
    # (a resident who raised it: tests/records/test_records_region_confirm.py; staff: station)
    Action.DEMAND_RATE_ORGANISER: "NN NN NN YN NN NN NN NN",  # a volunteer for themself
    Action.DISPATCH_PLAN:         "YY YN NN NN NN NN NN NN",
    Action.DISPATCH_OFFER:        "YY YN NN NN NN NN NN NN",
    Action.DISPATCH_RESPOND:      "NN NN NN YN NN NN NN NN",  # only the volunteer offered
    Action.DISPATCH_CANCEL:       "YY YN NN YN NN NN NN NN",
    Action.DISPATCH_NO_SHOW:      "YY YN NN NN NN NN NN NN",
    Action.DISPATCH_WATCH:        "YY YN NN YN NN NN NN NN",
    Action.DEMAND_CLAIM:          "NN NN NN YN NN NN NN NN",  # 抢单: only for oneself
    Action.CLAIM_APPROVE:         "YY YN NN NN NN NN NN NN",  # the demand's dispatcher
    Action.RECORD_CORRECT:        "YY YN YN NN NN NN NN NN",  # never the volunteer
    Action.RECORD_CONFIRM:        "YY YN YN NN NN NN YN NN",  # organiser, dispatcher, station
    Action.RECORD_READ:           "YY YN YN YN NN NN NN NN",
    Action.CERTIFICATE_ISSUE:     "YY YN YN YN NN NN NN NN",
    Action.CERTIFICATE_ISSUE_AS:  "YY YN YN NN NN NN NN NN",
    Action.ACTIVITY_SIGN_UP:      "YY YN YN YN NN NN NN NN",
    Action.ACTIVITY_ATTENDANCE:   "YY YN YN NN NN NN NN NN",
    Action.ACTIVITY_CHECK_IN:     "NN NN NN YN NN NN NN NN",  # 签到/签退: only for oneself
    Action.ACCOUNT_SIGN_IN:       "YY YY YY YY YY YY YY YY",  # the code, WeChat or token decides
    Action.STATION_MANAGE:        "YY YN NN NN NN NN YN NN",  # the region, or its own staff
    Action.ACTIVITY_MANAGE:       "YY NN YN NN NN NN NN NN",  # the organising team's admins
    Action.PROJECT_MANAGE:        "YY NN YN NN NN NN NN NN",  # the owner team's admins
    Action.PUBLICATION_REVIEW:    "YY YN YN NN NN NN NN NN",  # the host: team or above, region
    Action.TEAM_OFFER:            "YY YN NN NN NN NN NN NN",  # the demand's dispatcher
    Action.TEAM_ASSIGN:           "YY NN YN YN NN NN NN NN",  # the team's captain or its admins
    Action.TEAM_PAIRING:          "YY YN NN NN NN NN NN NN",  # the county's dispatcher
    Action.EQUITY_READ:           "YY YN NN NN NN NN NN NN",  # the region's dispatcher
    Action.COVERAGE_READ:         "YY YN NN NN NN NN NN NN",  # the region's dispatcher
    Action.COVERAGE_PLAN:         "YY YN NN NN NN NN NN NN",  # the region's dispatcher
    Action.CANDIDATE_SITE_MANAGE: "YY YN NN NN NN NN NN NN",  # the region's dispatcher
    Action.RECOGNITION_READ:      "YY YN YN NN NN NN NN NN",  # org admins: rounds over their team
    Action.RECOGNITION_NOMINATE:  "YY YN YN NN NN NN NN NN",  # the region's, or from one's subtree
    Action.RECOGNITION_MANAGE:    "YY YN NN NN NN NN NN NN",  # open, review, publish: the region
    Action.REPORT_ANNUAL:         "YY YN NN NN NN NN NN NN",  # the yearly summary of one's region
    Action.REPORT_STANDARD_EXPORT: "YY NN NN NN NN NN NN NN",  # MZ/T 061 export: admins only
    Action.SCORECARD_READ:        "YY YN NN NN NN NN NN NN",  # scorecards, campaign figures
    Action.PILOT_MANAGE:          "YY YN NN NN NN NN NN NN",  # pilots; national sets: admins
    Action.STAR_RULE_MANAGE:      "YY YN NN NN NN NN NN NN",  # province's; national: admins
    Action.CAMPAIGN_MANAGE:       "YY NN NN NN NN NN NN NN",  # key dates and editions: admins
    Action.CAMPAIGN_TAG:          "YY YN YN NN NN NN NN NN",  # the region's or team's
    Action.NOTIFICATION_PREFERENCES: "NN NN NN YN NN YY YY NN",  # one's own (the account)
    Action.NOTIFICATION_READ:     "YY YN YN YN NN YY YY NN",  # one's own inbox (the token)
    Action.WEBHOOK_MANAGE:        "YY NN NN NN YN NN NN NN",  # a partner its own endpoints
    Action.PARTNER_CONTRACT_MANAGE: "YY NN NN NN NN NN NN NN",  # admins set contracts
}


def test_expectations_cover_every_action() -> None:
    assert set(EXPECTED) == set(Action) == set(ACTIONS)
    assert all(set(ACTIONS[a]) == set(Role) for a in Action)


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.STATION_STAFF], ids=str)
def test_signed_in_residents_and_station_staff_are_refused_as_forbidden(role: Role) -> None:
    """They are signed in: a refusal is FORBIDDEN, never a request to sign in."""
    caller = Caller(role, encode_global_id("Account", 5))
    with pytest.raises(Denied) as refused:
        require(caller, Action.DISPATCH_PLAN, INSIDE)
    assert refused.value.code == "FORBIDDEN"


def test_the_station_grant_needs_the_callers_own_station() -> None:
    """``STATION`` admits station staff whose ``station`` claim names the subject's station;
    without the claim, or for another role carrying one, it fails closed."""
    staff = CALLERS["station_staff"]
    assert staff.station_id == 3
    claimless = Caller(Role.STATION_STAFF, encode_global_id("Account", 6))
    pretender = Caller(Role.RESIDENT, encode_global_id("Account", 6), claims={"station": 3})
    bogus = [Caller(Role.STATION_STAFF, "x", claims={"station": v}) for v in (True, -3, "3")]
    assert claimless.station_id is None and pretender.station_id is None
    assert all(c.station_id is None for c in bogus)
    station_actions = [a for a in Action if Grant.STATION in ACTIONS[a][Role.STATION_STAFF]]
    for action in station_actions:
        assert can(staff, action, INSIDE) and not can(staff, action, OUTSIDE), action
        assert not can(claimless, action, INSIDE), action
        assert not can(staff, action, subject(region_code="410102000000")), action


@pytest.mark.parametrize(("action", "role"), list(itertools.product(Action, CALLERS)),
                         ids=str)
def test_every_role_against_every_action(action: Action, role: str) -> None:
    cells = EXPECTED[action].split()
    inside, outside = cells[list(CALLERS).index(role)]
    caller = CALLERS[role]
    assert can(caller, action, INSIDE) is (inside == "Y")
    assert can(caller, action, OUTSIDE) is (outside == "Y")


@pytest.mark.parametrize("action", list(Action))
def test_the_system_caller_may_do_everything(action: Action) -> None:
    assert can(SYSTEM, action, OUTSIDE) and can(SYSTEM, action)


def test_scopes_are_subtrees_and_fail_closed() -> None:
    dispatcher = CALLERS["dispatcher"]
    for code, inside in [("410100000000", True), ("410102001001", True),
                         ("410000000000", False), ("411000000000", False)]:
        assert can(dispatcher, Action.DEMAND_RAISE, subject(region_code=code)) is inside, code
    assert not can(dispatcher, Action.DEMAND_RAISE, subject())
    assert not can(dispatcher, Action.DEMAND_RAISE)  # no subject: no scope to be in
    hollow = [Caller(Role.DISPATCHER, "d"), Caller(Role.ORG_ADMIN, "o"),
              Caller(Role.VOLUNTEER, "not-a-global-id")]
    for caller, action in itertools.product(hollow, Action):
        if action not in (Action.VOLUNTEER_REGISTER, Action.REGISTRATIONS_IMPORT,
                          Action.DEMANDS_IMPORT, Action.ACCOUNT_SIGN_IN):
            assert not can(caller, action, INSIDE), (caller, action)
    org = CALLERS["org_admin"]
    assert can(org, Action.TEAM_MANAGE, subject(org_paths=["1.7"]))
    assert not can(org, Action.TEAM_MANAGE, subject(org_paths=["1"]))  # not above itself


def test_refusals_are_coded_and_anonymous_callers_are_told_to_sign_in() -> None:
    with pytest.raises(Denied) as denied:
        require(CALLERS["volunteer"], Action.RECORD_CORRECT, INSIDE, what="correct this")
    assert denied.value.code == "FORBIDDEN" and "correct this" in denied.value.message
    assert denied.value.message_zh
    with pytest.raises(Denied) as anonymous:
        require(ANONYMOUS, Action.RECORD_CORRECT, INSIDE)
    assert anonymous.value.code == "UNAUTHENTICATED"
    require(CALLERS["admin"], Action.RECORD_CORRECT, OUTSIDE)  # no exception


def test_table_is_printable() -> None:
    text = format_actions()
    assert all(a.value in text for a in Action) and "system" in text
