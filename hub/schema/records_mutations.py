"""Mutations for 评单, record corrections, certificates and activity sign-up.

Each mutation has its own input, payload and error type; business refusals come back in
``errors`` with a code, authorization failures are top-level FORBIDDEN errors. Who may:

* ``reviewDemand``: the requester (the token ``sub`` that raised the demand), an admin, or a
  dispatcher whose region subtree holds the demand.
* ``rateDemandOrganiser``: a volunteer who served the demand, for themself.
* ``correctServiceRecord`` and ``confirmServiceRecord`` (:mod:`hub.schema.records_confirm`):
  an admin, a dispatcher whose region holds the record, or an org admin whose organisation
  subtree organised it. Never the volunteer.
* ``issueCertificate``: the volunteer for themself, an admin, or a dispatcher / org admin in
  scope of the volunteer. Only managers may name the issuing organisation (in their scope).

Activity sign-up is in :mod:`hub.schema.signups`; ``RecordsMutation`` holds both.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.tools import merge_types

from hub.schema.context import Info
from hub.schema.node import decode_id
from hub.schema.records import Certificate, ServiceRecord, certificate_of
from hub.schema.records_common import (
    UserError,
    errors_from,
    volunteer_input,
)
from hub.schema.records_confirm import ConfirmServiceRecordPayload, confirm_service_record
from hub.schema.signups import SignUpMutation
from hub.services import certificates as cert_service
from hub.services import records as record_service
from hub.services import reviews
from hub.services.records import RecordsError
from hub.store import records
from hub.store.base import Row

if TYPE_CHECKING:
    from hub.schema.places import Demand


# --- 评单 ----------------------------------------------------------------------------------


@strawberry.type(description="A rating (评单), 1–5 with a comment.")
class Review:
    rating: int
    comment: str
    direction: str = strawberry.field(description="requester_to_service | "
                                                  "volunteer_to_organiser")
    created_at: datetime
    demand_id: strawberry.Private[int]

    @strawberry.field
    async def demand(self, info: Info) -> Annotated[
            Demand, strawberry.lazy("hub.schema.places")] | None:
        from hub.schema.places import Demand

        return await Demand.load(info, self.demand_id)


def _review(row: Row) -> Review:
    return Review(rating=row["rating"], comment=row["comment"], direction=row["direction"],
                  created_at=row["created_at"], demand_id=row["demand_id"])


@strawberry.enum
class ReviewErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_SERVED = "NOT_SERVED"
    ALREADY_REVIEWED = "ALREADY_REVIEWED"
    INVALID_RATING = "INVALID_RATING"
    COMMENT_TOO_LONG = "COMMENT_TOO_LONG"


@strawberry.input
class ReviewDemandInput:
    demand_id: strawberry.ID
    rating: int = strawberry.field(description="1 (poor) … 5 (excellent).")
    comment: str | None = None


@strawberry.type
class ReviewDemandError(UserError):
    code: ReviewErrorCode


@strawberry.type
class ReviewDemandPayload:
    review: Review | None = None
    errors: list[ReviewDemandError] = strawberry.field(default_factory=list)


@strawberry.input
class RateDemandOrganiserInput:
    demand_id: strawberry.ID
    rating: int = strawberry.field(description="1 (poor) … 5 (excellent).")
    comment: str | None = None


@strawberry.type
class RateDemandOrganiserError(UserError):
    code: ReviewErrorCode


@strawberry.type
class RateDemandOrganiserPayload:
    review: Review | None = None
    errors: list[RateDemandOrganiserError] = strawberry.field(default_factory=list)


async def _demand(info: Info, value: strawberry.ID) -> Row | None:
    return await records.demand_source(info.context.db,
                                       demand_id=decode_id(str(value), "Demand", "demandId"))


async def review_demand(info: Info, input: ReviewDemandInput) -> ReviewDemandPayload:
    demand = await _demand(info, input.demand_id)
    if demand is None:
        return ReviewDemandPayload(errors=[ReviewDemandError(
            field="demandId", code=ReviewErrorCode.NOT_FOUND, message="no such demand")])
    try:
        row = await reviews.review_demand(info.context.db, info.context.caller, demand=demand,
                                          rating=input.rating, comment=input.comment)
    except RecordsError as exc:
        return ReviewDemandPayload(errors=errors_from(ReviewDemandError, ReviewErrorCode, exc))
    return ReviewDemandPayload(review=_review(row))


async def rate_demand_organiser(info: Info,
                                input: RateDemandOrganiserInput) -> RateDemandOrganiserPayload:
    demand = await _demand(info, input.demand_id)
    if demand is None:
        return RateDemandOrganiserPayload(errors=[RateDemandOrganiserError(
            field="demandId", code=ReviewErrorCode.NOT_FOUND, message="no such demand")])
    try:
        row = await reviews.rate_organiser(info.context.db, info.context.caller, demand=demand,
                                           rating=input.rating, comment=input.comment)
    except RecordsError as exc:
        return RateDemandOrganiserPayload(
            errors=errors_from(RateDemandOrganiserError, ReviewErrorCode, exc))
    return RateDemandOrganiserPayload(review=_review(row))


# --- corrections -----------------------------------------------------------------------------


@strawberry.enum
class CorrectServiceRecordErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NOT_AN_ORIGINAL = "NOT_AN_ORIGINAL"
    NO_CHANGE = "NO_CHANGE"
    INVALID_HOURS = "INVALID_HOURS"
    REASON_REQUIRED = "REASON_REQUIRED"
    INSUFFICIENT_BALANCE = "INSUFFICIENT_BALANCE"
    CONFLICT = "CONFLICT"


@strawberry.input
class CorrectServiceRecordInput:
    record_id: strawberry.ID
    hours: Decimal = strawberry.field(description=(
        "The record's correct hours (0 voids it); at most the length of the demand's window "
        "or the activity."))
    reason: str


@strawberry.type
class CorrectServiceRecordError(UserError):
    code: CorrectServiceRecordErrorCode


@strawberry.type
class CorrectServiceRecordPayload:
    correction: ServiceRecord | None = strawberry.field(
        default=None, description="The new adjusting record.")
    record: ServiceRecord | None = strawberry.field(
        default=None, description="The corrected original, with its new net hours.")
    errors: list[CorrectServiceRecordError] = strawberry.field(default_factory=list)


async def correct_service_record(info: Info, input: CorrectServiceRecordInput
                                 ) -> CorrectServiceRecordPayload:
    record_id = decode_id(str(input.record_id), "ServiceRecord", "recordId")
    try:
        row, original = await record_service.correct(
            info.context.db, info.context.caller, record_id=record_id, hours=input.hours,
            reason=input.reason)
    except RecordsError as exc:
        return CorrectServiceRecordPayload(
            errors=errors_from(CorrectServiceRecordError, CorrectServiceRecordErrorCode, exc))
    return CorrectServiceRecordPayload(correction=ServiceRecord.from_row(row),
                                       record=ServiceRecord.from_row(original))


# --- certificates ----------------------------------------------------------------------------


@strawberry.enum
class IssueCertificateErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    NO_RECORDS = "NO_RECORDS"
    INVALID_PERIOD = "INVALID_PERIOD"


@strawberry.input
class IssueCertificateInput:
    volunteer_id: strawberry.ID
    from_: date = strawberry.field(name="from", description="First day (CST), inclusive.")
    to: date = strawberry.field(description="Last day (CST), inclusive.")
    issuer_organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="The issuing organisation (出具单位); managers only. "
                                  "Default: an org admin's organisation, else the volunteer's "
                                  "first organisation.")


@strawberry.type
class IssueCertificateError(UserError):
    code: IssueCertificateErrorCode


@strawberry.type
class IssueCertificatePayload:
    certificate: Certificate | None = None
    errors: list[IssueCertificateError] = strawberry.field(default_factory=list)


async def issue_certificate(info: Info, input: IssueCertificateInput) -> IssueCertificatePayload:
    volunteer_id, _ = await volunteer_input(info, input.volunteer_id)
    issuer = (decode_id(str(input.issuer_organization_id), "Organization",
                        "issuerOrganizationId") if input.issuer_organization_id else None)
    try:
        row = await cert_service.issue(info.context.db, info.context.settings,
                                       info.context.caller, volunteer_id=volunteer_id,
                                       first=input.from_, last=input.to,
                                       issuer_organization_id=issuer)
    except RecordsError as exc:
        return IssueCertificatePayload(
            errors=errors_from(IssueCertificateError, IssueCertificateErrorCode, exc))
    return IssueCertificatePayload(certificate=certificate_of(info, row))


@strawberry.type
class _RecordsMutation:
    review_demand: ReviewDemandPayload = strawberry.mutation(
        resolver=review_demand, description="评单: the requester rates a served demand once.")
    rate_demand_organiser: RateDemandOrganiserPayload = strawberry.mutation(
        resolver=rate_demand_organiser,
        description="A volunteer who served a demand rates its organiser (station) once.")
    correct_service_record: CorrectServiceRecordPayload = strawberry.mutation(
        resolver=correct_service_record,
        description="Correct a service record to new hours with a reason: appends an "
                    "adjusting record and moves the difference in points and time bank.")
    confirm_service_record: ConfirmServiceRecordPayload = strawberry.mutation(
        resolver=confirm_service_record,
        description="确认: confirm a pending service record (from a volunteer's own check-out) "
                    "so its hours count, and post its points and time-bank credit.")
    issue_certificate: IssueCertificatePayload = strawberry.mutation(
        resolver=issue_certificate,
        description="Issue a signed 志愿服务证明 for a volunteer and period.")


RecordsMutation = merge_types("RecordsMutation", (_RecordsMutation, SignUpMutation))
