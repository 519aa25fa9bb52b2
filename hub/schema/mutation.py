"""The root Mutation, and which rows of the action table decide each of its fields."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import strawberry
from strawberry.tools import merge_types

from hub.auth.actions import Action
from hub.schema.accounts import AccountMutation
from hub.schema.attendance import AttendanceMutation
from hub.schema.campaigns import CampaignMutation
from hub.schema.claims import ClaimMutation
from hub.schema.coverage import CoverageMutation
from hub.schema.demand_import import DemandImportMutation
from hub.schema.demand_review import DemandReviewMutation
from hub.schema.dispatch import (
    CommitDispatchPayload,
    PreviewDispatchPayload,
    commit_dispatch,
    preview_dispatch,
)
from hub.schema.membership import MembershipMutation
from hub.schema.notifications import NotificationMutation
from hub.schema.notify_prefs import NotificationPreferencesMutation
from hub.schema.pairings import PairingMutation
from hub.schema.payloads import mutation
from hub.schema.priority_rules import PriorityRuleMutation
from hub.schema.publishing import PublishingMutation
from hub.schema.recognition import RecognitionMutation
from hub.schema.records_mutations import RecordsMutation
from hub.schema.region_settings import RegionSettingsMutation
from hub.schema.registration import RegistrationMutation
from hub.schema.reports import ReportMutation
from hub.schema.scorecards import ScorecardMutation
from hub.schema.stars import StarMutation
from hub.schema.teams import TeamMutation
from hub.schema.webhooks import WebhookMutation
from hub.schema.workflow import WorkflowMutation


@strawberry.type
class DispatchMutation:
    preview_dispatch: PreviewDispatchPayload = mutation(
        "派单 preview: solve the open demands of a region subtree starting in [from, to) with "
        "the matcher and store the plan (nothing is dispatched).", preview_dispatch)
    commit_dispatch: CommitDispatchPayload = mutation(
        "Offer every assignment of a previewed plan to its volunteer.", commit_dispatch)


Mutation = merge_types(
    "Mutation", (DispatchMutation, WorkflowMutation, RecordsMutation, RegistrationMutation,
                 AccountMutation, ClaimMutation, DemandReviewMutation, DemandImportMutation,
                 PriorityRuleMutation, AttendanceMutation,
                 RegionSettingsMutation, MembershipMutation, PublishingMutation,
                 TeamMutation, PairingMutation, ScorecardMutation, StarMutation,
                 CampaignMutation,
                 RecognitionMutation, ReportMutation, CoverageMutation, NotificationMutation,
                 WebhookMutation, NotificationPreferencesMutation))

_A = Action
MUTATION_ACTIONS: Mapping[str, tuple[Action, ...]] = MappingProxyType({
    "previewDispatch": (_A.DISPATCH_PLAN,),
    "commitDispatch": (_A.DISPATCH_PLAN,),
    "raiseDemand": (_A.DEMAND_RAISE,),
    "cancelDemand": (_A.DEMAND_CANCEL,),
    "approveDemand": (_A.DEMAND_VET,),
    "rejectDemand": (_A.DEMAND_VET,),
    "importDemands": (_A.DEMANDS_IMPORT, _A.DEMAND_RAISE),
    "addDemandPriorityRule": (_A.PRIORITY_RULE_MANAGE,),
    "endDemandPriorityRule": (_A.PRIORITY_RULE_MANAGE,),
    "dispatch": (_A.DISPATCH_OFFER,),
    "acceptDispatch": (_A.DISPATCH_RESPOND,),
    "declineDispatch": (_A.DISPATCH_RESPOND,),
    "checkIn": (_A.DISPATCH_RESPOND,),
    "checkOut": (_A.DISPATCH_RESPOND,),
    "cancelDispatch": (_A.DISPATCH_CANCEL,),
    "markNoShow": (_A.DISPATCH_NO_SHOW,),
    "reviewDemand": (_A.DEMAND_REVIEW,),
    "rateDemandOrganiser": (_A.DEMAND_RATE_ORGANISER,),
    "correctServiceRecord": (_A.RECORD_CORRECT,),
    "confirmServiceRecord": (_A.RECORD_CONFIRM,),
    "issueCertificate": (_A.CERTIFICATE_ISSUE, _A.CERTIFICATE_ISSUE_AS),
    "signUpForActivity": (_A.ACTIVITY_SIGN_UP,),
    "issueActivityAttendanceCode": (_A.ACTIVITY_ATTENDANCE,),
    "checkInToActivity": (_A.ACTIVITY_CHECK_IN,),
    "checkOutOfActivity": (_A.ACTIVITY_CHECK_IN,),
    "cancelActivitySignUp": (_A.ACTIVITY_SIGN_UP,),
    "recordActivityAttendance": (_A.ACTIVITY_ATTENDANCE,),
    "registerVolunteer": (_A.VOLUNTEER_REGISTER, _A.TEAM_MANAGE),
    "updateVolunteer": (_A.VOLUNTEER_UPDATE,),
    "exitVolunteer": (_A.VOLUNTEER_EXIT,),
    "registerOrganization": (_A.TEAM_MANAGE, _A.TEAM_CREATE_TOP),
    "moveOrganization": (_A.TEAM_MANAGE, _A.TEAM_CREATE_TOP),
    "linkVolunteer": (_A.VOLUNTEER_JOIN, _A.TEAM_MANAGE),
    "importRegistrations": (_A.REGISTRATIONS_IMPORT, _A.TEAM_MANAGE),
    "requestSignInCode": (_A.ACCOUNT_SIGN_IN,),
    "signInWithCode": (_A.ACCOUNT_SIGN_IN,),
    "signInWithWeChat": (_A.ACCOUNT_SIGN_IN,),
    "refreshToken": (_A.ACCOUNT_SIGN_IN,),
    "signOut": (_A.ACCOUNT_SIGN_IN,),
    "updateMyProfile": (_A.VOLUNTEER_UPDATE,),
    "createStation": (_A.STATION_MANAGE,),
    "updateStation": (_A.STATION_MANAGE,),
    "createActivity": (_A.ACTIVITY_MANAGE,),
    "updateActivity": (_A.ACTIVITY_MANAGE,),
    "createProject": (_A.PROJECT_MANAGE,),
    "updateProject": (_A.PROJECT_MANAGE,),
    # By the kind of the ID given: its MANAGE action; reviewSubmission: PUBLICATION_REVIEW.
    "submitForReview": (_A.STATION_MANAGE, _A.ACTIVITY_MANAGE, _A.PROJECT_MANAGE),
    "withdrawSubmission": (_A.STATION_MANAGE, _A.ACTIVITY_MANAGE, _A.PROJECT_MANAGE),
    "reviewSubmission": (_A.PUBLICATION_REVIEW,),
    "closePublication": (_A.STATION_MANAGE, _A.ACTIVITY_MANAGE, _A.PROJECT_MANAGE),
    "archivePublication": (_A.STATION_MANAGE, _A.ACTIVITY_MANAGE, _A.PROJECT_MANAGE),
    "updateRegionSettings": (_A.REGION_SETTINGS,),
    "leaveTeam": (_A.VOLUNTEER_LEAVE_TEAM,),
    "transferVolunteer": (_A.VOLUNTEER_TRANSFER,),
    "suspendVolunteer": (_A.VOLUNTEER_SUSPEND,),
    "reinstateVolunteer": (_A.VOLUNTEER_SUSPEND,),
    "claimDemand": (_A.DEMAND_CLAIM,),
    "approveClaim": (_A.CLAIM_APPROVE,),
    "rejectClaim": (_A.CLAIM_APPROVE,),
    "offerDemandToTeam": (_A.TEAM_OFFER,),
    "assignTeamMembers": (_A.TEAM_ASSIGN,),
    "returnTeamOffer": (_A.TEAM_ASSIGN,),
    "withdrawTeamOffer": (_A.TEAM_OFFER,),
    "addTeamPairing": (_A.TEAM_PAIRING,),
    "endTeamPairing": (_A.TEAM_PAIRING,),
    "createPilot": (_A.PILOT_MANAGE,),
    "updatePilot": (_A.PILOT_MANAGE,),
    "savePilotQuotaSet": (_A.PILOT_MANAGE,),
    "saveStarRules": (_A.STAR_RULE_MANAGE,),
    "saveStarThresholds": (_A.STAR_RULE_MANAGE,),
    "saveCampaign": (_A.CAMPAIGN_MANAGE,),
    "saveCampaignEdition": (_A.CAMPAIGN_MANAGE,),
    "tagCampaign": (_A.CAMPAIGN_TAG,),
    "untagCampaign": (_A.CAMPAIGN_TAG,),
    "openRecognitionRound": (_A.RECOGNITION_MANAGE,),
    "nominateForRecognition": (_A.RECOGNITION_NOMINATE, _A.RECOGNITION_READ),
    "reviewRecognitionNomination": (_A.RECOGNITION_MANAGE,),
    "publishRecognitionRound": (_A.RECOGNITION_MANAGE,),
    "exportRecognitionList": (_A.RECOGNITION_READ,),
    "exportAnnualReport": (_A.REPORT_ANNUAL,),
    "exportVolunteerServiceData": (_A.REPORT_STANDARD_EXPORT,),
    "planCoverage": (_A.COVERAGE_PLAN,),
    "markNotificationsRead": (_A.NOTIFICATION_READ,),
    "updateNotificationPreferences": (_A.NOTIFICATION_PREFERENCES,),
    "registerWebhook": (_A.WEBHOOK_MANAGE,),
    "updateWebhook": (_A.WEBHOOK_MANAGE,),
    "deleteWebhook": (_A.WEBHOOK_MANAGE,),
    "replayWebhookDelivery": (_A.WEBHOOK_MANAGE,),
    "setPartnerContract": (_A.PARTNER_CONTRACT_MANAGE,),
})
"""Each mutation field and the actions (:mod:`hub.auth.actions`) its service asks about: the
first always, the others where the input brings them in (a team to join, an issuer, a parent).
A mutation missing here fails the suite (tests/auth/test_auth_mutations.py)."""
