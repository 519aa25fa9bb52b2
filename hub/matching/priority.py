"""The priority-area floor (老少边贫优先): fill at least a share of priority-area slots.

Seed 003 sends scarce experts first to 老少边贫 areas. With ``options.priority_min_fill_rate``
set, the plan must fill at least

    required = min(⌈rate × slots⌉, reachable)

of the slots of demands marked ``priority_area``, where ``slots`` is their Σ needed and
``reachable`` the most of them any plan can fill (volunteers in reach, skills, windows,
capacity). Capping by ``reachable`` keeps the floor always feasible: where too few volunteers
are in reach, the floor asks for every slot they can fill, and no more.

Solve: the optimum without the floor first (engine.py); if it already meets the floor it is
also the optimum with it (it is feasible, and the floor only removes plans). Otherwise one
CP-SAT model of all pairs with the floor as a constraint, the same two phases as the rest
(most Σ priority, then least cost; cpsat.py), proven optimal or with its gap. The plan's
stats carry both answers: the price of the floor in total distance and in Σ priority.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from hub.matching.arrays import BOOL, I64, Arrays, compile_problem
from hub.matching.candidates import find_pairs
from hub.matching.chunks import chunk_model
from hub.matching.cpsat import Phase
from hub.matching.decode import Outcome, make_plan
from hub.matching.objective import pair_cost_m, quantise_priorities
from hub.matching.problem import Plan, PriorityFloor, Problem

#: Share of the time limit spent finding how many priority-area slots are reachable.
REACH_SHARE = 0.25
NOTE = "were not chosen (the priority-area floor and the objective preferred other demands)"


def required_slots(rate: float, slots: int, reachable: int) -> int:
    """min(⌈rate × slots⌉, reachable), with float noise in rate × slots ignored."""
    return min(math.ceil(rate * slots - 1e-9), reachable)


def _in_area(problem: Problem) -> BOOL:
    return np.array([d.priority_area for d in problem.demands], dtype=bool)


def _filled_in_area(problem: Problem, plan: Plan) -> int:
    area = {d.id for d in problem.demands if d.priority_area}
    return sum(1 for a in plan.assignments if a.demand_id in area)


def with_floor(problem: Problem, plain: Plan) -> Plan:
    """The optimum under the priority-area floor, given ``plain``, the optimum without it."""
    started = time.perf_counter()
    opts = problem.options
    rate = opts.priority_min_fill_rate
    assert rate is not None
    arr = compile_problem(problem)
    search = find_pairs(arr, with_skill=opts.skill_weight > 0)
    pairs = search.pairs
    area = _in_area(problem)
    slots = int(arr.d_need[area].sum())
    in_area = area[pairs.d] if len(pairs) else np.zeros(0, dtype=bool)
    cost_m = pair_cost_m(pairs.dist_m, pairs.skill, opts.skill_weight)
    p_int, quantum = quantise_priorities(arr.d_prio)
    limit_s = opts.time_limit_s

    # How many priority-area slots can any plan fill: CP-SAT on their pairs alone.
    sub = np.flatnonzero(in_area)
    reach_plan = np.zeros(sub.size, dtype=bool)
    reachable, reach_proven = 0, True
    if sub.size:
        model, _ = chunk_model(arr, pairs, sub, cost_m, np.ones_like(p_int), opts.fairness_weight)
        phase = model.maximise_priority(reach_plan, limit_s * REACH_SHARE)
        reach_plan, reachable, reach_proven = phase.plan, phase.value, phase.proven
    required = required_slots(rate, slots, reachable)
    reach = (slots, reach_proven, reachable, required)
    if _filled_in_area(problem, plain) >= required:
        return _attach(plain, plain, problem, reach, False)

    # Constraint: at least `required` priority-area slots; then the usual two phases.
    everything = np.arange(len(pairs), dtype=np.int64)
    model, unit = chunk_model(arr, pairs, everything, cost_m, p_int, opts.fairness_weight)
    model.require(in_area, required)
    hint = np.zeros(len(pairs), dtype=bool)
    hint[sub] = reach_plan  # fills `reachable` ≥ `required` slots: feasible
    left = limit_s - (time.perf_counter() - started) - plain.stats.seconds
    first = model.maximise_priority(hint, max(left, limit_s * REACH_SHARE) / 2)
    left = limit_s - (time.perf_counter() - started) - plain.stats.seconds
    second = model.minimise_cost(first.plan, max(left, limit_s * REACH_SHARE) / 2)
    outcome = _outcome(arr, pairs.d, second.plan, first, second, quantum, unit)
    plan = make_plan(arr, search, second.plan, outcome, opts, started=started,
                     timings={"floor": time.perf_counter() - started})
    return _attach(plan, plain, problem, reach, True)


def _outcome(arr: Arrays, pd: I64, plan: BOOL, first: Phase, second: Phase, quantum: float,
             unit: float) -> Outcome:
    """Status, bound and gap of the floored model, as engine.py reports them."""
    objective = float(np.sum(arr.d_prio[pd[plan]]))
    proven = first.proven and second.proven
    bound: float | None = objective
    gap: float | None = 0.0
    if not first.proven:
        bound = None if first.bound is None else first.bound * quantum
        gap = None if bound is None else (bound - objective) / max(bound, 1e-12)
    elif not second.proven:
        low = second.bound
        gap = None if low is None else max(second.value - low, 0) / max(abs(low), 1)
    components = {"total": 1, "flow": 0, "cpSat": 1}
    status = "OPTIMAL" if proven else "FEASIBLE"
    return Outcome("cp_sat", status, bound, gap, unit, components, NOTE)


def _attach(plan: Plan, plain: Plan, problem: Problem, reach: tuple[int, bool, int, int],
            binding: bool) -> Plan:
    """``plan`` with the floor's figures in its stats, priced against ``plain``;
    ``reach`` is (slots, reachable proven, reachable, required)."""
    slots, proven, reachable, required = reach
    rate = problem.options.priority_min_fill_rate
    assert rate is not None
    floor = PriorityFloor(
        min_fill_rate=rate,
        slots=slots,
        reachable=reachable,
        reachable_proven=proven,
        required=required,
        filled=_filled_in_area(problem, plan),
        binding=binding,
        filled_without=_filled_in_area(problem, plain),
        objective_without=plain.stats.objective,
        distance_without_m=plain.stats.total_distance_m,
        price_distance_m=plan.stats.total_distance_m - plain.stats.total_distance_m,
        price_objective=plain.stats.objective - plan.stats.objective,
    )
    return replace(plan, stats=replace(plan.stats, priority_floor=floor))
