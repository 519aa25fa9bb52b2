"""Mutations for 评单, record corrections, certificates and activity sign-up.

Each mutation follows :mod:`hub.schema.payloads`: its own input, payload and error type;
business refusals come back in ``errors`` with a code, the action table's refusals are
top-level FORBIDDEN errors. Who may:

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
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.tools import merge_types

from hub.schema.context import Info
from hub.schema.node import decode_id
from hub.schema.payloads import mutation, payload
from hub.schema.records import Certificate, ServiceRecord, certificate_of
from hub.schema.records_common import volunteer_id_of
from hub.schema.records_confirm import ConfirmServiceRecordPayload, confirm_service_record
from hub.schema.signups import SignUpMutation
from hub.services import certificates as cert_service
from hub.services import records as record_service
from hub.services import reviews
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


@strawberry.input
class ReviewDemandInput:
    demand_id: strawberry.ID
    rating: int = strawberry.field(description="1 (poor) … 5 (excellent).")
    comment: str | None = None


@strawberry.input
class RateDemandOrganiserInput(ReviewDemandInput):
    pass


_REVIEW = ("INVALID", "NOT_FOUND", "NOT_SERVED", "ALREADY_REVIEWED", "INVALID_RATING",
           "COMMENT_TOO_LONG")


@strawberry.type
class ReviewResult:
    """The review made."""

    review: Review | None = None


@payload(*_REVIEW)
class ReviewDemandPayload(ReviewResult):
    """评单."""


@payload(*_REVIEW)
class RateDemandOrganiserPayload(ReviewResult):
    """评组织方."""


async def review_demand(info: Info, input: ReviewDemandInput) -> ReviewDemandPayload:
    row = await reviews.review_demand(
        info.context.db, info.context.caller, rating=input.rating, comment=input.comment,
        demand_id=decode_id(str(input.demand_id), "Demand", "demandId"))
    return ReviewDemandPayload(review=_review(row))


async def rate_demand_organiser(info: Info,
                                input: RateDemandOrganiserInput) -> RateDemandOrganiserPayload:
    row = await reviews.rate_organiser(
        info.context.db, info.context.caller, rating=input.rating, comment=input.comment,
        demand_id=decode_id(str(input.demand_id), "Demand", "demandId"))
    return RateDemandOrganiserPayload(review=_review(row))


# --- corrections -----------------------------------------------------------------------------


@strawberry.input
class CorrectServiceRecordInput:
    record_id: strawberry.ID
    hours: Decimal = strawberry.field(description=(
        "The record's correct hours (0 voids it); at most the length of the demand's window "
        "or the activity."))
    reason: str


@payload("INVALID", "NOT_FOUND", "NOT_AN_ORIGINAL", "NO_CHANGE", "INVALID_HOURS",
         "REASON_REQUIRED", "INSUFFICIENT_BALANCE", "CONFLICT")
class CorrectServiceRecordPayload:
    correction: ServiceRecord | None = strawberry.field(
        default=None, description="The new adjusting record.")
    record: ServiceRecord | None = strawberry.field(
        default=None, description="The corrected original, with its new net hours.")


async def correct_service_record(info: Info, input: CorrectServiceRecordInput
                                 ) -> CorrectServiceRecordPayload:
    row, original = await record_service.correct(
        info.context.db, info.context.caller, hours=input.hours, reason=input.reason,
        record_id=decode_id(str(input.record_id), "ServiceRecord", "recordId"))
    return CorrectServiceRecordPayload(correction=ServiceRecord.from_row(row),
                                       record=ServiceRecord.from_row(original))


# --- certificates ----------------------------------------------------------------------------


@strawberry.input
class IssueCertificateInput:
    volunteer_id: strawberry.ID
    from_: date = strawberry.field(name="from", description="First day (CST), inclusive.")
    to: date = strawberry.field(description="Last day (CST), inclusive.")
    issuer_organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="The issuing organisation (出具单位); managers only. "
                                  "Default: an org admin's organisation, else the volunteer's "
                                  "first organisation.")


@payload("INVALID", "NOT_FOUND", "NO_RECORDS", "INVALID_PERIOD")
class IssueCertificatePayload:
    certificate: Certificate | None = None


async def issue_certificate(info: Info, input: IssueCertificateInput) -> IssueCertificatePayload:
    issuer = (decode_id(str(input.issuer_organization_id), "Organization",
                        "issuerOrganizationId") if input.issuer_organization_id else None)
    row = await cert_service.issue(info.context.db, info.context.settings, info.context.caller,
                                   volunteer_id=volunteer_id_of(info, input.volunteer_id),
                                   first=input.from_, last=input.to,
                                   issuer_organization_id=issuer)
    return IssueCertificatePayload(certificate=certificate_of(info, row))


@strawberry.type
class _RecordsMutation:
    review_demand: ReviewDemandPayload = mutation(
        "评单: the requester rates a served demand once.", review_demand)
    rate_demand_organiser: RateDemandOrganiserPayload = mutation(
        "A volunteer who served a demand rates its organiser (station) once.",
        rate_demand_organiser)
    correct_service_record: CorrectServiceRecordPayload = mutation(
        "Correct a service record to new hours with a reason: appends an adjusting record and "
        "moves the difference in points and time bank.", correct_service_record)
    confirm_service_record: ConfirmServiceRecordPayload = mutation(
        "确认: confirm a pending service record (from a volunteer's own check-out) so its hours "
        "count, and post its points and time-bank credit.", confirm_service_record)
    issue_certificate: IssueCertificatePayload = mutation(
        "Issue a signed 志愿服务证明 for a volunteer and period.", issue_certificate)


RecordsMutation = merge_types("RecordsMutation", (_RecordsMutation, SignUpMutation))
