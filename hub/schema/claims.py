"""GraphQL for 抢单: the demands a volunteer may claim, claiming one, and the dispatcher's
approval where the region requires it (:mod:`hub.services.claims` decides everything).

Who may act (the action table): claimableDemands and claimDemand, a volunteer for
themself (others are FORBIDDEN); approveClaim and rejectClaim, an admin or a dispatcher of
the demand's region. A volunteer withdraws a claim with cancelDispatch, as any booking.
"""

from __future__ import annotations

import strawberry

from hub.schema.common import Connection, PointInput, connection, page_args
from hub.schema.context import Info
from hub.schema.node import decode_id
from hub.schema.payloads import mutation, payload
from hub.schema.places import Demand
from hub.schema.workflow_types import Dispatch, DispatchResult
from hub.services import claims
from hub.services.workflow import Code
from hub.store.base import Row


@strawberry.type(description="抢单: an open demand the volunteer fits (skills, availability, "
                             "reach, insurance: the matcher's rules) and may claim.")
class ClaimableDemand:
    distance_m: float = strawberry.field(description=(
        "From the volunteer's home to the demand (metres, WGS-84 geodesic): within their "
        "service radius."))
    distance_from_near_m: float | None = strawberry.field(description=(
        "From the `near` point asked for (metres, WGS-84 geodesic); null without one."))
    slots_left: int = strawberry.field(description="Slots not yet offered, claimed or booked.")
    needs_approval: bool = strawberry.field(description=(
        "A claim waits for a dispatcher's approval (the region's setting)."))
    row: strawberry.Private[Row]

    @classmethod
    def from_row(cls, row: Row) -> ClaimableDemand:
        return cls(distance_m=row["home_distance_m"],
                   distance_from_near_m=row["near_distance_m"],
                   slots_left=int(row["remaining"]), needs_approval=row["needs_approval"],
                   row=row)

    @strawberry.field(description="The demand.")
    async def demand(self, info: Info) -> Demand | None:
        return await Demand.load(info, self.row["id"])


@strawberry.type
class ClaimQuery:
    @strawberry.field(description=(
        "抢单: open demands starting in the next "
        f"{claims.HORIZON.days} days that the signed-in volunteer fits and may claim, "
        "nearest first: to their home, or to `near` (e.g. where they are now; any CRS). "
        "Whether a demand fits is always measured from home, within the service radius, as "
        "for 派单. Volunteers only."))
    async def claimable_demands(self, info: Info, first: int | None = None,
                                after: str | None = None, near: PointInput | None = None
                                ) -> Connection[ClaimableDemand]:
        size, cursor = page_args(first, after)
        point = near.wgs84("near") if near is not None else None
        page = await claims.claimable(info.context.db, info.context.caller, first=size,
                                      after=cursor, near=point)

        async def total() -> int:
            return page.total

        return connection(page.rows, first=size, after=cursor, make=ClaimableDemand.from_row,
                          count_thunk=total)


@strawberry.input(description="抢单: claim one of a demand's slots for yourself.")
class ClaimDemandInput:
    demand_id: strawberry.ID


@strawberry.input(description="Approve a claim awaiting a dispatcher's approval.")
class ApproveClaimInput:
    dispatch_id: strawberry.ID


@strawberry.input(description="Reject a claim awaiting approval, saying why.")
class RejectClaimInput:
    dispatch_id: strawberry.ID
    reason: str = strawberry.field(description=f"1..{claims.MAX_REASON} characters.")


_C = Code
_DECIDE = (_C.INVALID, _C.NOT_FOUND, _C.INVALID_TRANSITION, _C.CONFLICT)


@payload(_C.INVALID, _C.NOT_FOUND, _C.DEMAND_CLOSED, _C.WINDOW_STARTED, _C.SLOTS_FULL,
         _C.DOUBLE_BOOKED, _C.VOLUNTEER_INACTIVE, _C.NOT_INSURED, _C.NOT_ELIGIBLE,
         _C.ALREADY_CLAIMED, _C.CONFLICT)
class ClaimDemandPayload(DispatchResult):
    """抢单: the claim (accepted, or claim_pending awaiting approval)."""


@payload(*_DECIDE, _C.WINDOW_STARTED, _C.SLOTS_FULL, _C.DOUBLE_BOOKED, _C.VOLUNTEER_INACTIVE)
class ApproveClaimPayload(DispatchResult):
    """The approved claim."""


@payload(*_DECIDE)
class RejectClaimPayload(DispatchResult):
    """The rejected claim."""


def _dispatch_id(value: strawberry.ID) -> int:
    return decode_id(str(value), "Dispatch", "dispatchId")


@strawberry.type
class ClaimMutation:
    @mutation("抢单: claim a slot of an open demand you fit; capacity and double booking are "
              "guarded as for 派单. Accepted at once, or awaiting a dispatcher's approval where "
              "the region requires it.")
    async def claim_demand(self, info: Info, input: ClaimDemandInput) -> ClaimDemandPayload:
        demand_id = decode_id(str(input.demand_id), "Demand", "demandId")
        row = await claims.claim(info.context.db, info.context.caller, demand_id=demand_id)
        return ClaimDemandPayload(dispatch=Dispatch.from_row(row))

    @mutation("Approve a pending claim (a dispatcher of the demand's region): it is accepted.")
    async def approve_claim(self, info: Info, input: ApproveClaimInput) -> ApproveClaimPayload:
        row = await claims.approve(info.context.db, info.context.caller,
                                   dispatch_id=_dispatch_id(input.dispatch_id))
        return ApproveClaimPayload(dispatch=Dispatch.from_row(row))

    @mutation("Reject a pending claim with a reason; the slot is free for others again.")
    async def reject_claim(self, info: Info, input: RejectClaimInput) -> RejectClaimPayload:
        row = await claims.reject(info.context.db, info.context.caller,
                                  dispatch_id=_dispatch_id(input.dispatch_id),
                                  reason=input.reason)
        return RejectClaimPayload(dispatch=Dispatch.from_row(row))
