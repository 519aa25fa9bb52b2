"""Where to put the next N stations: a maximal-covering location problem (MCLP), pure.

Data: demand points with integer weights (demands, or volunteers needed), candidate sites
(existing public facilities) and a radius. A point is covered when a chosen site lies within
the radius (geodesic on WGS-84, road-free). Choose at most N sites to cover the most weight.

Model (a MIP on SCIP, bundled with OR-Tools, through pywraplp): y[j] = 1 when site j is
chosen; z[k] = 1 when group k is covered, where a group gathers the points covered by
exactly the same sites (same constraint, weights summed):

    maximise Σ w[k] z[k]   subject to   z[k] ≤ Σ_{j covers k} y[j],   Σ y[j] ≤ N.

Points no site reaches are left out (they can never be covered); sites reaching no point are
never chosen. Solve: a lazy greedy plan (each step the site adding the most new weight); the LP
relaxation on GLOP, whose value bounds the optimum; the MIP restricted to the LP's support and
the greedy sites on SCIP (small: a province's LP has ~100 sites in its support of 10,000), a
near-optimal plan; and only while the gap between plan and bound exceeds ``relative_gap``, the
whole MIP on SCIP with the time left, whose bound may close it. Proven optimal when plan and
bound meet; otherwise the bound and gap are reported. Why not CP-SAT or SCIP alone: on a
province (10,000 sites, 100,000 points) CP-SAT's bound did not move in 60 s (gap 87 %) and
SCIP spent the minute in its root LP, while GLOP solves that LP in 3 s and the restricted MIP
ends within 0.2 % of it (bench/bench_coverage.py). The tests use CP-SAT as the independent
second formulation on smaller instances.

Each chosen site is explained in greedy order over the chosen set: the demand points it newly
covers and its marginal gain, and the weight no other chosen site covers (what dropping it
would lose).
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from ortools.linear_solver import pywraplp
from scipy.spatial import cKDTree

from hub.geo.geodesy import chord_radius_for_m, geodesic_distance_m, unit_vectors

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Point:
    """Unserved demand at a place; ``weight`` ≥ 1 (one demand, or the volunteers it needs)."""

    id: str
    lon: float
    lat: float
    weight: int = 1


@dataclass(frozen=True, slots=True)
class Site:
    """A candidate site for a new station (a school, museum, 党群服务中心 …)."""

    id: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class CoverProblem:
    points: tuple[Point, ...]
    sites: tuple[Site, ...]
    radius_m: float
    n_sites: int
    time_limit_s: float = 60.0
    relative_gap: float = 0.0  # stop once proven within this gap (0: prove optimal)


@dataclass(frozen=True, slots=True)
class Chosen:
    """A chosen site, explained: ``rank`` in greedy order over the chosen set, the points it
    newly covers there (``gain`` their weight), its own reach and what only it covers."""

    site_id: str
    rank: int
    gain: int
    newly_covered: tuple[str, ...]
    reach: int
    only_here: int


@dataclass(frozen=True, slots=True)
class CoverPlan:
    """``covered`` of ``total`` weight (``coverable``: reachable by some site); ``bound`` is a
    proven upper bound on ``covered``; ``gap`` = (bound − covered) / bound (0: optimal)."""

    chosen: tuple[Chosen, ...]
    covered: int
    coverable: int
    total: int
    bound: int
    gap: float
    status: str  # OPTIMAL | FEASIBLE
    solver: str
    seconds: float
    stats: Mapping[str, float] = field(default_factory=dict)


def cover_pairs(problem: CoverProblem) -> tuple[I64, I64]:
    """(site index, point index) of every pair within the radius (geodesic, exact)."""
    if not problem.points or not problem.sites:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    p_lon = np.array([p.lon for p in problem.points])
    p_lat = np.array([p.lat for p in problem.points])
    s_lon = np.array([s.lon for s in problem.sites])
    s_lat = np.array([s.lat for s in problem.sites])
    tree = cKDTree(unit_vectors(p_lon, p_lat))
    near = tree.query_ball_point(unit_vectors(s_lon, s_lat), chord_radius_for_m(problem.radius_m))
    sizes = np.fromiter((len(x) for x in near), dtype=np.int64, count=len(near))
    site = np.repeat(np.arange(len(near), dtype=np.int64), sizes)
    point = np.fromiter((i for x in near for i in x), dtype=np.int64, count=int(sizes.sum()))
    keep = geodesic_distance_m(s_lon[site], s_lat[site], p_lon[point], p_lat[point])
    inside = keep <= problem.radius_m
    return site[inside], point[inside]


@dataclass(frozen=True, slots=True)
class _Groups:
    weight: I64  # per group
    members: list[I64]  # sites covering each group
    points: list[I64]  # points of each group


def _groups(site: I64, point: I64, weights: I64) -> _Groups:
    """Points covered by the same set of sites, merged."""
    if not point.size:
        return _Groups(np.zeros(0, dtype=np.int64), [], [])
    order = np.lexsort((site, point))
    site, point = site[order], point[order]
    starts = np.flatnonzero(np.r_[True, point[1:] != point[:-1]])
    by_key: dict[bytes, int] = {}
    members: list[I64] = []
    pts: list[list[int]] = []
    w: list[int] = []
    for a, b in zip(starts.tolist(), [*starts[1:].tolist(), point.size], strict=True):
        sites = site[a:b]
        key = sites.tobytes()
        k = by_key.get(key)
        if k is None:
            k = by_key[key] = len(members)
            members.append(sites)
            pts.append([])
            w.append(0)
        pts[k].append(int(point[a]))
        w[k] += int(weights[point[a]])
    return _Groups(np.array(w, dtype=np.int64), members,
                   [np.array(p, dtype=np.int64) for p in pts])


def _covers(g: _Groups, n_all: int) -> list[list[int]]:
    """The groups each site covers."""
    covers: list[list[int]] = [[] for _ in range(n_all)]
    for k, sites in enumerate(g.members):
        for j in sites.tolist():
            covers[j].append(k)
    return covers


def _greedy(g: _Groups, covers: list[list[int]], n_sites: int,
            among: list[int] | None = None) -> list[int]:
    """Lazy greedy: each step the site adding the most uncovered weight (ties: lowest index)."""
    allowed = range(len(covers)) if among is None else among
    done = np.zeros(len(g.members), dtype=bool)
    heap = [(-int(g.weight[covers[j]].sum()), j) for j in allowed if covers[j]]
    heapq.heapify(heap)
    chosen: list[int] = []
    while heap and len(chosen) < n_sites:
        neg, j = heapq.heappop(heap)
        fresh = -int(g.weight[[k for k in covers[j] if not done[k]]].sum())
        if fresh != neg:
            if fresh < 0:
                heapq.heappush(heap, (fresh, j))
            continue
        if fresh == 0:
            break
        chosen.append(j)
        done[covers[j]] = True
    return chosen


def _covered(g: _Groups, chosen: list[int]) -> int:
    picked = set(chosen)
    return int(sum(int(w) for w, m in zip(g.weight.tolist(), g.members, strict=True)
                   if picked.intersection(m.tolist())))


@dataclass(frozen=True, slots=True)
class _Solved:
    chosen: list[int]
    bound: float | None  # proven upper bound on the covered weight (None: none found)


def _mip(g: _Groups, n_sites: int, among: set[int] | None, *, relax: bool, hint: list[int],
         limit_s: float, relative_gap: float) -> _Solved:
    """The model over the sites ``among`` (None: all), on SCIP, or its LP relaxation on GLOP
    (``relax``: then ``chosen`` holds the sites with a positive value, the LP's support)."""
    solver = pywraplp.Solver.CreateSolver("GLOP" if relax else "SCIP")
    if solver is None:
        raise RuntimeError("OR-Tools was built without GLOP or SCIP")
    useful = sorted({int(j) for m in g.members for j in m.tolist()
                     if among is None or int(j) in among})
    new = solver.NumVar if relax else (lambda lo, hi, name: solver.BoolVar(name))
    y = {j: new(0.0, 1.0, f"y{j}") for j in useful}
    groups = [(k, [y[int(j)] for j in m.tolist() if int(j) in y])
              for k, m in enumerate(g.members)]
    groups = [(k, ys) for k, ys in groups if ys]
    z = [new(0.0, 1.0, f"z{k}") for k, _ in groups]
    # Constraint: a group counts as covered only when a chosen site covers it.
    for var, (_, ys) in zip(z, groups, strict=True):
        solver.Add(var <= solver.Sum(ys))
    # Constraint: at most N sites.
    solver.Add(solver.Sum(list(y.values())) <= n_sites)
    # Objective: the weight covered.
    solver.Maximize(solver.Sum([int(g.weight[k]) * var for var, (k, _) in
                                zip(z, groups, strict=True)]))
    if not relax:
        picked = set(hint)
        solver.SetHint([*y.values(), *z], [float(j in picked) for j in y] + [
            float(any(j in picked for j in g.members[k].tolist())) for k, _ in groups])
    solver.SetTimeLimit(max(int(limit_s * 1000), 50))
    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(params.RELATIVE_MIP_GAP, relative_gap)
    status = solver.Solve(params)
    if status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
        found = [j for j, var in y.items() if var.solution_value() > (1e-6 if relax else 0.5)]
        objective = solver.Objective()
        bound = objective.Value() if relax else objective.BestBound()
        proven = not relax or status == pywraplp.Solver.OPTIMAL
        return _Solved(found, bound if proven else None)
    if status == pywraplp.Solver.NOT_SOLVED:  # nothing within the time: the hint stands
        return _Solved(hint, None)
    raise RuntimeError(f"{'GLOP' if relax else 'SCIP'} ended with status {status} on a model "
                       "that is always feasible")


def _search(g: _Groups, problem: CoverProblem, hint: list[int],
            deadline: float) -> tuple[list[int], int]:
    """(chosen sites, proven upper bound): the LP bound, then the MIP over the LP's support
    and the greedy sites (small, fast, near-optimal), then — only while the gap is above
    ``relative_gap`` — the whole MIP with the time left."""
    best, bound = hint, int(g.weight.sum())

    def left() -> float:
        return deadline - time.perf_counter()

    def gap_ok() -> bool:
        covered = _covered(g, best)
        return bound == 0 or (bound - covered) / bound <= problem.relative_gap

    lp = _mip(g, problem.n_sites, None, relax=True, hint=hint, limit_s=left() / 3,
              relative_gap=0.0)
    if lp.bound is not None:
        bound = min(bound, math.floor(lp.bound + 1e-6))
        small = _mip(g, problem.n_sites, set(lp.chosen) | set(hint), relax=False, hint=hint,
                     limit_s=left() / 2, relative_gap=0.0)
        if _covered(g, small.chosen) > _covered(g, best):
            best = small.chosen
    if not gap_ok() and left() > 0.05:
        full = _mip(g, problem.n_sites, None, relax=False, hint=best, limit_s=left(),
                    relative_gap=problem.relative_gap)
        if _covered(g, full.chosen) > _covered(g, best):
            best = full.chosen
        if full.bound is not None:
            bound = min(bound, math.floor(full.bound + 1e-6))
    return best, bound


def _explain(problem: CoverProblem, g: _Groups, covers: list[list[int]],
             chosen: list[int]) -> list[Chosen]:
    """Chosen sites in greedy order over the chosen set, each with what it newly covers."""
    order = _greedy(g, covers, len(chosen), sorted(chosen))
    order += [j for j in sorted(chosen) if j not in order]  # sites adding nothing new
    count = np.zeros(len(g.members), dtype=np.int64)
    for j in chosen:
        count[covers[j]] += 1
    done = np.zeros(len(g.members), dtype=bool)
    out = []
    for rank, j in enumerate(order, start=1):
        mine = covers[j]
        fresh = [k for k in mine if not done[k]]
        done[fresh] = True
        ids = sorted((problem.points[int(i)].id for k in fresh for i in g.points[k].tolist()),
                     key=lambda s: (len(s), s))
        out.append(Chosen(problem.sites[j].id, rank, int(g.weight[fresh].sum()), tuple(ids),
                          int(g.weight[mine].sum()),
                          int(g.weight[[k for k in mine if count[k] == 1]].sum())))
    return out


def solve(problem: CoverProblem) -> CoverPlan:
    """The best N sites (see the module's docstring), proven optimal or with its gap."""
    started = time.perf_counter()
    weights = np.array([p.weight for p in problem.points], dtype=np.int64)
    total = int(weights.sum())
    site, point = cover_pairs(problem)
    g = _groups(site, point, weights)
    coverable = int(g.weight.sum())
    n_all = len(problem.sites)
    covers = _covers(g, n_all)
    hint = _greedy(g, covers, problem.n_sites)
    useful = len({int(j) for j in site.tolist()})
    stats: dict[str, float] = {"pairs": float(site.size), "groups": float(len(g.members)),
                               "usefulSites": float(useful)}
    if useful <= problem.n_sites or _covered(g, hint) == coverable:
        # Every useful site fits, or the greedy plan already covers all that can be covered.
        chosen, bound, solver = hint, coverable, "greedy"
        if useful <= problem.n_sites:
            chosen = sorted({int(j) for j in site.tolist()})
    else:
        chosen, bound = _search(g, problem, hint, started + problem.time_limit_s)
        solver = "scip"
    covered = _covered(g, chosen)
    if covered < _covered(g, hint):
        chosen, covered = hint, _covered(g, hint)
    bound = max(min(bound, coverable), covered)
    gap = 0.0 if bound == 0 else (bound - covered) / bound
    status = "OPTIMAL" if bound == covered else "FEASIBLE"
    explained = _explain(problem, g, covers, chosen)
    stats["seconds_model"] = time.perf_counter() - started
    return CoverPlan(tuple(explained), covered, coverable, total, bound, gap, status, solver,
                     time.perf_counter() - started, stats)
