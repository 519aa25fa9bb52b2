"""GraphQL for 派单: preview a dispatch plan for a region, then commit it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON

from hub.geo.divisions import DivisionCodeError, normalize_code, subtree_prefix
from hub.matching import plan_to_dict
from hub.schema.common import CRS, GeoJSON, from_wgs84
from hub.schema.context import Info
from hub.schema.errors import BadUserInput, NotFound
from hub.schema.node import encode_id
from hub.schema.places import Demand
from hub.schema.volunteers import Volunteer
from hub.services import matching
from hub.services.matching import MatchError, MatchRequest


@strawberry.type(description="How the plan was found and how good it is.")
class DispatchStats:
    solver: str = strawberry.field(description="min_cost_flow | cp_sat | greedy")
    status: str = strawberry.field(description="OPTIMAL | FEASIBLE | …")
    filled_slots: int
    total_distance_m: float
    objective: float = strawberry.field(description="Σ priority × filled slots.")
    bound: float | None = strawberry.field(description="A proven upper bound on `objective`.")
    gap: float | None
    seconds: float
    candidate_pairs: int


@strawberry.type(description="One volunteer for one slot of a demand, and why.")
class PlannedAssignment:
    distance_m: float
    reason: str
    volunteer_id: strawberry.Private[int]
    demand_id: strawberry.Private[int]

    @strawberry.field
    async def volunteer(self, info: Info) -> Volunteer | None:
        return await Volunteer.load(info, self.volunteer_id)

    @strawberry.field
    async def demand(self, info: Info) -> Demand | None:
        return await Demand.load(info, self.demand_id)


@strawberry.type(description="Slots of a demand the plan leaves empty, and why.")
class UnfilledDemand:
    missing: int
    code: str = strawberry.field(description="NO_VOLUNTEER_IN_REACH | NO_SKILL | NOT_AVAILABLE "
                                             "| NO_INSURANCE | CANDIDATES_BUSY | NOT_CHOSEN | …")
    reason: str
    demand_id: strawberry.Private[int]

    @strawberry.field
    async def demand(self, info: Info) -> Demand | None:
        return await Demand.load(info, self.demand_id)


@strawberry.type(description="A dispatch plan: stored, and dispatched only when committed.")
class DispatchPlan:
    id: strawberry.ID
    stats: DispatchStats
    assignments: list[PlannedAssignment]
    unfilled: list[UnfilledDemand]

    @strawberry.field(description="Assignment lines (volunteer → demand) as a GeoJSON "
                                  "FeatureCollection; homes as the caller may see them.")
    async def lines(self, info: Info, crs: CRS | None = CRS.WGS84) -> GeoJSON:
        features = []
        volunteers = await info.context.loaders.volunteer.load_many(
            [a.volunteer_id for a in self.assignments])
        demands = await info.context.loaders.demand.load_many(
            [a.demand_id for a in self.assignments])
        for a, v_row, d_row in zip(self.assignments, volunteers, demands, strict=True):
            if v_row is None or d_row is None:
                continue
            home = Volunteer.from_row(v_row).visible_point(info)
            if home is None:
                continue
            ends = [from_wgs84(*home, crs), from_wgs84(d_row["lon"], d_row["lat"], crs)]
            features.append({"type": "Feature", "geometry": {
                "type": "LineString", "coordinates": [[round(x, 7), round(y, 7)] for x, y in ends]},
                "properties": {"distanceM": round(a.distance_m, 1), "reason": a.reason}})
        return GeoJSON({"type": "FeatureCollection", "features": features})


def plan_from_dict(plan_id: str, doc: dict[str, Any]) -> DispatchPlan:
    """The GraphQL plan from the stored JSON document."""
    s = doc["stats"]
    return DispatchPlan(
        id=strawberry.ID(plan_id),
        stats=DispatchStats(solver=s["solver"], status=s["status"], filled_slots=s["filledSlots"],
                            total_distance_m=s["totalDistanceM"], objective=s["objective"],
                            bound=s.get("bound"), gap=s.get("gap"), seconds=s["seconds"],
                            candidate_pairs=s.get("candidatePairs", 0)),
        assignments=[PlannedAssignment(distance_m=a["distanceM"], reason=a["reason"],
                                       volunteer_id=int(a["volunteerId"]),
                                       demand_id=int(a["demandId"])) for a in doc["assignments"]],
        unfilled=[UnfilledDemand(missing=u["missing"], code=u["code"], reason=u["reason"],
                                 demand_id=int(u["demandId"])) for u in doc["unfilled"]])


async def preview_dispatch(
    info: Info, region_code: str,
    from_: Annotated[datetime, strawberry.argument(name="from")], to: datetime,
    options: JSON | None = None,
) -> DispatchPlan:
    """Solve the region's open demands in [from, to) and store the plan without dispatching."""
    try:
        code = normalize_code(region_code)
    except DivisionCodeError:
        raise BadUserInput("regionCode", region_code, "is not a division code") from None
    if await info.context.loaders.region.load(code) is None:
        raise BadUserInput("regionCode", region_code, "is not a known division code")
    if options is not None and not isinstance(options, dict):
        raise BadUserInput("options", options, "must be an object such as {\"weights\": {…}}")
    try:
        request = MatchRequest(code, subtree_prefix(code), from_, to, options or {})
        result = await matching.preview(
            info.context.db, info.context.caller, request,
            solver=lambda p: matching.solve_in(info.context.executor, p))
    except MatchError as exc:
        raise BadUserInput(exc.field, "(given)", str(exc).split(": ", 1)[-1]) from None
    return plan_from_dict(result.plan_id, plan_to_dict(result.plan))


@strawberry.type(description="An assignment of a committed plan that could not be offered.")
class SkippedAssignment:
    volunteer_id: strawberry.ID
    demand_id: strawberry.ID
    reason: str


@strawberry.type(description="What committing a plan did.")
class CommitDispatchPayload:
    plan_id: strawberry.ID
    offered: int = strawberry.field(description="Dispatch offers made.")
    skipped: list[SkippedAssignment]


async def commit_dispatch(info: Info, plan_id: strawberry.ID) -> CommitDispatchPayload:
    """Offer every assignment of a previewed plan to its volunteer."""
    try:
        uuid.UUID(str(plan_id))
    except ValueError:
        raise BadUserInput("planId", plan_id, "is not a plan ID") from None
    try:
        result = await matching.commit(info.context.db, info.context.caller,
                                       plan_id=str(plan_id),
                                       ttl_s=info.context.settings.dispatch_offer_ttl_s)
    except LookupError:
        raise NotFound(f"planId: plan {plan_id} does not exist") from None
    except MatchError as exc:
        raise BadUserInput(exc.field, plan_id, str(exc).split(": ", 1)[-1]) from None
    return CommitDispatchPayload(
        plan_id=plan_id, offered=result.offered,
        skipped=[SkippedAssignment(volunteer_id=strawberry.ID(encode_id("Volunteer", v)),
                                   demand_id=strawberry.ID(encode_id("Demand", d)), reason=why)
                 for v, d, why in result.skipped])
