"""GraphQL for public 点单's review before dispatch (审核).

approveDemand / rejectDemand: an admin, the region's dispatcher, or, for a resident's demand at
their station, the station's staff (:mod:`hub.services.demand_review`). demandsToApprove lists
what waits for the caller; myDemands what the caller raised, with how its review went.
"""

from __future__ import annotations

import strawberry

from hub.geo.divisions import DivisionCodeError, normalize_code
from hub.schema.common import Connection, connection, page_args
from hub.schema.context import Info
from hub.schema.errors import BadUserInput
from hub.schema.node import decode_id
from hub.schema.payloads import mutation, payload
from hub.schema.places import Demand
from hub.services import demand_review
from hub.services.workflow import Code


@strawberry.input(description="审核: approve a demand pending review; it becomes open.")
class ApproveDemandInput:
    demand_id: strawberry.ID


@strawberry.input(description="审核: reject a demand pending review, saying why (its requester "
                              "sees the reason).")
class RejectDemandInput:
    demand_id: strawberry.ID
    reason: str = strawberry.field(description=f"1..{demand_review.MAX_REASON} characters.")


@strawberry.type
class DemandDecision:
    """The demand as it now is."""

    demand: Demand | None = None


_CODES = (Code.INVALID, Code.NOT_FOUND, Code.INVALID_TRANSITION)


@payload(*_CODES)
class ApproveDemandPayload(DemandDecision):
    """审核通过."""


@payload(*_CODES, Code.REASON_REQUIRED)
class RejectDemandPayload(DemandDecision):
    """审核驳回."""


async def _decide(info: Info, raw_id: strawberry.ID, approve: bool,
                  reason: str | None) -> Demand | None:
    demand_id = decode_id(str(raw_id), "Demand", "demandId")
    await demand_review.vet_demand(info.context.db, info.context.caller, demand_id=demand_id,
                                   approve=approve, reason=reason)
    info.context.loaders.demand.clear_all()  # the demand as decided, not as cached
    return await Demand.load(info, demand_id)


@strawberry.type
class DemandReviewMutation:
    @mutation("审核: approve a resident's or station's demand pending review (→ open, "
              "dispatchable): an admin, the region's dispatcher, or the staff of the station a "
              "resident chose. Of two reviewers at once, one decides; the other is told "
              "INVALID_TRANSITION.")
    async def approve_demand(self, info: Info, input: ApproveDemandInput
                             ) -> ApproveDemandPayload:
        return ApproveDemandPayload(demand=await _decide(info, input.demand_id, True, None))

    @mutation("审核: reject a demand pending review with a reason (→ rejected; who, when and "
              "why are kept, and the requester sees them): whoever may approve it.")
    async def reject_demand(self, info: Info, input: RejectDemandInput) -> RejectDemandPayload:
        return RejectDemandPayload(demand=await _decide(info, input.demand_id, False,
                                                        input.reason))


@strawberry.type
class DemandReviewQuery:
    @strawberry.field(description="审核: demands pending review that the caller may decide, "
                                  "oldest first: a dispatcher's region (or `regionCode` within "
                                  "it), an admin's anywhere, a station staff's residents' "
                                  "demands at their station.")
    async def demands_to_approve(self, info: Info, first: int | None = None,
                                 after: str | None = None, region_code: str | None = None
                                 ) -> Connection[Demand]:
        size, cursor = page_args(first, after)
        code = None
        if region_code is not None:
            try:
                code = normalize_code(region_code)
            except DivisionCodeError:
                raise BadUserInput("regionCode", region_code,
                                   "is not a 6-, 9- or 12-digit division code") from None
        rows, count = await demand_review.list_to_review(
            info.context.db, info.context.caller, region_code=code, first=size, after=cursor)
        return connection(rows, first=size, after=cursor, make=Demand.from_row,
                          count_thunk=count)

    @strawberry.field(description="The demands the caller raised (oldest first), whatever "
                                  "became of them: a resident sees here whether theirs was "
                                  "approved, or why it was rejected (`approval`).")
    async def my_demands(self, info: Info, first: int | None = None, after: str | None = None
                         ) -> Connection[Demand]:
        size, cursor = page_args(first, after)
        rows, count = await demand_review.list_mine(info.context.db, info.context.caller,
                                                    first=size, after=cursor)
        return connection(rows, first=size, after=cursor, make=Demand.from_row,
                          count_thunk=count)
