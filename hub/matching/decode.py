"""Turn an assignment mask over the candidate pairs into a Plan with explanations and stats."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np

from hub.matching.arrays import BOOL, Arrays
from hub.matching.candidates import Search, levels
from hub.matching.explain import explain_unfilled
from hub.matching.objective import fairness_m, pair_cost_m
from hub.matching.problem import Assignment, Options, Plan, Stats


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an engine run produced, before decoding."""

    solver: str
    status: str
    bound: float | None  # proven upper bound on Σ priority × filled slots
    gap: float | None
    unit_m: float
    components: Mapping[str, int]
    not_chosen_note: str


def assignments(arr: Arrays, search: Search, assigned: BOOL) -> tuple[Assignment, ...]:
    """Assignments in demand input order, nearest volunteer first."""
    pairs = search.pairs
    idx = np.flatnonzero(assigned)
    v, d = pairs.v[idx], pairs.d[idx]
    req = arr.d_req[d]
    lv = np.zeros(req.shape, dtype=np.int64)
    for r in range(req.shape[1]):
        has = req[:, r] >= 0
        lv[has, r] = levels(arr, v[has], req[has, r])
    names = arr.skill_names
    required = {
        di: tuple(names[s] for s in arr.d_req[di].tolist() if s >= 0)
        for di in np.unique(d).tolist()
    }
    vol_ids, dem_ids = arr.vol_ids, arr.dem_ids
    maxd, prio = arr.v_maxd.tolist(), arr.d_prio.tolist()
    level_rows = cast(list[list[int]], lv.tolist())
    rows = zip(v.tolist(), d.tolist(), pairs.dist_m[idx].tolist(), level_rows, strict=True)
    return tuple(
        Assignment(
            vol_ids[vi],
            dem_ids[di],
            dist,
            maxd[vi],
            prio[di],
            tuple(zip(required[di], lvl, strict=False)),
        )
        for vi, di, dist, lvl in rows
    )


def make_plan(
    arr: Arrays,
    search: Search,
    assigned: BOOL,
    outcome: Outcome,
    options: Options,
    *,
    started: float,
    timings: dict[str, float],
) -> Plan:
    """Assemble the plan: assignments, explained unfilled slots and stats."""
    pairs = search.pairs
    tick = time.perf_counter()
    unfilled = explain_unfilled(arr, search, assigned, not_chosen_note=outcome.not_chosen_note)
    chosen = assignments(arr, search, assigned)
    timings["decode"] = time.perf_counter() - tick
    load = np.bincount(pairs.v[assigned], minlength=arr.n_vol)
    cost = pair_cost_m(pairs.dist_m[assigned], pairs.skill[assigned], options.skill_weight)
    stats = Stats(
        solver=outcome.solver,
        status=outcome.status,
        filled_slots=int(assigned.sum()),
        total_distance_m=float(np.sum(pairs.dist_m[assigned])),
        objective=float(np.sum(arr.d_prio[pairs.d[assigned]])),
        bound=outcome.bound,
        gap=outcome.gap,
        cost_m=float(cost.sum() + fairness_m(load, options.fairness_weight).sum()),
        seconds=time.perf_counter() - started,
        candidate_pairs=len(pairs),
        distance_resolution_m=outcome.unit_m,
        components=dict(outcome.components),
        timings={k: round(v, 4) for k, v in timings.items()},
    )
    return Plan(chosen, unfilled, stats)
