"""GraphQL for station coverage (hub.services.coverage): demand beyond every station's reach,
and where the next stations go (a maximal-covering plan over candidate sites)."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated

import strawberry

from hub.schema.context import Info
from hub.schema.node import decode_id, encode_id
from hub.schema.office_errors import bad_input
from hub.schema.payloads import Refusal, mutation, payload, with_refusals
from hub.schema.places import Demand
from hub.services import coverage as service
from hub.services.office_input import OfficeError
from hub.store.base import Row


@strawberry.type(description="Demands and those beyond reach, in one child region.")
class RegionCoverage:
    region_code: str
    name: str | None
    demands: int
    uncovered: int


@strawberry.type(description="A demand farther than the radius from every active station.")
class UncoveredDemand:
    id: strawberry.ID = strawberry.field(description="The demand's global ID.")
    title: str
    category: str
    region_code: str
    needed: int
    day: date = strawberry.field(description="The day its window starts (China time).")
    lon: float
    lat: float
    nearest_station_km: float | None = strawberry.field(
        description="Geodesic distance to the nearest active station; null: none at all.")

    @strawberry.field(description="The demand itself (as the caller may see it).")
    async def demand(self, info: Info) -> Demand | None:
        return await Demand.load(info, decode_id(str(self.id), "Demand"))

    @staticmethod
    def of(r: Row) -> UncoveredDemand:
        m = r["nearest_station_m"]
        return UncoveredDemand(
            id=strawberry.ID(encode_id("Demand", r["id"])), title=r["title"],
            category=r["category"], region_code=r["region_code"], needed=r["needed"],
            day=r["day"], lon=r["lon"], lat=r["lat"],
            nearest_station_km=None if m is None else m / 1000)


@strawberry.type(description="Station coverage of a region subtree for a period.")
class StationCoverage:
    region_code: str
    radius_km: float
    from_: date = strawberry.field(name="from")
    to: date
    demands: int
    uncovered: int
    by_region: list[RegionCoverage] = strawberry.field(
        description="Per child region (a province's cities, a city's counties …).")
    uncovered_demands: list[UncoveredDemand] = strawberry.field(
        description="A page of the uncovered demands, in id order.")
    next_after: strawberry.ID | None = strawberry.field(
        description="Pass as `after` for the next page; null: this was the last.")


@strawberry.enum(description="What a covered demand point weighs.")
class CoverageWeight(Enum):
    DEMANDS = "demands"
    SLOTS = "slots"


@strawberry.type(description="A candidate site for a new station: an existing public "
                             "facility (school, museum, 党群服务中心 …).")
class CandidateSite:
    id: int
    kind: str
    name: str
    region_code: str
    address: str
    lon: float
    lat: float


@strawberry.type(description="A chosen site, explained: in greedy order over the chosen set, "
                             "what it newly covers there (its marginal gain).")
class ChosenSite:
    rank: int
    site: CandidateSite | None
    gain: int = strawberry.field(description="Weight it newly covers in this order.")
    reach: int = strawberry.field(description="Weight it covers on its own.")
    only_here: int = strawberry.field(
        description="Weight no other chosen site covers (lost if it were dropped).")
    newly_covered_count: int
    newly_covered: list[strawberry.ID] = strawberry.field(
        description=f"The demands it newly covers (the first {service.MAX_LISTED}).")


@strawberry.type(description="Where the next stations go: a maximal-covering plan, proven "
                             "optimal or with its bound and gap.")
class CoveragePlan:
    id: strawberry.ID
    region_code: str
    radius_km: float
    sites: int = strawberry.field(description="N: the most new stations asked for.")
    from_: date = strawberry.field(name="from")
    weight: CoverageWeight
    status: str = strawberry.field(description="OPTIMAL | FEASIBLE (see gap).")
    solver: str
    covered: float = strawberry.field(description="Weight the chosen sites cover.")
    coverable: float = strawberry.field(description="Weight some candidate site can reach.")
    total: float = strawberry.field(description="Weight of every uncovered demand.")
    bound: float = strawberry.field(description="A proven upper bound on `covered`.")
    gap: float = strawberry.field(description="(bound − covered) / bound; 0: optimal.")
    seconds: float
    chosen: list[ChosenSite]

    @staticmethod
    def of(p: service.StoredPlan) -> CoveragePlan:
        row, result = p.row, p.row["result"]
        chosen = []
        for c in result["chosen"]:
            s = p.sites.get(int(c["siteId"]))
            site = None if s is None else CandidateSite(
                id=s["id"], kind=s["kind"], name=s["name"], region_code=s["region_code"],
                address=s["address"], lon=s["lon"], lat=s["lat"])
            chosen.append(ChosenSite(
                rank=c["rank"], site=site, gain=c["gain"], reach=c["reach"],
                only_here=c["onlyHere"], newly_covered_count=c["newlyCoveredCount"],
                newly_covered=[strawberry.ID(encode_id("Demand", x))
                               for x in c["newlyCovered"]]))
        return CoveragePlan(
            id=strawberry.ID(p.id), region_code=row["region_code"],
            radius_km=row["radius_m"] / 1000, sites=row["sites"], from_=row["since"],
            weight=CoverageWeight(result["weight"]), status=row["status"],
            solver=result["solver"], covered=row["covered"], coverable=result["coverable"],
            total=result["total"], bound=row["bound"], gap=row["gap"],
            seconds=result["seconds"], chosen=chosen)


@strawberry.input(description="Where to put the next stations in a region subtree.")
class PlanCoverageInput:
    region_code: str
    radius_km: float = strawberry.field(description="A station reaches this far (0.1–200).")
    sites: int = strawberry.field(description="N: at most this many new stations (1–200).")
    from_: date | None = strawberry.field(default=None, name="from", description=(
        "Demands starting from this day (default: a year before `to`)."))
    to: date | None = strawberry.field(default=None, description="… and before this day "
                                                                  "(default: tomorrow).")
    weight: CoverageWeight = CoverageWeight.DEMANDS
    time_limit_s: float = strawberry.field(default=60.0, description=(
        "Stop searching after this long (1–120 s) and report the gap."))
    relative_gap: float = strawberry.field(default=0.0, description=(
        "Stop once proven within this relative gap (0–0.5; 0: prove optimal)."))


@payload("INVALID", "UNKNOWN_REGION", "INVALID_PERIOD")
class PlanCoveragePayload:
    plan: CoveragePlan | None = None


async def plan_coverage(info: Info, input: PlanCoverageInput) -> PlanCoveragePayload:
    request = service.PlanRequest(
        region_code=input.region_code, radius_km=input.radius_km, sites=input.sites,
        since=input.from_, until=input.to, weight=input.weight.value,
        time_limit_s=input.time_limit_s, relative_gap=input.relative_gap)
    try:
        stored = await service.plan(info.context.db, info.context.caller, request,
                                    solver=service.solve_in(info.context.executor))
    except OfficeError as exc:
        refusal = Refusal(exc.code, exc.field, str(exc), f"{exc.field}：{exc.value!r} "
                                                          f"{exc.message_zh}")
        return with_refusals(PlanCoveragePayload(), [refusal])
    return PlanCoveragePayload(plan=CoveragePlan.of(stored))


@strawberry.type
class CoverageMutation:
    plan_coverage: PlanCoveragePayload = mutation(
        "Choose at most N candidate sites for new stations to cover the most demand beyond "
        "every active station's radius (a maximal-covering location problem; proven optimal "
        "or with its gap), store the plan and explain it site by site (an admin, or a "
        "dispatcher of the region or above; docs/office.md).", plan_coverage)


@strawberry.type
class CoverageQuery:
    @strawberry.field(description=(
        "Demand of a period (default: the past year) farther than radiusKm from every active "
        "station (geodesic, road-free): counts per child region and a page of the demands "
        "(an admin, or a dispatcher of the region or above)."))
    async def station_coverage(
            self, info: Info, region_code: str, radius_km: float,
            from_: Annotated[date | None, strawberry.argument(name="from")] = None,
            to: date | None = None, first: int = 100,
            after: strawberry.ID | None = None) -> StationCoverage:
        try:
            start = decode_id(str(after), "Demand", "after") if after else 0
            u = await service.uncovered(info.context.db, info.context.caller,
                                        region_code=region_code, radius_km=radius_km,
                                        since=from_, until=to, first=first, after=start)
        except OfficeError as exc:
            raise bad_input(exc) from None
        page = [UncoveredDemand.of(r) for r in u.page]
        return StationCoverage(
            region_code=u.region_code, radius_km=u.radius_km, from_=u.period.since,
            to=u.period.until, demands=u.demands, uncovered=u.uncovered,
            by_region=[RegionCoverage(region_code=r["code"], name=r["name"],
                                      demands=r["demands"], uncovered=r["uncovered"])
                       for r in u.by_region],
            uncovered_demands=page,
            next_after=page[-1].id if u.has_more and page else None)

    @strawberry.field(description="A stored coverage plan; null when there is none.")
    async def coverage_plan(self, info: Info, id: strawberry.ID) -> CoveragePlan | None:
        try:
            return CoveragePlan.of(await service.get(info.context.db, info.context.caller,
                                                     plan_id=str(id)))
        except OfficeError as exc:
            if exc.code == "NOT_FOUND":
                return None
            raise bad_input(exc) from None
