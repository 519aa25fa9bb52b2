"""solve(problem) -> Plan: candidates, engine choice, exact decomposition, decode.

Engine rule. The candidate pairs split into connected components, which never interact.
A component is flow-shaped when every volunteer in it has capacity 1 or candidate windows
whose time clusters are cliques (see structure.py); min-cost flow solves those exactly. The
flow runs over every component (in batches); in a component that is not flow-shaped it
solves a relaxation, and when the relaxed optimum happens to respect the overlap rule it is
optimal as it stands. Only components whose relaxed optimum breaks the rule go on, one
chunk at a time, to a flow dive and CP-SAT (chunks.py), sharing the time limit by size.
With ``options.engine == "cp_sat"`` every component goes that way and CP-SAT always runs.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from hub.matching.arrays import BOOL, F64, I64, Arrays, compile_problem
from hub.matching.candidates import Pairs, find_pairs, pairs_for_demand
from hub.matching.chunks import FLOW_COST_CAP, ChunkFlow, overlapping, solve_chunks, split_chunks
from hub.matching.decode import Outcome, make_plan
from hub.matching.flow import CostRangeError
from hub.matching.objective import fairness_m, pair_cost_m, quantise_priorities
from hub.matching.priority import with_floor
from hub.matching.problem import Plan, Problem, ProblemError
from hub.matching.structure import Structure, analyse

#: Components are solved in flow batches of about this many pairs.
FLOW_BATCH_PAIRS = 50_000
NOTE_TIME_LIMIT = "were not chosen (the solver stopped at its time limit)"


def _flow(
    arr: Arrays, pairs: Pairs, st: Structure, cost_m: F64, p_int: I64, fairness: float
) -> tuple[BOOL, float]:
    """Optimal (or relaxed) plan of every component by lexicographic min-cost flows, one per
    batch of components (smaller graphs solve faster); and the coarsest distance unit used."""
    assigned = np.zeros(len(pairs), dtype=bool)
    unit = 0.0
    everything = np.ones(st.n_comp, dtype=bool)
    for idx in split_chunks(st.comp, everything, FLOW_BATCH_PAIRS):
        cap = FLOW_COST_CAP
        for _ in range(4):
            flow = ChunkFlow(arr, pairs, st, idx, cost_m, p_int, fairness, cap)
            try:
                assigned[idx] = flow.solve(np.ones(idx.size, dtype=bool))
                break
            except CostRangeError:
                cap //= 1024
        else:
            raise RuntimeError("min-cost flow rejected every cost scale (BAD_COST_RANGE)")
        unit = max(unit, flow.unit_m)
    return assigned, unit


def _plan_cost_m(pairs: Pairs, plan: BOOL, cost_m: F64, fairness: float) -> float:
    load = np.unique(pairs.v[plan], return_counts=True)[1]
    return float(cost_m[plan].sum() + fairness_m(load, fairness).sum())


def solve(problem: Problem) -> Plan:
    """The best plan: most priority-weighted slots, then least cost (docs/matching.md); with
    ``options.priority_min_fill_rate``, under the priority-area floor (priority.py)."""
    plain = _solve_plain(problem)
    if problem.options.priority_min_fill_rate is None:
        return plain
    return with_floor(problem, plain)


def _solve_plain(problem: Problem) -> Plan:
    started = time.perf_counter()
    timings: dict[str, float] = {}
    opts = problem.options
    arr = compile_problem(problem)
    timings["compile"] = time.perf_counter() - started
    tick = time.perf_counter()
    search = find_pairs(arr, with_skill=opts.skill_weight > 0)
    pairs = search.pairs
    timings["candidates"] = time.perf_counter() - tick
    if len(pairs) == 0:
        label = "cp_sat" if opts.engine == "cp_sat" else "min_cost_flow"
        outcome = Outcome(label, "OPTIMAL", 0.0, 0.0, 0.001, {}, NOTE_TIME_LIMIT)
        none = np.zeros(0, dtype=bool)
        return make_plan(arr, search, none, outcome, opts, started=started, timings=timings)

    tick = time.perf_counter()
    cost_m = pair_cost_m(pairs.dist_m, pairs.skill, opts.skill_weight)
    p_int, quantum = quantise_priorities(arr.d_prio)
    st = analyse(pairs.v, pairs.d, arr.v_cap, arr.d_start, arr.d_end, arr.n_vol, arr.n_dem)
    timings["structure"] = time.perf_counter() - tick
    tick = time.perf_counter()
    relaxed, flow_unit = _flow(arr, pairs, st, cost_m, p_int, opts.fairness_weight)
    timings["flow"] = time.perf_counter() - tick

    tick = time.perf_counter()
    if opts.engine == "cp_sat":
        to_cp = np.ones(st.n_comp, dtype=bool)
    else:
        sel = np.flatnonzero(relaxed & ~st.comp_exact[st.comp])
        to_cp = np.zeros(st.n_comp, dtype=bool)
        to_cp[st.comp[sel[overlapping(arr, pairs.v[sel], pairs.d[sel])]]] = True
    assigned = relaxed.copy()
    chunks = split_chunks(st.comp, to_cp)
    deadline = started + opts.time_limit_s
    tally = solve_chunks(arr, pairs, st, cost_m, p_int, relaxed, chunks, assigned, opts, deadline)
    timings["cp_sat"] = time.perf_counter() - tick

    objective = float(np.sum(arr.d_prio[pairs.d[assigned]]))
    in_flow = assigned & ~to_cp[st.comp]
    bound: float | None = objective
    gap: float | None = 0.0
    if not tally.proven:
        bound = (int(p_int[pairs.d[in_flow]].sum()) + tally.primary_bound) * quantum
        if tally.primary_open:
            gap = (bound - objective) / max(bound, 1e-12)
        elif tally.cost_bound_m is None:
            gap = None
        else:
            flow_cost = _plan_cost_m(pairs, in_flow, cost_m, opts.fairness_weight)
            total = _plan_cost_m(pairs, assigned, cost_m, opts.fairness_weight)
            low = flow_cost + tally.cost_bound_m
            gap = max(total - low, 0.0) / max(abs(low), 1.0)
    n_cp = tally.cp_components
    if n_cp == 0:
        solver = "cp_sat" if opts.engine == "cp_sat" else "min_cost_flow"
    elif n_cp == st.n_comp:
        solver = "cp_sat"
    else:
        solver = "min_cost_flow+cp_sat"
    components = {"total": st.n_comp, "flow": st.n_comp - n_cp, "cpSat": n_cp}
    outcome = Outcome(
        solver,
        "OPTIMAL" if tally.proven else "FEASIBLE",
        bound,
        gap,
        max(flow_unit, tally.unit_m),
        components,
        NOTE_TIME_LIMIT,
    )
    return make_plan(arr, search, assigned, outcome, opts, started=started, timings=timings)


def candidates_for_demand(
    problem: Problem, demand_id: str, exclude: Sequence[str] = ()
) -> list[tuple[str, float]]:
    """Volunteers who meet every hard rule for one demand, best first, as (id, distance_m).

    Best = lowest pair cost (distance minus the skill bonus of ``options``), then nearest,
    then input order. Volunteers in ``exclude`` (e.g. who declined) are left out.
    """
    arr = compile_problem(problem)
    try:
        di = arr.dem_ids.index(demand_id)
    except ValueError:
        raise ProblemError("demandId", f"no demand with id {demand_id!r}") from None
    pairs = pairs_for_demand(arr, di, with_skill=problem.options.skill_weight > 0)
    cost = pair_cost_m(pairs.dist_m, pairs.skill, problem.options.skill_weight)
    skip = set(exclude)
    order = np.lexsort((pairs.v, pairs.dist_m, cost))
    ranked = [(arr.vol_ids[int(pairs.v[i])], float(pairs.dist_m[i])) for i in order.tolist()]
    return [(ident, dist) for ident, dist in ranked if ident not in skip]
