"""Station coverage (issue 16.5): which demand of a period lies beyond a radius of every active
station (geodesic, road-free), counted per child region; and where to put the next N stations
among candidate sites (``candidate_site``: schools, museums, 党群服务中心 …) to cover the most
of that demand — a maximal-covering location problem solved by ``hub.office.mclp`` (pure),
stored as a ``coverage_plan`` and explained site by site.

Who: ``coverage.read`` to look (an admin anywhere, a dispatcher in their subtree),
``coverage.plan`` to solve. Bounds, each a coded error naming field and value: radius
0.1–200 km, 1–200 sites, time limit 1–120 s, gap 0–0.5, at most 20,000 candidate sites and
200,000 demand points per solve, pages of 1–500 demands.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from hub.auth import Caller
from hub.auth.actions import Action, require, subject
from hub.office import mclp
from hub.office.mclp import CoverPlan, CoverProblem, Point, Site
from hub.services import office_input
from hub.services.office_input import OfficeError
from hub.store import coverage as store
from hub.store.base import Database, Row

CST = timezone(timedelta(hours=8), "CST")
MAX_SITES_CHOSEN = 200
MAX_CANDIDATES = 20_000
MAX_POINTS = 200_000
MAX_PAGE = 500
MAX_LISTED = 500  # newly covered demands listed per chosen site (all are counted)
WEIGHTS = ("demands", "slots")
#: Child code length by the length of a region's own prefix (province 2 → city 4 → …).
_CHILD_LEN = {2: 4, 4: 6, 6: 9, 9: 12, 12: 12}
Solver = Callable[[CoverProblem], Awaitable[CoverPlan]]


@dataclass(frozen=True)
class Period:
    """Demands whose window starts on a day in [since, until): the past year by default."""

    since: date
    until: date

    @staticmethod
    def of(since: date | None, until: date | None, today: date | None) -> Period:
        end = until or (today or datetime.now(CST).date()) + timedelta(days=1)
        start = since or end - timedelta(days=365)
        office_input.period(start, end)
        return Period(start, end)


def _radius_m(radius_km: float) -> float:
    if not 0.1 <= radius_km <= 200:
        raise OfficeError("INVALID", "radiusKm", radius_km, "is outside 0.1..200 km",
                          "不在 0.1 到 200 公里之间")
    return radius_km * 1000


def _bounded(field: str, value: float, lo: float, hi: float) -> None:
    if not lo <= value <= hi:
        raise OfficeError("INVALID", field, value, f"is outside {lo:g}..{hi:g}",
                          f"不在 {lo:g} 到 {hi:g} 之间")


@dataclass(frozen=True)
class Uncovered:
    region_code: str
    radius_km: float
    period: Period
    by_region: list[Row]  # code, name, demands, uncovered
    page: list[Row]  # uncovered demands, with nearest_station_m
    has_more: bool

    @property
    def demands(self) -> int:
        return sum(int(r["demands"]) for r in self.by_region)

    @property
    def uncovered(self) -> int:
        return sum(int(r["uncovered"]) for r in self.by_region)


async def uncovered(db: Database, caller: Caller, *, region_code: str, radius_km: float,
                    since: date | None, until: date | None, first: int, after: int,
                    today: date | None = None) -> Uncovered:
    """Demand beyond ``radius_km`` of every active station: counts per child region and a
    page of the demands (id order, after ``after``)."""
    code, prefix = await office_input.region(db, region_code)
    require(caller, Action.COVERAGE_READ, subject(region_code=code),
            what=f"see station coverage of {code} (an admin or a dispatcher of it or above may)")
    radius_m = _radius_m(radius_km)
    period = Period.of(since, until, today)
    _bounded("first", first, 1, MAX_PAGE)
    by = await store.count_by_region(db, region_prefix=prefix, child_len=_CHILD_LEN[len(prefix)],
                                     radius_m=radius_m, since=period.since, until=period.until)
    rows = await store.list_uncovered(db, region_prefix=prefix, radius_m=radius_m,
                                      since=period.since, until=period.until, first=first + 1,
                                      after=after)
    return Uncovered(code, radius_km, period, by, rows[:first], len(rows) > first)


@dataclass(frozen=True)
class PlanRequest:
    region_code: str
    radius_km: float
    sites: int
    since: date | None = None
    until: date | None = None
    weight: str = "demands"
    time_limit_s: float = 60.0
    relative_gap: float = 0.0


@dataclass(frozen=True)
class StoredPlan:
    id: str
    row: Row  # the coverage_plan row; ``result`` holds the explained sites
    sites: dict[int, Row]  # the chosen candidate sites by id


async def plan(db: Database, caller: Caller, request: PlanRequest, *, solver: Solver,
               today: date | None = None) -> StoredPlan:
    """Solve where the next stations go for a region subtree, store the plan, return it."""
    code, prefix = await office_input.region(db, request.region_code)
    require(caller, Action.COVERAGE_PLAN, subject(region_code=code),
            what=f"plan stations for {code} (an admin or a dispatcher of it or above may)")
    radius_m = _radius_m(request.radius_km)
    _bounded("sites", request.sites, 1, MAX_SITES_CHOSEN)
    _bounded("timeLimitS", request.time_limit_s, 1, 120)
    _bounded("relativeGap", request.relative_gap, 0, 0.5)
    if request.weight not in WEIGHTS:
        raise OfficeError("INVALID", "weight", request.weight, f"is not one of {WEIGHTS}",
                          "须为 demands（需求数）或 slots（所需人次）")
    period = Period.of(request.since, request.until, today)
    sites = await store.list_sites(db, region_prefix=prefix, limit=MAX_CANDIDATES + 1)
    points = await store.list_points(db, region_prefix=prefix, radius_m=radius_m,
                                     since=period.since, until=period.until,
                                     limit=MAX_POINTS + 1)
    for name, rows, most in (("candidate sites", sites, MAX_CANDIDATES),
                             ("uncovered demands", points, MAX_POINTS)):
        if len(rows) > most:
            raise OfficeError("INVALID", "regionCode", code,
                              f"has more than {most} {name}: ask for a smaller region",
                              f"的{'候选站点' if 'sites' in name else '未覆盖需求'}超过 {most} "
                              "个，请选更小的区域")
    problem = CoverProblem(
        points=tuple(Point(str(p["id"]), p["lon"], p["lat"],
                           int(p["needed"]) if request.weight == "slots" else 1)
                     for p in points),
        sites=tuple(Site(str(s["id"]), s["lon"], s["lat"]) for s in sites),
        radius_m=radius_m, n_sites=request.sites, time_limit_s=request.time_limit_s,
        relative_gap=request.relative_gap)
    answer = await solver(problem)
    result = _result(answer, request.weight)
    created_by = caller.sub or caller.role.value
    async with db.transaction() as tx:
        plan_id = await store.create_plan(tx, values={
            "region_code": code, "radius_m": round(radius_m), "sites": request.sites,
            "since": period.since, "status": answer.status, "covered": answer.covered,
            "bound": answer.bound, "gap": answer.gap, "result": result,
            "created_by": created_by})
    return await get(db, caller, plan_id=plan_id)


def _result(answer: CoverPlan, weight: str) -> dict[str, Any]:
    return {
        "weight": weight, "total": answer.total, "coverable": answer.coverable,
        "solver": answer.solver, "seconds": round(answer.seconds, 3),
        "stats": dict(answer.stats),
        "chosen": [{"siteId": int(c.site_id), "rank": c.rank, "gain": c.gain, "reach": c.reach,
                    "onlyHere": c.only_here, "newlyCoveredCount": len(c.newly_covered),
                    "newlyCovered": [int(x) for x in c.newly_covered[:MAX_LISTED]]}
                   for c in answer.chosen],
    }


async def get(db: Database, caller: Caller, *, plan_id: str) -> StoredPlan:
    """A stored coverage plan (NOT_FOUND when there is none the caller may see)."""
    try:
        uuid.UUID(plan_id)
    except ValueError:
        row = None
    else:
        row = await store.get_plan(db, plan_id=plan_id)
    if row is None:
        raise OfficeError("NOT_FOUND", "id", plan_id, "is no coverage plan", "不是覆盖规划")
    require(caller, Action.COVERAGE_READ, subject(region_code=row["region_code"]),
            what="see this coverage plan")
    ids = [int(c["siteId"]) for c in row["result"]["chosen"]]
    sites = {int(s["id"]): s for s in await store.get_many_sites(db, ids=ids)}
    return StoredPlan(str(row["id"]), row, sites)


def solve_in(executor: Executor | None) -> Solver:
    """A solver running the pure model off the event loop (in ``executor``, or a thread)."""

    async def run(problem: CoverProblem) -> CoverPlan:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(executor, mclp.solve, problem)

    return run
