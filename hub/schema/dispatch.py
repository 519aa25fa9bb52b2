"""GraphQL for 派单: preview a dispatch plan for a region, then commit it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON

from hub.geo.divisions import DivisionCodeError, normalize_code, subtree_prefix
from hub.jobs.fanout import preview_solver
from hub.matching import plan_to_dict
from hub.schema.common import CRS, GeoJSON, from_wgs84
from hub.schema.context import Info
from hub.schema.node import encode_id
from hub.schema.payloads import payload
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
    priority_floor: PriorityFloorStats | None = strawberry.field(default=None, description=(
        "The 老少边贫 floor and its price; null when none was asked for."))


@strawberry.type(description="The priority-area (老少边贫) floor of a plan, and what it costs "
                             "against the optimum without it.")
class PriorityFloorStats:
    min_fill_rate: float
    slots: int = strawberry.field(description="Σ needed over demands in priority areas.")
    reachable: int = strawberry.field(description="The most of them any plan can fill.")
    required: int = strawberry.field(description="min(⌈minFillRate × slots⌉, reachable).")
    filled: int
    binding: bool = strawberry.field(description="False: the plan without it already met it.")
    filled_without: int
    objective_without: float
    distance_without_m: float
    price_distance_m: float = strawberry.field(description="totalDistanceM − distanceWithoutM.")
    price_objective: float = strawberry.field(description="objectiveWithout − objective.")

    @staticmethod
    def of(doc: dict[str, Any] | None) -> PriorityFloorStats | None:
        if doc is None:
            return None
        return PriorityFloorStats(
            min_fill_rate=doc["minFillRate"], slots=doc["slots"], reachable=doc["reachable"],
            required=doc["required"], filled=doc["filled"], binding=doc["binding"],
            filled_without=doc["filledWithout"], objective_without=doc["objectiveWithout"],
            distance_without_m=doc["distanceWithoutM"], price_distance_m=doc["priceDistanceM"],
            price_objective=doc["priceObjective"])


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
                            candidate_pairs=s.get("candidatePairs", 0),
                            priority_floor=PriorityFloorStats.of(s.get("priorityFloor"))),
        assignments=[PlannedAssignment(distance_m=a["distanceM"], reason=a["reason"],
                                       volunteer_id=int(a["volunteerId"]),
                                       demand_id=int(a["demandId"])) for a in doc["assignments"]],
        unfilled=[UnfilledDemand(missing=u["missing"], code=u["code"], reason=u["reason"],
                                 demand_id=int(u["demandId"])) for u in doc["unfilled"]])


@strawberry.input(description="派单 preview: the region subtree and the period whose open "
                              "demands to plan.")
class PreviewDispatchInput:
    region_code: str
    from_: datetime = strawberry.field(name="from", description="Demands starting from this.")
    to: datetime = strawberry.field(description="… and before this.")
    options: JSON | None = strawberry.field(default=None, description=(
        "Matcher options, e.g. {\"weights\": {\"skill\": 0}} (docs/matching.md)."))
    priority_min_fill_rate: float | None = strawberry.field(default=None, description=(
        "老少边贫 floor: fill at least min(⌈rate × slots⌉, slots reachable) of the slots of "
        "demands in priority areas (0..1; the same as options.priorityMinFillRate). The plan "
        "is proven optimal under it, and stats.priorityFloor prices it against the plan "
        "without it (docs/matching.md)."))


@payload("INVALID", "INVALID_PERIOD", "UNKNOWN_REGION")
class PreviewDispatchPayload:
    plan: DispatchPlan | None = strawberry.field(default=None, description=(
        "The stored plan (nothing is dispatched until it is committed)."))


async def preview_dispatch(info: Info, input: PreviewDispatchInput) -> PreviewDispatchPayload:
    """Solve the region's open demands in [from, to) and store the plan without dispatching."""
    try:
        code = normalize_code(input.region_code)
    except DivisionCodeError:
        raise MatchError("regionCode", f"{input.region_code!r} is not a division code",
                         message_zh=f"{input.region_code!r} 不是行政区划代码") from None
    if await info.context.loaders.region.load(code) is None:
        raise MatchError("regionCode", f"{input.region_code!r} is not a known division code",
                         "UNKNOWN_REGION", f"{input.region_code!r} 不是已知的行政区划代码")
    if input.options is not None and not isinstance(input.options, dict):
        raise MatchError("options", "must be an object such as {\"weights\": {…}}",
                         message_zh="派单参数须为对象，例如 {\"weights\": {…}}")
    options = dict(input.options or {})
    rate = input.priority_min_fill_rate
    if rate is not None and not 0 <= rate <= 1:
        raise MatchError("priorityMinFillRate", f"{rate:g} is outside 0..1",
                         message_zh=f"{rate:g} 不在 0 到 1 之间")
    if input.priority_min_fill_rate is not None:
        options["priorityMinFillRate"] = input.priority_min_fill_rate
    request = MatchRequest(code, subtree_prefix(code), input.from_, input.to, options)
    ctx = info.context  # big problems go to the job queue's workers (docs/matching.md)
    result = await matching.preview(ctx.db, ctx.caller, request,
                                    solver=preview_solver(ctx.db, ctx.settings, ctx.executor))
    return PreviewDispatchPayload(plan=plan_from_dict(result.plan_id, plan_to_dict(result.plan)))


@strawberry.type(description="An assignment of a committed plan that could not be offered.")
class SkippedAssignment:
    volunteer_id: strawberry.ID
    demand_id: strawberry.ID
    reason: str


@strawberry.input(description="A previewed plan to offer.")
class CommitDispatchInput:
    plan_id: strawberry.ID


@payload("INVALID", "NOT_FOUND", "ALREADY_COMMITTED",
         description="What committing a plan did.")
class CommitDispatchPayload:
    plan_id: strawberry.ID | None = None
    offered: int = strawberry.field(default=0, description="Dispatch offers made.")
    skipped: list[SkippedAssignment] = strawberry.field(default_factory=list)


async def commit_dispatch(info: Info, input: CommitDispatchInput) -> CommitDispatchPayload:
    """Offer every assignment of a previewed plan to its volunteer."""
    try:
        uuid.UUID(str(input.plan_id))
    except ValueError:
        raise MatchError("planId", f"{input.plan_id!r} is not a plan ID",
                         message_zh=f"{input.plan_id!r} 不是派单方案编号") from None
    result = await matching.commit(info.context.db, info.context.caller,
                                   plan_id=str(input.plan_id),
                                   ttl_s=info.context.settings.dispatch_offer_ttl_s)
    return CommitDispatchPayload(
        plan_id=input.plan_id, offered=result.offered,
        skipped=[SkippedAssignment(volunteer_id=strawberry.ID(encode_id("Volunteer", v)),
                                   demand_id=strawberry.ID(encode_id("Demand", d)), reason=why)
                 for v, d, why in result.skipped])
