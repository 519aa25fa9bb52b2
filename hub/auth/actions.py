"""What each role may DO: ONE table, ``can(caller, action, subject)``; the twin of ``policy``.

``ACTIONS[action][role]`` is a set of :class:`Grant`; the caller may act on a subject when any
of them admits it:

* ``ANY``      — every subject (and every caller of that role, anonymous included);
* ``IN_SCOPE`` — a dispatcher: the subject's region lies in their region subtree; an org
  admin: the subject belongs to their organisation or one beneath it (``Subject.org_ids``
  holds the subject's organisations *and their ancestors*);
* ``SELF``     — a volunteer acting on their own record (``Subject.volunteer_id``);
* ``REQUESTER``— whoever raised the subject (a demand's ``raised_by``);
* ``STATION``  — station staff: the subject is at (or is) their station (``station_id``);
* ``CAPTAIN``  — a volunteer who captains the subject's team (队长 or 副队长): the caller's
  volunteer id is in ``ActionSubject.captain_ids``. A volunteer's token names no team, so the
  service loads who captains the team it acts on (``hub.store.teams.get_many_teams``) into the
  subject; a captain of another team is refused like any outsider.

Services call :func:`require` with the caller they were given (GraphQL passes the request's
caller, the CLI passes :data:`hub.auth.tokens.SYSTEM`); nothing else decides who may act.
:data:`~hub.auth.tokens.Role.SYSTEM` may do everything an admin may.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from hub.auth.ids import region_prefix
from hub.auth.policy import Subject, requester_names
from hub.auth.tokens import Caller, Role

__all__ = ["ACTIONS", "Action", "ActionSubject", "Denied", "Grant", "actor", "can",
           "format_actions", "require", "subject"]


class Action(StrEnum):
    """Something a caller does to a subject (the subject of each is named beside it)."""

    VOLUNTEER_REGISTER = "volunteer.register"  # self-registration; subject: none
    VOLUNTEER_UPDATE = "volunteer.update"  # the volunteer
    VOLUNTEER_EXIT = "volunteer.exit"  # the volunteer
    VOLUNTEER_JOIN = "volunteer.join"  # the volunteer who joins a team (with TEAM_MANAGE)
    VOLUNTEER_LEAVE_TEAM = "volunteer.leave_team"  # the volunteer, in the team they leave
    VOLUNTEER_TRANSFER = "volunteer.transfer"  # the volunteer, in each of the two teams
    VOLUNTEER_SUSPEND = "volunteer.suspend"  # suspend or reinstate: the volunteer, their teams
    REGION_SETTINGS = "region.settings"  # a region's programme settings: the region
    TEAM_CREATE_TOP = "team.create_top"  # a top-level team: its region
    TEAM_MANAGE = "team.manage"  # the team (register beneath it, move it, link members to it)
    REGISTRATIONS_IMPORT = "registrations.import"  # none; each row's team needs TEAM_MANAGE
    DEMAND_RAISE = "demand.raise"  # the demand: its region and its station's organisations
    DEMAND_CANCEL = "demand.cancel"  # the demand, with its requester
    DEMAND_VET = "demand.vet"  # 审核 before dispatch: the demand (its station if a resident's)
    DEMANDS_IMPORT = "demands.import"  # none; each row's region needs DEMAND_RAISE
    PRIORITY_RULE_MANAGE = "priority_rule.manage"  # none: the hub's demand priority rules
    DEMAND_REVIEW = "demand.review"  # the demand, with its requester
    DEMAND_RATE_ORGANISER = "demand.rate_organiser"  # the volunteer who served it
    DISPATCH_PLAN = "dispatch.plan"  # the region planned (previewDispatch, commitDispatch)
    DISPATCH_OFFER = "dispatch.offer"  # the demand (派单 by hand)
    DISPATCH_RESPOND = "dispatch.respond"  # the offered volunteer (accept, decline, check in/out)
    DISPATCH_CANCEL = "dispatch.cancel"  # the dispatch: its demand's region and its volunteer
    DISPATCH_NO_SHOW = "dispatch.no_show"  # the dispatch's demand
    DISPATCH_WATCH = "dispatch.watch"  # the region watched, or the volunteer's own dispatches
    DEMAND_CLAIM = "demand.claim"  # 抢单: the volunteer who claims (and lists what they may)
    CLAIM_APPROVE = "claim.approve"  # approve or reject a pending claim: its demand's region
    RECORD_CORRECT = "record.correct"  # the record: its region and organising team
    RECORD_CONFIRM = "record.confirm"  # the record
    RECORD_READ = "record.read"  # the volunteer whose records, balances, certificates
    CERTIFICATE_ISSUE = "certificate.issue"  # the volunteer
    CERTIFICATE_ISSUE_AS = "certificate.issue_as"  # the organisation named as issuer
    ACTIVITY_SIGN_UP = "activity.sign_up"  # the volunteer, with the activity (see signups)
    ACTIVITY_ATTENDANCE = "activity.attendance"  # the activity
    ACTIVITY_CHECK_IN = "activity.check_in"  # the volunteer checking in or out, with the activity
    ACCOUNT_SIGN_IN = "account.sign_in"  # none: whoever holds the phone, WeChat or token
    STATION_MANAGE = "station.manage"  # the station: its region (and itself, for its staff)
    ACTIVITY_MANAGE = "activity.manage"  # the activity: its region and organising team
    PROJECT_MANAGE = "project.manage"  # the project: its owner team (and that team's region)
    PUBLICATION_REVIEW = "publication.review"  # 谁主办谁负责: what is submitted, as MANAGE's
    TEAM_OFFER = "team.offer"  # offer a demand to a team, or withdraw it: the demand's region
    TEAM_ASSIGN = "team.assign"  # a team's incoming offers: assign, return, list (the team)
    TEAM_PAIRING = "team.pairing"  # 学会–县区 pairings: the county paired
    EQUITY_READ = "equity.read"  # 老少边贫 equity figures: the region asked about
    COVERAGE_READ = "coverage.read"  # demand beyond station reach, coverage plans: the region
    COVERAGE_PLAN = "coverage.plan"  # solve where the next stations go: the region
    CANDIDATE_SITE_MANAGE = "candidate_site.manage"  # candidate station sites: their region
    # Recognition rounds (优秀, 四个十佳; issue 16.3). READ: rounds, candidates and lists (an
    # org admin: rounds over their team's region, its subtree's candidates only); NOMINATE: the
    # round's region and the candidate's organisations; MANAGE (open, review, publish): the
    # round's region.
    RECOGNITION_READ = "recognition.read"
    RECOGNITION_NOMINATE = "recognition.nominate"
    RECOGNITION_MANAGE = "recognition.manage"
    REPORT_ANNUAL = "report.annual"  # the yearly summary sent upward: the region reported
    REPORT_STANDARD_EXPORT = "report.standard_export"  # MZ/T 061 data elements: admins only
    SCORECARD_READ = "scorecard.read"  # pilots' scorecards, campaign figures: the region
    PILOT_MANAGE = "pilot.manage"  # a pilot: its region; a quota set: its province (none: all)
    STAR_RULE_MANAGE = "star_rule.manage"  # star rules and thresholds: the scope's province
    CAMPAIGN_MANAGE = "campaign.manage"  # none: the key dates and each year's editions
    CAMPAIGN_TAG = "campaign.tag"  # the activity or demand tagged: its region (and team)
    # A person's own notification preferences (issue 15.3): the volunteer themself; residents
    # and station staff: the account they signed in as (the only one the service touches).
    NOTIFICATION_PREFERENCES = "notification.preferences"
    # The in-app inbox (issue 15.3): one's own notifications; the subject is always the
    # caller's own inbox, made from their token (a dispatcher's region, an org admin's
    # organisation, a volunteer themself), so a token without them reads nothing; partners
    # are told through webhooks.
    NOTIFICATION_READ = "notification.read"
    # Partner webhooks (issue 15.4): a partner its own endpoints (the webhook's partner is the
    # requester), an admin any; an admin sets what each partner's contract lets it receive.
    WEBHOOK_MANAGE = "webhook.manage"
    PARTNER_CONTRACT_MANAGE = "partner_contract.manage"


class Grant(StrEnum):
    """One way a role may be admitted."""

    ANY = "any"
    IN_SCOPE = "in_scope"
    SELF = "self"
    REQUESTER = "requester"
    STATION = "station"
    CAPTAIN = "captain"


_ANY, _IN, _SELF, _REQ, _STN, _CPT = (frozenset({g}) for g in (
    Grant.ANY, Grant.IN_SCOPE, Grant.SELF, Grant.REQUESTER, Grant.STATION, Grant.CAPTAIN))
_NO: frozenset[Grant] = frozenset()
_IN_OR_SELF = _IN | _SELF
_ROLES = (Role.ADMIN, Role.DISPATCHER, Role.ORG_ADMIN, Role.VOLUNTEER, Role.PARTNER,
          Role.RESIDENT, Role.STATION_STAFF, Role.ANONYMOUS)

# fmt: off
_TABLE: dict[Action, tuple[frozenset[Grant], ...]] = {
    #                             admin dispatcher  orgadm vol.   partnr resid. staff anon
    Action.VOLUNTEER_REGISTER:    (_ANY, _ANY,       _ANY,  _ANY,  _ANY, _ANY, _ANY, _ANY),
    Action.VOLUNTEER_UPDATE:      (_ANY, _IN,        _IN,   _SELF, _NO,  _NO,  _NO,  _NO),
    Action.VOLUNTEER_EXIT:        (_ANY, _NO,        _NO,   _SELF, _NO,  _NO,  _NO,  _NO),
    Action.VOLUNTEER_JOIN:        (_ANY, _IN,        _IN,   _SELF, _NO,  _NO,  _NO,  _NO),
    Action.VOLUNTEER_LEAVE_TEAM:  (_ANY, _IN,        _IN,   _SELF, _NO,  _NO,  _NO,  _NO),
    Action.VOLUNTEER_TRANSFER:    (_ANY, _IN,        _IN,   _SELF, _NO,  _NO,  _NO,  _NO),
    Action.VOLUNTEER_SUSPEND:     (_ANY, _IN,        _IN,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.REGION_SETTINGS:       (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.TEAM_CREATE_TOP:       (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.TEAM_MANAGE:           (_ANY, _IN,        _IN,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.REGISTRATIONS_IMPORT:  (_ANY, _ANY,       _ANY,  _NO,   _NO,  _NO,  _NO,  _NO),
    Action.DEMAND_RAISE:          (_ANY, _IN,        _IN,   _NO,   _NO,  _ANY, _STN, _NO),
    Action.DEMAND_CANCEL:         (_ANY, _IN,        _IN,   _NO,   _NO,  _REQ, _REQ, _NO),
    Action.DEMAND_VET:            (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _STN, _NO),
    Action.DEMANDS_IMPORT:        (_ANY, _ANY,       _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.PRIORITY_RULE_MANAGE:  (_ANY, _NO,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.DEMAND_REVIEW:         (_ANY, _IN | _REQ, _REQ,  _REQ,  _REQ, _REQ, _REQ | _STN, _NO),
    Action.DEMAND_RATE_ORGANISER: (_NO,  _NO,        _NO,   _SELF, _NO,  _NO,  _NO,  _NO),
    Action.DISPATCH_PLAN:         (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.DISPATCH_OFFER:        (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.DISPATCH_RESPOND:      (_NO,  _NO,        _NO,   _SELF, _NO,  _NO,  _NO,  _NO),
    Action.DISPATCH_CANCEL:       (_ANY, _IN,        _NO,   _SELF, _NO,  _NO,  _NO,  _NO),
    Action.DISPATCH_NO_SHOW:      (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.DISPATCH_WATCH:        (_ANY, _IN,        _NO,   _SELF, _NO,  _NO,  _NO,  _NO),
    Action.DEMAND_CLAIM:          (_NO,  _NO,        _NO,   _SELF, _NO,  _NO,  _NO,  _NO),
    Action.CLAIM_APPROVE:         (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.RECORD_CORRECT:        (_ANY, _IN,        _IN,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.RECORD_CONFIRM:        (_ANY, _IN,        _IN,   _NO,   _NO,  _NO,  _STN, _NO),
    Action.RECORD_READ:           (_ANY, _IN,        _IN,   _SELF, _NO,  _NO,  _NO,  _NO),
    Action.CERTIFICATE_ISSUE:     (_ANY, _IN,        _IN,   _SELF, _NO,  _NO,  _NO,  _NO),
    Action.CERTIFICATE_ISSUE_AS:  (_ANY, _IN,        _IN,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.ACTIVITY_SIGN_UP:      (_ANY, _IN,        _IN,   _SELF, _NO,  _NO,  _NO,  _NO),
    Action.ACTIVITY_ATTENDANCE:   (_ANY, _IN,        _IN,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.ACTIVITY_CHECK_IN:     (_NO,  _NO,        _NO,   _SELF, _NO,  _NO,  _NO,  _NO),
    Action.ACCOUNT_SIGN_IN:       (_ANY, _ANY,       _ANY,  _ANY,  _ANY, _ANY, _ANY, _ANY),
    Action.STATION_MANAGE:        (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _STN, _NO),
    Action.ACTIVITY_MANAGE:       (_ANY, _NO,        _IN,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.PROJECT_MANAGE:        (_ANY, _NO,        _IN,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.PUBLICATION_REVIEW:    (_ANY, _IN,        _IN,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.TEAM_OFFER:            (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.TEAM_ASSIGN:           (_ANY, _NO,        _IN,   _CPT,  _NO,  _NO,  _NO,  _NO),
    Action.TEAM_PAIRING:          (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.EQUITY_READ:           (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.COVERAGE_READ:         (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.COVERAGE_PLAN:         (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.CANDIDATE_SITE_MANAGE: (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.RECOGNITION_READ:      (_ANY, _IN,        _IN,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.RECOGNITION_NOMINATE:  (_ANY, _IN,        _IN,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.RECOGNITION_MANAGE:    (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.REPORT_ANNUAL:         (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.REPORT_STANDARD_EXPORT: (_ANY, _NO,       _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.SCORECARD_READ:        (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.PILOT_MANAGE:          (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.STAR_RULE_MANAGE:      (_ANY, _IN,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.CAMPAIGN_MANAGE:       (_ANY, _NO,        _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.CAMPAIGN_TAG:          (_ANY, _IN,        _IN,   _NO,   _NO,  _NO,  _NO,  _NO),
    Action.NOTIFICATION_PREFERENCES: (_NO, _NO,      _NO,   _SELF, _NO,  _ANY, _ANY, _NO),
    Action.NOTIFICATION_READ:     (_ANY, _IN,        _IN,   _SELF, _NO,  _ANY, _ANY, _NO),
    Action.WEBHOOK_MANAGE:        (_ANY, _NO,        _NO,   _NO,   _REQ, _NO,  _NO,  _NO),
    Action.PARTNER_CONTRACT_MANAGE: (_ANY, _NO,      _NO,   _NO,   _NO,  _NO,  _NO,  _NO),
}
# fmt: on

ACTIONS: Mapping[Action, Mapping[Role, frozenset[Grant]]] = MappingProxyType({
    a: MappingProxyType({**dict(zip(_ROLES, cells, strict=True)), Role.SYSTEM: cells[0] or _ANY})
    for a, cells in _TABLE.items()
})
"""``ACTIONS[action][role]``: the grants that admit a role to an action."""


def _check_table() -> None:
    """Fail at import when an action lacks a rule or a role holds a grant it cannot use."""
    for action in Action:
        grants = ACTIONS.get(action)
        if grants is None or set(grants) != set(Role):
            raise RuntimeError(f"action table must give every role a rule for {action.value}")
        for role, held in grants.items():
            if Grant.IN_SCOPE in held and role not in {Role.DISPATCHER, Role.ORG_ADMIN}:
                raise RuntimeError(f"action table: {role.value} has no scope ({action.value})")
            if Grant.SELF in held and role is not Role.VOLUNTEER:
                raise RuntimeError(f"action table: {role.value} has no self ({action.value})")
            if Grant.STATION in held and role is not Role.STATION_STAFF:
                raise RuntimeError(f"action table: {role.value} has no station ({action.value})")
            if Grant.CAPTAIN in held and role is not Role.VOLUNTEER:
                raise RuntimeError(f"action table: {role.value} has no captaincy ({action.value})")
            if Grant.ANY in held and len(held) > 1:
                raise RuntimeError(f"action table: ANY stands alone ({action.value})")


_check_table()


class Denied(Exception):
    """The caller may not do this: ``FORBIDDEN``, or ``UNAUTHENTICATED`` for anonymous callers
    of an action that a signed-in caller might be allowed."""

    def __init__(self, message: str, *, code: str = "FORBIDDEN",
                 message_zh: str = "无权执行此操作") -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh
        self.code = code


@dataclass(frozen=True)
class ActionSubject(Subject):
    """A :class:`~hub.auth.policy.Subject` made from stored values (:func:`subject`); its
    ``requester`` and ``station_id`` are the policy's own, so the two tables read one subject."""
    captain_ids: frozenset[int] = frozenset()
    """Volunteers who captain the subject's team (队长, 副队长), for ``CAPTAIN``."""


def _in_scope(caller: Caller, subject: Subject) -> bool:
    if caller.role is Role.DISPATCHER and caller.region is not None:
        return subject.region_code is not None and subject.region_code.startswith(
            region_prefix(caller.region))
    if caller.role is Role.ORG_ADMIN and caller.org is not None:
        return caller.org in subject.org_ids
    return False


def _is_requester(caller: Caller, subject: Subject) -> bool:
    # Demands record who raised them as "role:sub" (hub.schema.workflow_types.actor).
    return subject.requester is not None and subject.requester in requester_names(caller)


def actor(caller: Caller) -> str:
    """Who did it, as recorded on dispatches, demands and events: ``role:sub``."""
    return f"{caller.role.value}:{caller.sub or '?'}"


def can(caller: Caller, action: Action, subject: Subject | None = None) -> bool:
    """Whether ``caller`` may do ``action`` to ``subject`` (``None``: no particular subject)."""
    held = ACTIONS[action][caller.role]
    if Grant.ANY in held:
        return True
    if subject is None:
        return False
    if Grant.IN_SCOPE in held and _in_scope(caller, subject):
        return True
    if Grant.SELF in held and subject.volunteer_id is not None and (
            subject.volunteer_id == caller.volunteer_id):
        return True
    if Grant.STATION in held and caller.station_id is not None and (
            subject.station_id == caller.station_id):
        return True
    if Grant.CAPTAIN in held and caller.volunteer_id is not None and (
            caller.volunteer_id in getattr(subject, "captain_ids", frozenset())):
        return True
    return Grant.REQUESTER in held and _is_requester(caller, subject)


def require(caller: Caller, action: Action, subject: Subject | None = None, *,
            what: str | None = None) -> None:
    """:class:`Denied` unless :func:`can`; ``what`` words the refusal ("correct this record")."""
    if can(caller, action, subject):
        return
    wording = what or action.value
    if caller.is_anonymous and any(ACTIONS[action][r] for r in _ROLES if r is not Role.ANONYMOUS):
        raise Denied(f"sign in: you may not {wording} anonymously", code="UNAUTHENTICATED",
                     message_zh="请先登录")
    raise Denied(f"you may not {wording}", message_zh=f"无权执行此操作（{action.value}）")


def format_actions() -> str:
    """The table as text: one row per action, one column per role (``-``: never)."""
    roles = (*_ROLES, Role.SYSTEM)
    rows = [["action", *(r.value for r in roles)]]
    rows += [[a.value, *("|".join(sorted(g.value for g in ACTIONS[a][r])) or "-" for r in roles)]
             for a in Action]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
                     for row in rows)


def subject(*, region_code: str | None = None, org_paths: Iterable[str | None] = (),
            volunteer_id: int | None = None, requester: str | None = None,
            station_id: int | None = None, captain_ids: Iterable[int] = ()) -> ActionSubject:
    """The subject of an action from stored values: ``org_paths`` are ltree paths as text
    (``"1.7.70"``), so every organisation on them counts (the org and its ancestors)."""
    ids = frozenset(int(x) for path in org_paths if path for x in str(path).split("."))
    return ActionSubject(volunteer_id=volunteer_id, region_code=region_code, org_ids=ids,
                         requester=requester, station_id=station_id,
                         captain_ids=frozenset(captain_ids))
