"""An independent reference for the matcher tests: brute-force rules and a HiGHS MILP.

Nothing here imports the solver's internals: pairs are found by looping over every
(volunteer, demand) with pyproj, and the optimum comes from scipy.optimize.milp.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import numpy as np
from pyproj import Geod
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_matrix

from hub.matching import Demand, Options, Plan, Problem, Volunteer

GEOD = Geod(ellps="WGS84")
CST = dt.timezone(dt.timedelta(hours=8))
BASE_S = int(dt.datetime(2026, 12, 5, tzinfo=CST).timestamp())
HOUR = 3600
SKILL_M = 1000.0
FAIRNESS_M = 1000.0


def merged(windows: tuple[tuple[int, int], ...]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(windows):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def distance_m(v: Volunteer, d: Demand) -> float:
    return float(GEOD.inv(d.lon, d.lat, v.lon, v.lat)[2])


def allowed(v: Volunteer, d: Demand) -> bool:
    """Every hard rule for one pair, written out plainly."""
    if v.capacity < 1 or any(s not in v.skills for s in d.skills):
        return False
    if not any(a <= d.start_s and d.end_s <= b for a, b in merged(v.availability)):
        return False
    if d.requires_insurance and (v.insured_until_s is None or v.insured_until_s < d.end_s):
        return False
    return distance_m(v, d) <= v.max_distance_m


def feasible_pairs(problem: Problem) -> dict[tuple[int, int], float]:
    out = {}
    for i, v in enumerate(problem.volunteers):
        for j, d in enumerate(problem.demands):
            if allowed(v, d):
                out[(i, j)] = distance_m(v, d)
    return out


def overlaps(a: Demand, b: Demand) -> bool:
    return a.start_s < b.end_s and b.start_s < a.end_s


def check_plan(problem: Problem, plan: Plan) -> None:
    """The plan breaks no hard rule."""
    vols = {v.id: v for v in problem.volunteers}
    dems = {d.id: d for d in problem.demands}
    seen = set()
    serving: dict[str, list[Demand]] = {}
    filled: dict[str, int] = {}
    for a in plan.assignments:
        v, d = vols[a.volunteer_id], dems[a.demand_id]
        assert (v.id, d.id) not in seen, "a volunteer fills one slot of a demand at most"
        seen.add((v.id, d.id))
        assert allowed(v, d), f"{v.id} may not serve {d.id}"
        assert abs(a.distance_m - distance_m(v, d)) < 1e-6
        for other in serving.get(v.id, []):
            assert not overlaps(other, d), f"{v.id} serves {other.id} and {d.id} at once"
        serving.setdefault(v.id, []).append(d)
        filled[d.id] = filled.get(d.id, 0) + 1
    for vid, ds in serving.items():
        assert len(ds) <= vols[vid].capacity
    for d in problem.demands:
        got = filled.get(d.id, 0)
        assert got <= d.needed
        missing = [u.missing for u in plan.unfilled if u.demand_id == d.id]
        assert missing == ([d.needed - got] if got < d.needed else [])


def skill_bonus(v: Volunteer, d: Demand) -> float:
    if not d.skills:
        return 0.0
    return sum(v.skills[s] - 1 for s in d.skills) / len(d.skills)


def milp_optimum(problem: Problem) -> tuple[float, float]:
    """(max Σ priority × filled, then min second tier) by two HiGHS solves; under the
    priority-area floor when ``options.priority_min_fill_rate`` is set (docs/matching.md:
    at least min(⌈rate × slots⌉, most any plan fills) priority-area slots)."""
    pairs = sorted(feasible_pairs(problem).items())
    if not pairs:
        return 0.0, 0.0
    o = problem.options
    vols, dems = problem.volunteers, problem.demands
    n = len(pairs)
    loads = [(i, k) for i, v in enumerate(vols) for k in range(1, v.capacity)]
    n_all = n + len(loads)
    prio = np.zeros(n_all)
    tier2 = np.zeros(n_all)
    for p, ((i, j), dist) in enumerate(pairs):
        prio[p] = dems[j].priority
        tier2[p] = dist - o.skill_weight * SKILL_M * skill_bonus(vols[i], dems[j])
    for q, (_, k) in enumerate(loads):
        tier2[n + q] = o.fairness_weight * FAIRNESS_M * k
    rows: list[tuple[dict[int, float], float]] = []
    for j, d in enumerate(dems):
        rows.append(({p: 1.0 for p, ((_, jj), _) in enumerate(pairs) if jj == j}, d.needed))
    for i, v in enumerate(vols):
        mine = [p for p, ((ii, _), _) in enumerate(pairs) if ii == i]
        rows.append(({p: 1.0 for p in mine}, v.capacity))
        extra = {n + q: -1.0 for q, (ii, _) in enumerate(loads) if ii == i}
        rows.append(({**{p: 1.0 for p in mine}, **extra}, 1.0))
        for a in range(len(mine)):
            for b in range(a + 1, len(mine)):
                if overlaps(dems[pairs[mine[a]][0][1]], dems[pairs[mine[b]][0][1]]):
                    rows.append(({mine[a]: 1.0, mine[b]: 1.0}, 1.0))
    matrix = lil_matrix((len(rows), n_all))
    for r, (coefs, _) in enumerate(rows):
        for c, val in coefs.items():
            matrix[r, c] = val
    upper = np.array([ub for _, ub in rows])
    cons = [LinearConstraint(matrix.tocsr(), -np.inf, upper)]
    integrality = np.ones(n_all)
    bounds = Bounds(0, 1)
    rate = o.priority_min_fill_rate
    if rate is not None:
        area = np.zeros(n_all)
        for p, ((_, j), _) in enumerate(pairs):
            area[p] = 1.0 if dems[j].priority_area else 0.0
        most = milp(-area, constraints=cons, integrality=integrality, bounds=bounds)
        assert most.success
        required = floor_required(problem, round(-float(most.fun)))
        cons.append(LinearConstraint(area.reshape(1, -1), required - 1e-7, np.inf))
    first = milp(-prio, constraints=cons, integrality=integrality, bounds=bounds)
    assert first.success
    z1 = -float(first.fun)
    keep = LinearConstraint(prio.reshape(1, -1), z1 - 1e-7, np.inf)
    second = milp(tier2, constraints=[*cons, keep], integrality=integrality, bounds=bounds)
    assert second.success
    return z1, float(second.fun)


def floor_required(problem: Problem, reachable: int) -> int:
    """min(⌈rate × priority-area slots⌉, reachable), computed plainly."""
    rate = problem.options.priority_min_fill_rate
    assert rate is not None
    slots = sum(d.needed for d in problem.demands if d.priority_area)
    return min(int(np.ceil(round(rate * slots, 9))), reachable)


def milp_reachable(problem: Problem) -> int:
    """The most priority-area slots any plan fills (HiGHS, a plain restatement)."""
    only = [d for d in problem.demands if d.priority_area]
    sub = Problem(problem.volunteers, tuple(replace(d, priority=1.0) for d in only),
                  replace(problem.options, priority_min_fill_rate=None))
    return round(milp_optimum(sub)[0])


def random_problem(
    rng: random.Random,
    *,
    flow_shaped: bool,
    capacity_max: int,
    options: Options,
    crowded: bool = False,
) -> Problem:
    """A small instance around Zhengzhou; ``flow_shaped`` keeps demand windows disjoint,
    ``crowded`` packs more overlapping demands onto fewer volunteers."""
    skills = ("health", "emergency", "agri")
    n_vol, n_dem = (
        (rng.randint(2, 5), rng.randint(6, 10))
        if crowded
        else (rng.randint(2, 9), rng.randint(1, 7))
    )
    volunteers = []
    for i in range(n_vol):
        chosen = rng.sample(skills, rng.randint(0, 3))
        windows = []
        for _ in range(rng.randint(1, 3)):
            a = BASE_S + rng.randint(6, 14) * HOUR
            windows.append((a, a + rng.randint(2, 10) * HOUR))
        insured = rng.choice([None, BASE_S + 12 * HOUR, BASE_S + 400 * 24 * HOUR])
        volunteers.append(
            Volunteer(
                id=f"v{i}",
                lon=113.6 + rng.uniform(-0.08, 0.08),
                lat=34.75 + rng.uniform(-0.08, 0.08),
                skills={s: rng.randint(1, 5) for s in chosen},
                capacity=rng.randint(1, capacity_max),
                max_distance_m=rng.uniform(3000, 20000),
                availability=tuple(windows),
                insured_until_s=insured,
            )
        )
    demands = []
    for j in range(n_dem):
        if flow_shaped:
            start = BASE_S + (7 + 2 * j) * HOUR
            length = 2 * HOUR
        else:
            start = BASE_S + rng.randint(8, 14) * HOUR + rng.choice([0, 1800])
            length = rng.randint(1, 3) * HOUR
        demands.append(
            Demand(
                id=f"d{j}",
                lon=113.6 + rng.uniform(-0.08, 0.08),
                lat=34.75 + rng.uniform(-0.08, 0.08),
                skills=tuple(rng.sample(skills, rng.randint(0, 2))),
                needed=rng.randint(1, 3),
                start_s=start,
                end_s=start + length,
                priority=rng.choice([1.0, 1.5, 2.0, 3.0]),
                requires_insurance=rng.random() < 0.4,
            )
        )
    return Problem(tuple(volunteers), tuple(demands), options)
