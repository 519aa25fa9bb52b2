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
from dataclasses import dataclass

import numpy as np

from hub.matching.arrays import BOOL, F64, I64, Arrays, EngineArrays, compile_problem
from hub.matching.candidates import Pairs, Search, find_pairs, pairs_for_demand
from hub.matching.chunks import FLOW_COST_CAP, ChunkFlow, overlapping, solve_chunks, split_chunks
from hub.matching.decode import Outcome, make_plan
from hub.matching.flow import CostRangeError
from hub.matching.objective import fairness_m, pair_cost_m, quantise_priorities
from hub.matching.parts import split_pairs
from hub.matching.priority import with_floor
from hub.matching.problem import Options, Plan, Problem, ProblemError
from hub.matching.structure import Structure, analyse

#: Components are solved in flow batches of about this many pairs.
FLOW_BATCH_PAIRS = 50_000
#: Decoding and explaining after the engines, seconds per candidate pair (广州's national
#: week: ~2.5 s for 810,000 pairs on the 2 shared cores), and at most this share of the limit.
DECODE_S_PER_PAIR = 4e-6
DECODE_SHARE = 0.2
NOTE_TIME_LIMIT = "were not chosen (the solver stopped at its time limit)"


def _flow(
    arr: EngineArrays, pairs: Pairs, st: Structure, cost_m: F64, p_int: I64, fairness: float
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


def engine_limit_s(time_limit_s: float, n_pairs: int) -> float:
    """The engines' share of ``timeLimitS``: the limit less what decoding the plan and
    explaining its unfilled demands will take after them (``DECODE_S_PER_PAIR``, at most
    ``DECODE_SHARE`` of the limit), so that the limit bounds the whole solve."""
    return time_limit_s - min(DECODE_SHARE * time_limit_s, DECODE_S_PER_PAIR * n_pairs)


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


@dataclass(frozen=True)
class Prepared:
    """A problem compiled, its candidate pairs, their costs and the priorities in integers."""

    arr: Arrays
    search: Search
    cost_m: F64
    p_int: I64
    quantum: float
    started: float
    timings: dict[str, float]

    @property
    def pairs(self) -> Pairs:
        return self.search.pairs


@dataclass(frozen=True)
class PartResult:
    """One part's solve (a union of components, parts.py): the plan over its pairs and what
    the whole plan's status, bound and gap are made of."""

    assigned: BOOL  # per pair of the part, in the part's order
    proven: bool
    primary_open: bool  # the priority tier is not proven
    primary_bound: int  # proven upper bound on Σ P over the part
    cost_low_m: float | None  # proven lower bound on the part's cost tier, None if unknown
    unit_m: float
    n_comp: int
    n_cp: int  # components where CP-SAT ran


def priority_units(priority: F64, quantum: float) -> I64:
    """The integer priorities P of ``quantise_priorities``, from its quantum (so that a part
    solved elsewhere gets exactly the whole problem's integers)."""
    return np.maximum(np.rint(priority / quantum), 1).astype(np.int64)


def prepare(problem: Problem, *, quantum: float | None = None) -> Prepared:
    """Compile, find the candidate pairs, cost them; ``quantum`` from the whole problem when
    this is one part of it."""
    started = time.perf_counter()
    opts = problem.options
    arr = compile_problem(problem)
    timings = {"compile": time.perf_counter() - started}
    tick = time.perf_counter()
    search = find_pairs(arr, with_skill=opts.skill_weight > 0)
    timings["candidates"] = time.perf_counter() - tick
    pairs = search.pairs
    cost_m = pair_cost_m(pairs.dist_m, pairs.skill, opts.skill_weight)
    if quantum is None:
        quantum = quantise_priorities(arr.d_prio)[1]
    return Prepared(arr, search, cost_m, priority_units(arr.d_prio, quantum), quantum,
                    started, timings)


def _clocked(timings: dict[str, float], key: str, tick: float) -> float:
    now = time.perf_counter()
    timings[key] = timings.get(key, 0.0) + now - tick
    return now


def solve_pairs(prep: Prepared, idx: I64, options: Options, deadline: float) -> PartResult:
    """The engine on the pairs ``idx`` (whole components) of a prepared problem."""
    return solve_kernel(prep.arr, prep.pairs.take(idx), prep.cost_m[idx], prep.p_int, options,
                        deadline, prep.timings)


def solve_kernel(arr: EngineArrays, pairs: Pairs, cost_m: F64, p_int: I64, options: Options,
                 deadline: float, timings: dict[str, float]) -> PartResult:
    """The engine on ``pairs`` (whole components; ``cost_m`` per pair, ``p_int`` per demand of
    ``arr``): flows, then the chunks that need CP-SAT, until ``deadline``
    (time.perf_counter); the phases' seconds are added to ``timings``."""
    opts = options
    tick = time.perf_counter()
    st = analyse(pairs.v, pairs.d, arr.v_cap, arr.d_start, arr.d_end, arr.n_vol, arr.n_dem)
    tick = _clocked(timings, "structure", tick)
    relaxed, flow_unit = _flow(arr, pairs, st, cost_m, p_int, opts.fairness_weight)
    tick = _clocked(timings, "flow", tick)
    if opts.engine == "cp_sat":
        to_cp = np.ones(st.n_comp, dtype=bool)
    else:
        sel = np.flatnonzero(relaxed & ~st.comp_exact[st.comp])
        to_cp = np.zeros(st.n_comp, dtype=bool)
        to_cp[st.comp[sel[overlapping(arr, pairs.v[sel], pairs.d[sel])]]] = True
    assigned = relaxed.copy()
    chunks = split_chunks(st.comp, to_cp)
    tally = solve_chunks(arr, pairs, st, cost_m, p_int, relaxed, chunks, assigned, opts, deadline)
    _clocked(timings, "cp_sat", tick)
    in_flow = assigned & ~to_cp[st.comp]
    low = tally.cost_bound_m
    if low is not None:
        low += _plan_cost_m(pairs, in_flow, cost_m, opts.fairness_weight)
    return PartResult(assigned, tally.proven, tally.primary_open,
                      int(p_int[pairs.d[in_flow]].sum()) + tally.primary_bound, low,
                      max(flow_unit, tally.unit_m), st.n_comp, tally.cp_components)


def _solve_plain(problem: Problem) -> Plan:
    """Every part of the problem in turn (parts.py), the time limit shared by size."""
    prep = prepare(problem)
    deadline = prep.started + engine_limit_s(problem.options.time_limit_s, len(prep.pairs))
    parts = split_pairs(prep.arr, prep.pairs, [d.region for d in problem.demands])
    left = sum(p.size for p in parts)
    results = []
    for idx in parts:
        now = time.perf_counter()
        share = now + (deadline - now) * idx.size / max(left, 1)
        left -= idx.size
        results.append((idx, solve_pairs(prep, idx, problem.options, share)))
    return finish(prep, problem.options, results)


def finish(prep: Prepared, opts: Options, results: Sequence[tuple[I64, PartResult]]) -> Plan:
    """One plan from the parts' results (``idx``: each part's pairs in the whole problem)."""
    arr, pairs = prep.arr, prep.pairs
    assigned = np.zeros(len(pairs), dtype=bool)
    for idx, res in results:
        assigned[idx[res.assigned]] = True
    objective = float(np.sum(arr.d_prio[pairs.d[assigned]]))
    parts = [res for _, res in results]
    proven = all(r.proven for r in parts)
    bound: float | None = objective
    gap: float | None = 0.0
    if not proven:
        bound = sum(r.primary_bound for r in parts) * prep.quantum
        lows = [r.cost_low_m for r in parts]
        if any(r.primary_open for r in parts):
            gap = (bound - objective) / max(bound, 1e-12)
        elif any(x is None for x in lows):
            gap = None
        else:
            low = sum(x for x in lows if x is not None)
            total = _plan_cost_m(pairs, assigned, prep.cost_m, opts.fairness_weight)
            gap = max(total - low, 0.0) / max(abs(low), 1.0)
    n_comp = sum(r.n_comp for r in parts)
    n_cp = sum(r.n_cp for r in parts)
    if n_cp == 0:
        solver = "cp_sat" if opts.engine == "cp_sat" else "min_cost_flow"
    elif n_cp == n_comp:
        solver = "cp_sat"
    else:
        solver = "min_cost_flow+cp_sat"
    components = {"total": n_comp, "flow": n_comp - n_cp, "cpSat": n_cp} if parts else {}
    if len(parts) > 1:
        components["parts"] = len(parts)
    unit = max((r.unit_m for r in parts), default=0.001)
    status = "OPTIMAL" if proven else "FEASIBLE"
    outcome = Outcome(solver, status, bound, gap, unit, components, NOTE_TIME_LIMIT)
    return make_plan(arr, prep.search, assigned, outcome, opts, started=prep.started,
                     timings=prep.timings)


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
