"""Baseline for comparison only: greedy nearest-first dispatch (就近派单).

All feasible pairs are taken in order of distance (ties: demand, then volunteer input
order); a pair is kept when its demand still has a slot, its volunteer has capacity left
and no kept demand of that volunteer overlaps in time. No priority, no proof of anything.
"""

from __future__ import annotations

import time

import numpy as np

from hub.matching.arrays import compile_problem
from hub.matching.candidates import find_pairs
from hub.matching.decode import Outcome, make_plan
from hub.matching.problem import Plan, Problem

NOTE_GREEDY = "were not chosen (greedy dispatch fills the nearest pairs first)"


def greedy(problem: Problem) -> Plan:
    """Nearest-first plan; ``stats.solver == "greedy"``, status FEASIBLE, no bound."""
    started = time.perf_counter()
    timings: dict[str, float] = {}
    arr = compile_problem(problem)
    timings["compile"] = time.perf_counter() - started
    tick = time.perf_counter()
    search = find_pairs(arr, with_skill=problem.options.skill_weight > 0)
    pairs = search.pairs
    timings["candidates"] = time.perf_counter() - tick

    tick = time.perf_counter()
    order = np.lexsort((pairs.v, pairs.d, pairs.dist_m))
    pv, pd = pairs.v.tolist(), pairs.d.tolist()
    need, cap = arr.d_need.tolist(), arr.v_cap.tolist()
    start, end = arr.d_start.tolist(), arr.d_end.tolist()
    filled = [0] * arr.n_dem
    serving: list[list[int]] = [[] for _ in range(arr.n_vol)]
    assigned = np.zeros(len(pairs), dtype=bool)
    for p in order.tolist():
        d, v = pd[p], pv[p]
        if filled[d] >= need[d]:
            continue
        mine = serving[v]
        if len(mine) >= cap[v]:
            continue
        if any(start[x] < end[d] and start[d] < end[x] for x in mine):
            continue
        mine.append(d)
        filled[d] += 1
        assigned[p] = True
    timings["greedy"] = time.perf_counter() - tick
    outcome = Outcome("greedy", "FEASIBLE", None, None, 0.0, {}, NOTE_GREEDY)
    return make_plan(
        arr, search, assigned, outcome, problem.options, started=started, timings=timings
    )
