"""Every mutation × every role × inside / outside scope obeys the action table.

The mutations come from the schema itself: one without a rule in ``MUTATION_ACTIONS`` or a
scenario here fails. Each call runs in a savepoint that is rolled back, against the seeded
database. Where the table says no, the answer is a top-level FORBIDDEN (UNAUTHENTICATED for
an anonymous caller); where it says yes, no permission error of any kind — business refusals
(NOT_SERVED, WINDOW_NOT_STARTED, …) are fine, an internal error never is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import graphql
import psycopg
import pytest

from hub.auth import Caller
from hub.auth.actions import Action, ActionSubject, can, subject
from hub.schema import schema
from hub.schema.mutation import MUTATION_ACTIONS
from tests.auth.actions_world import (
    POINT,
    REGION,
    REQUESTER,
    ActionsWorld,
    gid,
    make_actions_world,
    person,
    upload,
)
from tests.seeded import Gql

W = ActionsWorld
Expect = Callable[[Caller, W], bool]
SOON = (datetime.now(UTC) + timedelta(days=4)).date()


def _all(*pairs: tuple[Action, Callable[[W], ActionSubject | None]]) -> Expect:
    return lambda caller, w: all(can(caller, a, subj(w)) for a, subj in pairs)


def _self_rating(caller: Caller, w: W) -> bool:
    return can(caller, Action.DEMAND_RATE_ORGANISER, subject(volunteer_id=caller.volunteer_id))


def _link(caller: Caller, w: W) -> bool:
    joining_self = caller.volunteer_id == w.volunteer
    return can(caller, Action.VOLUNTEER_JOIN, w.of_volunteer()) and (
        joining_self or can(caller, Action.TEAM_MANAGE, w.team()))


def _move(caller: Caller, w: W) -> bool:
    child = subject(region_code=REGION, org_paths=[f"{w.base.org_path}.{w.child_team}"])
    return can(caller, Action.TEAM_MANAGE, child) and can(caller, Action.TEAM_MANAGE, w.team())


def _offer(w: W) -> dict[str, Any]:
    return {"input": {"dispatchId": gid("Dispatch", w.offer)}}


def _point(w: W) -> dict[str, Any]:
    return {"input": {"dispatchId": gid("Dispatch", w.offer), "point": POINT}}


def _demand_of(w: W) -> ActionSubject:
    """The open demand (at the world's station, raised by REQUESTER), as the demand services
    see it."""
    return w.of_demand()


def _region(w: W) -> ActionSubject:
    return subject(region_code=REGION)


def _record_of(w: W) -> ActionSubject:
    """A record (of the world's demand, at its station): hub.services.records._authorised."""
    return subject(region_code=REGION, org_paths=[w.base.org_path], station_id=w.base.station)


def _dispatch_of(w: W) -> ActionSubject:
    return subject(region_code=REGION, volunteer_id=w.volunteer)


def _captained(w: W) -> ActionSubject:
    """child_team, captained by the world's volunteer."""
    return subject(region_code=REGION, org_paths=[f"{w.base.org_path}.{w.child_team}"],
                   captain_ids=[w.volunteer])


def _station_of(w: W) -> ActionSubject:
    return subject(region_code=REGION, station_id=w.base.station)


def _activity_of(w: W) -> ActionSubject:
    return w.of_volunteer()


def _own_inbox(caller: Caller, w: W) -> bool:
    return can(caller, Action.NOTIFICATION_READ, subject(
        region_code=caller.region, org_paths=[str(caller.org)] if caller.org else [],
        volunteer_id=caller.volunteer_id))


def _own_preferences(caller: Caller, w: W) -> bool:
    own = subject(volunteer_id=caller.volunteer_id) if caller.volunteer_id else None
    return can(caller, Action.NOTIFICATION_PREFERENCES, own)


# mutation → (document, variables, who may). Documents select only __typename: what matters
# here is whether the call is let through.
SCENARIOS: dict[str, tuple[str, Callable[[W], dict[str, Any]], Expect]] = {
    "previewDispatch": (
        "mutation($i: PreviewDispatchInput!) { previewDispatch(input: $i) { __typename } }",
        lambda w: {"i": {"regionCode": REGION, "from": f"{SOON}T00:00:00+08:00",
                         "to": f"{SOON}T12:00:00+08:00"}},
        _all((Action.DISPATCH_PLAN, lambda w: subject(region_code=REGION)))),
    "commitDispatch": (
        "mutation($i: CommitDispatchInput!) { commitDispatch(input: $i) { __typename } }",
        lambda w: {"i": {"planId": w.plan}},
        _all((Action.DISPATCH_PLAN, lambda w: subject(region_code=REGION)))),
    "raiseDemand": (
        "mutation($i: RaiseDemandInput!) { raiseDemand(input: $i) { __typename } }",
        lambda w: {"i": {"title": "科普进社区", "category": "health", "needed": 2,
                         "startsAt": f"{SOON}T09:00:00+08:00",
                         "endsAt": f"{SOON}T11:00:00+08:00",
                         "stationId": gid("Station", w.base.station)}},
        _all((Action.DEMAND_RAISE, lambda w: subject(
            region_code=REGION, org_paths=[w.base.org_path], station_id=w.base.station)))),
    "cancelDemand": (
        "mutation($i: CancelDemandInput!) { cancelDemand(input: $i) { __typename } }",
        lambda w: {"i": {"demandId": gid("Demand", w.open_demand), "reason": "场地取消"}},
        _all((Action.DEMAND_CANCEL, _demand_of))),
    # 审核 (public 点单): the open demand is past review, so who may is refused in the payload.
    "approveDemand": (
        "mutation($i: ApproveDemandInput!) { approveDemand(input: $i) { __typename } }",
        lambda w: {"i": {"demandId": gid("Demand", w.open_demand)}},
        _all((Action.DEMAND_VET, lambda w: subject(region_code=REGION)))),
    "rejectDemand": (
        "mutation($i: RejectDemandInput!) { rejectDemand(input: $i) { __typename } }",
        lambda w: {"i": {"demandId": gid("Demand", w.open_demand), "reason": "重复"}},
        _all((Action.DEMAND_VET, lambda w: subject(region_code=REGION)))),
    "importDemands": (
        "mutation($f: Upload!) { importDemands(input: {file: $f}) { __typename } }",
        lambda w: {"f": upload()},
        _all((Action.DEMANDS_IMPORT, lambda w: None))),
    "addDemandPriorityRule": (
        "mutation($i: AddDemandPriorityRuleInput!) { addDemandPriorityRule(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"name": "老区优先", "flags": ["revolutionary"], "multiplier": 2}},
        _all((Action.PRIORITY_RULE_MANAGE, lambda w: None))),
    "endDemandPriorityRule": (
        "mutation($i: EndDemandPriorityRuleInput!) { endDemandPriorityRule(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"ruleId": 1}},
        _all((Action.PRIORITY_RULE_MANAGE, lambda w: None))),
    "dispatch": (
        "mutation($i: DispatchInput!) { dispatch(input: $i) { __typename } }",
        lambda w: {"i": {"demandId": gid("Demand", w.open_demand),
                         "volunteerIds": [gid("Volunteer", w.base.volunteers[1])]}},
        _all((Action.DISPATCH_OFFER, _region))),
    "acceptDispatch": (
        "mutation($input: AcceptDispatchInput!) { acceptDispatch(input: $input) "
        "{ __typename } }", _offer, _all((Action.DISPATCH_RESPOND, _dispatch_of))),
    "declineDispatch": (
        "mutation($input: DeclineDispatchInput!) { declineDispatch(input: $input) "
        "{ __typename } }",
        lambda w: {"input": {**_offer(w)["input"], "reason": "有事"}},
        _all((Action.DISPATCH_RESPOND, _dispatch_of))),
    "checkIn": (
        "mutation($input: CheckInInput!) { checkIn(input: $input) { __typename } }",
        _point, _all((Action.DISPATCH_RESPOND, _dispatch_of))),
    "checkOut": (
        "mutation($input: CheckOutInput!) { checkOut(input: $input) { __typename } }",
        _point, _all((Action.DISPATCH_RESPOND, _dispatch_of))),
    "cancelDispatch": (
        "mutation($input: CancelDispatchInput!) { cancelDispatch(input: $input) "
        "{ __typename } }",
        lambda w: {"input": {**_offer(w)["input"], "reason": "改期"}},
        _all((Action.DISPATCH_CANCEL, _dispatch_of))),
    "markNoShow": (
        "mutation($input: MarkNoShowInput!) { markNoShow(input: $input) { __typename } }",
        _offer, _all((Action.DISPATCH_NO_SHOW, _dispatch_of))),
    # 抢单: any volunteer for themself; approving is the region's (the offer is no claim, so
    # who may is refused in the payload).
    "claimDemand": (
        "mutation($i: ClaimDemandInput!) { claimDemand(input: $i) { __typename } }",
        lambda w: {"i": {"demandId": gid("Demand", w.open_demand)}},
        lambda caller, w: can(caller, Action.DEMAND_CLAIM,
                              subject(volunteer_id=caller.volunteer_id))),
    "approveClaim": (
        "mutation($input: ApproveClaimInput!) { approveClaim(input: $input) { __typename } }",
        _offer, _all((Action.CLAIM_APPROVE, _dispatch_of))),
    "rejectClaim": (
        "mutation($input: RejectClaimInput!) { rejectClaim(input: $input) { __typename } }",
        lambda w: {"input": {**_offer(w)["input"], "reason": "人手已足"}},
        _all((Action.CLAIM_APPROVE, _dispatch_of))),
    "reviewDemand": (
        "mutation($i: ReviewDemandInput!) { reviewDemand(input: $i) { __typename } }",
        lambda w: {"i": {"demandId": gid("Demand", w.base.demand), "rating": 5}},
        _all((Action.DEMAND_REVIEW, lambda w: w.of_demand()))),
    "rateDemandOrganiser": (
        "mutation($i: RateDemandOrganiserInput!) { rateDemandOrganiser(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"demandId": gid("Demand", w.base.demand), "rating": 4}},
        _self_rating),
    "correctServiceRecord": (
        "mutation($i: CorrectServiceRecordInput!) { correctServiceRecord(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"recordId": gid("ServiceRecord", w.record), "hours": "0.5",
                         "reason": "签退时间有误"}},
        _all((Action.RECORD_CORRECT, _record_of))),
    "confirmServiceRecord": (
        "mutation($i: ConfirmServiceRecordInput!) { confirmServiceRecord(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"recordId": gid("ServiceRecord", w.pending)}},
        _all((Action.RECORD_CONFIRM, _record_of))),
    "issueCertificate": (
        "mutation($i: IssueCertificateInput!) { issueCertificate(input: $i) { __typename } }",
        lambda w: {"i": {"volunteerId": gid("Volunteer", w.volunteer), "from": "2020-01-01",
                         "to": str(SOON)}},
        _all((Action.CERTIFICATE_ISSUE, lambda w: w.of_volunteer()))),
    "signUpForActivity": (
        "mutation($i: SignUpForActivityInput!) { signUpForActivity(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"activityId": gid("Activity", w.base.future_activity),
                         "volunteerId": gid("Volunteer", w.volunteer)}},
        _all((Action.ACTIVITY_SIGN_UP, _activity_of))),
    "cancelActivitySignUp": (
        "mutation($i: CancelActivitySignUpInput!) { cancelActivitySignUp(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"activityId": gid("Activity", w.base.future_activity),
                         "volunteerId": gid("Volunteer", w.volunteer)}},
        _all((Action.ACTIVITY_SIGN_UP, _activity_of))),
    "recordActivityAttendance": (
        "mutation($i: RecordActivityAttendanceInput!) { recordActivityAttendance(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"activityId": gid("Activity", w.base.past_activity),
                         "volunteerId": gid("Volunteer", w.volunteer)}},
        _all((Action.ACTIVITY_ATTENDANCE, _activity_of))),
    "issueActivityAttendanceCode": (
        "mutation($i: IssueActivityAttendanceCodeInput!) { issueActivityAttendanceCode("
        "input: $i) { __typename } }",
        lambda w: {"i": {"activityId": gid("Activity", w.base.past_activity)}},
        _all((Action.ACTIVITY_ATTENDANCE, lambda w: w.team()))),
    "checkInToActivity": (
        "mutation($i: CheckInToActivityInput!) { checkInToActivity(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"activityId": gid("Activity", w.base.future_activity),
                         "volunteerId": gid("Volunteer", w.volunteer), "point": POINT}},
        _all((Action.ACTIVITY_CHECK_IN, _activity_of))),
    "checkOutOfActivity": (
        "mutation($i: CheckOutOfActivityInput!) { checkOutOfActivity(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"activityId": gid("Activity", w.base.future_activity),
                         "volunteerId": gid("Volunteer", w.volunteer), "point": POINT}},
        _all((Action.ACTIVITY_CHECK_IN, _activity_of))),
    "registerVolunteer": (
        "mutation($i: RegisterVolunteerInput!) { registerVolunteer(input: $i) "
        "{ __typename } }",
        lambda w: {"i": person(w)},
        _all((Action.VOLUNTEER_REGISTER, lambda w: None))),
    "updateVolunteer": (
        "mutation($id: ID!) { updateVolunteer(input: {id: $id, education: \"硕士\"}) "
        "{ __typename } }",
        lambda w: {"id": gid("Volunteer", w.volunteer)},
        _all((Action.VOLUNTEER_UPDATE, lambda w: w.of_volunteer()))),
    "exitVolunteer": (
        "mutation($id: ID!) { exitVolunteer(input: {id: $id}) { __typename } }",
        lambda w: {"id": gid("Volunteer", w.volunteer)},
        _all((Action.VOLUNTEER_EXIT, lambda w: w.of_volunteer()))),
    "registerOrganization": (
        "mutation($i: RegisterOrganizationInput!) { registerOrganization(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"name": "记录测试科技志愿服务二支队", "level": "detachment",
                         "regionCode": REGION, "parentId": gid("Organization", w.base.org)}},
        _all((Action.TEAM_MANAGE, lambda w: w.team()))),
    "moveOrganization": (
        "mutation($id: ID!, $p: ID) { moveOrganization(input: {id: $id, parentId: $p}) "
        "{ __typename } }",
        lambda w: {"id": gid("Organization", w.child_team),
                   "p": gid("Organization", w.base.org)},
        _move),
    "linkVolunteer": (
        "mutation($v: ID!, $o: ID!) { linkVolunteer(input: {volunteerId: $v, "
        "organizationId: $o}) { __typename } }",
        lambda w: {"v": gid("Volunteer", w.volunteer),
                   "o": gid("Organization", w.child_team)},
        _link),
    "importRegistrations": (
        "mutation($f: Upload!) { importRegistrations(input: {kind: VOLUNTEERS, file: $f}) "
        "{ __typename } }",
        lambda w: {"f": upload()},
        _all((Action.REGISTRATIONS_IMPORT, lambda w: None))),
    # Sign-in (issue 14.1): open to all; refused in the payload (no code sent, no token).
    "requestSignInCode": (
        "mutation($i: RequestSignInCodeInput!) { requestSignInCode(input: $i) { __typename } }",
        lambda w: {"i": {"phone": "13900001111"}},
        _all((Action.ACCOUNT_SIGN_IN, lambda w: None))),
    "signInWithCode": (
        "mutation($i: SignInWithCodeInput!) { signInWithCode(input: $i) { __typename } }",
        lambda w: {"i": {"phone": "13900001111", "code": "000000"}},
        _all((Action.ACCOUNT_SIGN_IN, lambda w: None))),
    "signInWithWeChat": (
        "mutation($i: SignInWithWeChatInput!) { signInWithWeChat(input: $i) { __typename } }",
        lambda w: {"i": {"code": "not-configured"}},
        _all((Action.ACCOUNT_SIGN_IN, lambda w: None))),
    "refreshToken": (
        "mutation($i: RefreshTokenInput!) { refreshToken(input: $i) { __typename } }",
        lambda w: {"i": {"refreshToken": "hr1.unknown"}},
        _all((Action.ACCOUNT_SIGN_IN, lambda w: None))),
    "signOut": (
        "mutation($i: SignOutInput!) { signOut(input: $i) { __typename } }",
        lambda w: {"i": {"refreshToken": "hr1.unknown"}},
        _all((Action.ACCOUNT_SIGN_IN, lambda w: None))),
    "updateMyProfile": (
        "mutation($i: UpdateMyProfileInput!) { updateMyProfile(input: $i) { __typename } }",
        lambda w: {"i": {"serviceRadiusM": 5000}},
        lambda caller, w: can(caller, Action.VOLUNTEER_UPDATE,
                              subject(volunteer_id=caller.volunteer_id))),
    # Region settings, leaving, transfer and suspension (issue 14.5, 14.6).
    "updateRegionSettings": (
        "mutation($i: UpdateRegionSettingsInput!) { updateRegionSettings(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"regionCode": REGION, "claimsNeedApproval": True}},
        _all((Action.REGION_SETTINGS, lambda w: subject(region_code=REGION)))),
    "leaveTeam": (
        "mutation($i: LeaveTeamInput!) { leaveTeam(input: $i) { __typename } }",
        lambda w: {"i": {"organizationId": gid("Organization", w.base.org),
                         "volunteerId": gid("Volunteer", w.volunteer), "reason": "个人原因"}},
        _all((Action.VOLUNTEER_LEAVE_TEAM, lambda w: w.of_volunteer()))),
    "transferVolunteer": (
        "mutation($i: TransferVolunteerInput!) { transferVolunteer(input: $i) { __typename } }",
        lambda w: {"i": {"fromOrganizationId": gid("Organization", w.base.org),
                         "toOrganizationId": gid("Organization", w.child_team),
                         "volunteerId": gid("Volunteer", w.volunteer), "reason": "工作调动"}},
        _all((Action.VOLUNTEER_TRANSFER, lambda w: w.of_volunteer()),
             (Action.VOLUNTEER_TRANSFER, lambda w: subject(
                 region_code=REGION, org_paths=[f"{w.base.org_path}.{w.child_team}"],
                 volunteer_id=w.volunteer)))),
    "suspendVolunteer": (
        "mutation($i: SuspendVolunteerInput!) { suspendVolunteer(input: $i) { __typename } }",
        lambda w: {"i": {"volunteerId": gid("Volunteer", w.volunteer), "reason": "多次爽约"}},
        _all((Action.VOLUNTEER_SUSPEND, lambda w: w.of_volunteer()))),
    "reinstateVolunteer": (
        "mutation($i: ReinstateVolunteerInput!) { reinstateVolunteer(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"volunteerId": gid("Volunteer", w.volunteer), "reason": "情况已说明"}},
        _all((Action.VOLUNTEER_SUSPEND, lambda w: w.of_volunteer()))),
    # Publishing (issue 14.2): who manages each kind, who reviews (hub.services.publishing).
    "createStation": (
        "mutation($i: CreateStationInput!) { createStation(input: $i) { __typename } }",
        lambda w: {"i": {"name": "记录测试站点", "kind": "park", "location": POINT,
                         "regionCode": REGION}},
        _all((Action.STATION_MANAGE, lambda w: subject(region_code=REGION)))),
    "updateStation": (
        "mutation($i: UpdateStationInput!) { updateStation(input: $i) { __typename } }",
        lambda w: {"i": {"id": gid("Station", w.base.station), "contactName": "王老师"}},
        _all((Action.STATION_MANAGE, _station_of))),
    "createActivity": (
        "mutation($i: CreateActivityInput!) { createActivity(input: $i) { __typename } }",
        lambda w: {"i": {"organizationId": gid("Organization", w.base.org), "title": "科普讲座",
                         "category": "health", "startsAt": f"{SOON}T09:00:00+08:00",
                         "endsAt": f"{SOON}T11:00:00+08:00", "capacity": 10,
                         "location": POINT, "regionCode": REGION}},
        _all((Action.ACTIVITY_MANAGE, lambda w: w.team()))),
    "updateActivity": (
        "mutation($i: UpdateActivityInput!) { updateActivity(input: $i) { __typename } }",
        lambda w: {"i": {"id": gid("Activity", w.base.future_activity), "capacity": 40}},
        _all((Action.ACTIVITY_MANAGE, lambda w: w.team()))),
    "createProject": (
        "mutation($i: CreateProjectInput!) { createProject(input: $i) { __typename } }",
        lambda w: {"i": {"ownerId": gid("Organization", w.base.org), "name": "记录测试项目二",
                         "startsOn": "2030-01-01", "endsOn": "2030-06-30"}},
        _all((Action.PROJECT_MANAGE, lambda w: w.team()))),
    "updateProject": (
        "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { __typename } }",
        lambda w: {"i": {"id": gid("Project", w.project), "description": "说明"}},
        _all((Action.PROJECT_MANAGE, lambda w: w.team()))),
    "submitForReview": (
        "mutation($i: SubmitForReviewInput!) { submitForReview(input: $i) { __typename } }",
        lambda w: {"i": {"id": gid("Project", w.project)}},
        _all((Action.PROJECT_MANAGE, lambda w: w.team()))),
    "withdrawSubmission": (
        "mutation($i: WithdrawSubmissionInput!) { withdrawSubmission(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"id": gid("Station", w.base.station)}},
        _all((Action.STATION_MANAGE, _station_of))),
    "reviewSubmission": (
        "mutation($i: ReviewSubmissionInput!) { reviewSubmission(input: $i) { __typename } }",
        lambda w: {"i": {"id": gid("Activity", w.base.future_activity), "decision": "APPROVE"}},
        _all((Action.PUBLICATION_REVIEW, lambda w: w.team()))),
    "closePublication": (
        "mutation($i: ClosePublicationInput!) { closePublication(input: $i) { __typename } }",
        lambda w: {"i": {"id": gid("Station", w.base.station)}},
        _all((Action.STATION_MANAGE, _station_of))),
    "archivePublication": (
        "mutation($i: ArchivePublicationInput!) { archivePublication(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"id": gid("Activity", w.base.future_activity)}},
        _all((Action.ACTIVITY_MANAGE, lambda w: w.team()))),
    # Team dispatch and escalation (issue 15.5-15.6): the region offers and pairs; the team's
    # captain (the world's volunteer captains child_team) or its org admins assign and return.
    "offerDemandToTeam": (
        "mutation($i: OfferDemandToTeamInput!) { offerDemandToTeam(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"demandId": gid("Demand", w.open_demand),
                         "organizationId": gid("Organization", w.base.org), "slots": 1}},
        _all((Action.TEAM_OFFER, lambda w: subject(region_code=REGION)))),
    "assignTeamMembers": (
        "mutation($i: AssignTeamMembersInput!) { assignTeamMembers(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"teamOfferId": gid("TeamOffer", w.team_offer),
                         "volunteerIds": [gid("Volunteer", w.base.volunteers[1])]}},
        _all((Action.TEAM_ASSIGN, _captained))),
    "returnTeamOffer": (
        "mutation($i: ReturnTeamOfferInput!) { returnTeamOffer(input: $i) { __typename } }",
        lambda w: {"i": {"teamOfferId": gid("TeamOffer", w.team_offer), "reason": "人手不足"}},
        _all((Action.TEAM_ASSIGN, _captained))),
    "withdrawTeamOffer": (
        "mutation($i: WithdrawTeamOfferInput!) { withdrawTeamOffer(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"teamOfferId": gid("TeamOffer", w.team_offer), "reason": "改派"}},
        _all((Action.TEAM_OFFER, lambda w: subject(region_code=REGION)))),
    "addTeamPairing": (
        "mutation($i: AddTeamPairingInput!) { addTeamPairing(input: $i) { __typename } }",
        lambda w: {"i": {"organizationId": gid("Organization", w.society),
                         "regionCode": REGION, "validFrom": "2040-01-01"}},
        _all((Action.TEAM_PAIRING, lambda w: subject(region_code=REGION)))),
    "endTeamPairing": (
        "mutation($i: EndTeamPairingInput!) { endTeamPairing(input: $i) { __typename } }",
        lambda w: {"i": {"pairingId": gid("TeamPairing", w.pairing)}},
        _all((Action.TEAM_PAIRING, lambda w: subject(region_code=REGION)))),
    "planCoverage": (
        "mutation($i: PlanCoverageInput!) { planCoverage(input: $i) { __typename } }",
        lambda w: {"i": {"regionCode": REGION, "radiusKm": 5, "sites": 1, "timeLimitS": 1}},
        _all((Action.COVERAGE_PLAN, _region))),
    # Pilots, stars and campaigns (issue 16.1, 16.2, 16.6): the region's; national rules and
    # key dates the provincial office's (admins).
    "createPilot": (
        "mutation($i: CreatePilotInput!) { createPilot(input: $i) { __typename } }",
        lambda w: {"i": {"regionCode": REGION, "fundedOn": "2031-01-01"}},
        _all((Action.PILOT_MANAGE, _region))),
    "updatePilot": (
        "mutation($i: UpdatePilotInput!) { updatePilot(input: $i) { __typename } }",
        lambda w: {"i": {"pilotId": gid("Pilot", w.pilot), "name": "改名的试点"}},
        _all((Action.PILOT_MANAGE, _region))),
    "savePilotQuotaSet": (
        "mutation($i: SavePilotQuotaSetInput!) { savePilotQuotaSet(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"code": "henan_extra", "name": "河南补充指标", "provincePrefix": "41",
                         "quotas": [{"pilotType": "county", "item": "projects", "target": 1}]}},
        _all((Action.PILOT_MANAGE, lambda w: subject(region_code="410000000000")))),
    "saveStarRules": (
        "mutation($i: SaveStarRulesInput!) { saveStarRules(input: $i) { __typename } }",
        lambda w: {"i": {"scope": "4103", "subject": "project",
                         "rules": [{"stars": 1, "hours": 10}]}},
        _all((Action.STAR_RULE_MANAGE, lambda w: subject(region_code="410300000000")))),
    "saveStarThresholds": (
        "mutation($i: SaveStarThresholdsInput!) { saveStarThresholds(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"scope": "", "hours": [50, 100]}},
        _all((Action.STAR_RULE_MANAGE, lambda w: None))),
    "saveCampaign": (
        "mutation($i: SaveCampaignInput!) { saveCampaign(input: $i) { __typename } }",
        lambda w: {"i": {"code": "henan_day", "nameZh": "河南科普日", "nameEn": "Henan Day"}},
        _all((Action.CAMPAIGN_MANAGE, lambda w: None))),
    "saveCampaignEdition": (
        "mutation($i: SaveCampaignEditionInput!) { saveCampaignEdition(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"campaign": "lei_feng_day", "year": 2030}},
        _all((Action.CAMPAIGN_MANAGE, lambda w: None))),
    "tagCampaign": (
        "mutation($i: TagCampaignInput!) { tagCampaign(input: $i) { __typename } }",
        lambda w: {"i": {"editionId": gid("CampaignEdition", w.edition),
                         "activityIds": [gid("Activity", w.base.future_activity)]}},
        _all((Action.CAMPAIGN_TAG, lambda w: w.team()))),
    "untagCampaign": (
        "mutation($i: UntagCampaignInput!) { untagCampaign(input: $i) { __typename } }",
        lambda w: {"i": {"editionId": gid("CampaignEdition", w.edition),
                         "demandIds": [gid("Demand", w.open_demand)]}},
        _all((Action.CAMPAIGN_TAG, _region))),
    # Recognition rounds and reports (issue 16.3, 16.7): the round's region; nominating also
    # the candidate's organisations (org admins: their subtree); MZ/T 061 export: admins.
    "openRecognitionRound": (
        "mutation($i: OpenRecognitionRoundInput!) { openRecognitionRound(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"award": "EXCELLENT", "level": "COUNTY", "regionCode": REGION,
                         "year": 2024, "categories": ["TEAM"]}},
        _all((Action.RECOGNITION_MANAGE, _region))),
    "nominateForRecognition": (
        "mutation($i: NominateForRecognitionInput!) { nominateForRecognition(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"roundId": w.recognition_round, "category": "VOLUNTEER",
                         "subjectId": gid("Volunteer", w.volunteer)}},
        _all((Action.RECOGNITION_READ, lambda w: w.team()),
             (Action.RECOGNITION_NOMINATE, lambda w: w.of_volunteer()))),
    "reviewRecognitionNomination": (
        "mutation($i: ReviewRecognitionNominationInput!) { reviewRecognitionNomination("
        "input: $i) { __typename } }",
        lambda w: {"i": {"nominationId": w.nomination, "accept": False, "reason": "材料不全"}},
        _all((Action.RECOGNITION_MANAGE, _region))),
    "publishRecognitionRound": (
        "mutation($i: PublishRecognitionRoundInput!) { publishRecognitionRound(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"roundId": w.recognition_round}},
        _all((Action.RECOGNITION_MANAGE, _region))),
    "exportRecognitionList": (
        "mutation($i: ExportRecognitionListInput!) { exportRecognitionList(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"roundId": w.recognition_round}},
        _all((Action.RECOGNITION_READ, lambda w: w.team()))),
    "exportAnnualReport": (
        "mutation($i: ExportAnnualReportInput!) { exportAnnualReport(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"regionCode": REGION, "year": 2025}},
        _all((Action.REPORT_ANNUAL, _region))),
    "exportVolunteerServiceData": (
        "mutation($i: ExportVolunteerServiceDataInput!) { exportVolunteerServiceData("
        "input: $i) { __typename } }",
        lambda w: {"i": {"regionCode": REGION, "year": 2025}},
        _all((Action.REPORT_STANDARD_EXPORT, lambda w: None))),
    # One's own notification preferences (issue 15.3): a volunteer themself, a resident's or
    # station staff's own account; nobody else's.
    "updateNotificationPreferences": (
        "mutation($i: UpdateNotificationPreferencesInput!) { updateNotificationPreferences("
        "input: $i) { __typename } }",
        lambda w: {"i": {"quietHours": {"start": "22:00", "end": "07:00"}}},
        _own_preferences),
    # The in-app inbox (issue 15.3): one's own, as the token says (a dispatcher's region, an
    # org admin's organisation, a volunteer themself; residents and station staff).
    "markNotificationsRead": (
        "mutation($i: MarkNotificationsReadInput!) { markNotificationsRead(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"all": True}}, _own_inbox),
    # Partner webhooks (issue 15.4): partner_in its own (within its contract), admins any.
    "registerWebhook": (
        "mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { __typename } }",
        lambda w: {"i": {"url": "https://partner.example/h2", "kinds": ["offer_made"],
                         "partner": REQUESTER}},
        _all((Action.WEBHOOK_MANAGE, lambda w: subject(requester=REQUESTER)))),
    "updateWebhook": (
        "mutation($i: UpdateWebhookInput!) { updateWebhook(input: $i) { __typename } }",
        lambda w: {"i": {"id": gid("Webhook", w.webhook), "active": False}},
        _all((Action.WEBHOOK_MANAGE, lambda w: subject(requester=REQUESTER)))),
    "deleteWebhook": (
        "mutation($i: DeleteWebhookInput!) { deleteWebhook(input: $i) { __typename } }",
        lambda w: {"i": {"id": gid("Webhook", w.webhook)}},
        _all((Action.WEBHOOK_MANAGE, lambda w: subject(requester=REQUESTER)))),
    "replayWebhookDelivery": (
        "mutation($i: ReplayWebhookDeliveryInput!) { replayWebhookDelivery(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"deliveryId": gid("WebhookDelivery", w.webhook_delivery)}},
        _all((Action.WEBHOOK_MANAGE, lambda w: subject(requester=REQUESTER)))),
    "setPartnerContract": (
        "mutation($i: SetPartnerContractInput!) { setPartnerContract(input: $i) "
        "{ __typename } }",
        lambda w: {"i": {"partner": "partner-x", "kinds": ["offer_made"],
                         "regions": [REGION]}},
        _all((Action.PARTNER_CONTRACT_MANAGE, lambda w: None))),
}


def schema_mutations() -> set[str]:
    """The Mutation type's fields, read from the schema the server serves."""
    document = graphql.parse(schema().as_str())
    for definition in document.definitions:
        if isinstance(definition, graphql.ObjectTypeDefinitionNode) and (
                definition.name.value == "Mutation"):
            return {f.name.value for f in definition.fields or ()}
    raise AssertionError("the schema has no Mutation type")


def test_every_mutation_has_a_rule_and_a_scenario() -> None:
    mutations = schema_mutations()
    assert mutations == set(MUTATION_ACTIONS), "give each mutation its actions"
    assert mutations == set(SCENARIOS), "give each mutation a scenario here"
    used = {a for actions in MUTATION_ACTIONS.values() for a in actions}
    assert set(Action) - used == {Action.RECORD_READ, Action.DISPATCH_WATCH,  # queries' rules
                                  Action.EQUITY_READ, Action.COVERAGE_READ,
                                  Action.SCORECARD_READ,
                                  Action.CANDIDATE_SITE_MANAGE}  # and the sites' import


PERMISSION_CODES = {"FORBIDDEN", "UNAUTHENTICATED"}


@pytest.mark.parametrize("mutation", sorted(SCENARIOS))
async def test_each_mutation_obeys_the_action_table_for_every_role(
        mutation: str, gql: Gql, aconn: psycopg.AsyncConnection[Any]) -> None:
    world = await make_actions_world(aconn)
    document, variables, may = SCENARIOS[mutation]
    let_through = denied = 0
    for name, caller in world.callers().items():
        async with aconn.transaction(force_rollback=True):
            result = await gql(document, variables(world), caller=caller)
        codes = [(e.extensions or {}).get("code") for e in result.errors or []]
        assert "INTERNAL_SERVER_ERROR" not in codes, (name, result.errors)
        if may(caller, world):
            let_through += 1
            assert not PERMISSION_CODES & set(codes), (name, result.errors)
        else:
            denied += 1
            expected = "UNAUTHENTICATED" if caller.is_anonymous else "FORBIDDEN"
            assert codes and codes[0] == expected, (name, codes)
            assert not result.data or not any(result.data.values()), (name, result.data)
    assert let_through, f"{mutation}: nobody was let through"
    assert denied or mutation in OPEN_TO_ALL, f"{mutation}: nobody was refused"


OPEN_TO_ALL = {"registerVolunteer",  # 在线注册: anyone, anonymous included
               "requestSignInCode", "signInWithCode", "signInWithWeChat", "refreshToken",
               "signOut"}  # what they check is the code, WeChat's answer or the token
