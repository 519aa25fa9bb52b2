"""CP-SAT model of the dispatch problem, for parts that are not flow-shaped.

The lexicographic objective is solved in two phases rather than with one big-M weight,
which keeps CP-SAT's coefficients small: first maximise Σ P(d) over filled slots; then,
with at least that total kept, minimise the second tier Σ sec(v, d) plus the fairness
penalties. The overlap rule is "at most one" over every maximal set of a volunteer's
candidate windows that share a moment.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from hub.matching.arrays import BOOL, I64

#: One worker with the stronger LP relaxation: on the 2-core target machine this closes
#: both tiers far faster than a portfolio of workers, and it is deterministic.
WORKERS = 1
LINEARIZATION_LEVEL = 2
#: CP-SAT overruns its limit a little on large models (presolve, the last LP): it is given
#: this share less.
CP_OVERRUN = 0.05


@dataclass(frozen=True, slots=True)
class Phase:
    plan: BOOL
    value: int  # Σ P (phase 1) or the second tier in units (phase 2) of ``plan``
    bound: int | None  # proven bound on that value (upper for phase 1, lower for phase 2)
    proven: bool


def overlap_cliques(starts: I64, ends: I64) -> list[list[int]]:
    """Maximal sets of half-open windows sharing a moment (sweep over starts)."""
    cliques: list[list[int]] = []
    active: list[int] = []
    grew = False
    for i in np.lexsort((ends, starts)).tolist():
        still = [j for j in active if ends[j] > starts[i]]
        if len(still) < len(active) and grew:
            cliques.append(active)
            grew = False
        active = [*still, i]
        grew = True
    if grew:
        cliques.append(active)
    return [c for c in cliques if len(c) >= 2]


def _bound(value: float, rounding: Callable[[float], int]) -> int | None:
    """CP-SAT's objective bound as an integer, None when it is not finite."""
    if not math.isfinite(value):
        return None
    return rounding(value + (1e-6 if rounding is math.floor else -1e-6))


def _groups(keys: I64) -> list[I64]:
    order = np.argsort(keys, kind="stable")
    bounds = np.flatnonzero(np.diff(keys[order])) + 1
    return np.split(order, bounds)


class ChunkModel:
    """One chunk's model; pairs index local volunteers ``pv`` and demands ``pd``."""

    def __init__(
        self,
        *,
        pv: I64,
        pd: I64,
        sec: I64,
        p_int: I64,
        v_cap: I64,
        d_need: I64,
        d_start: I64,
        d_end: I64,
        fair_step: int,
    ) -> None:
        # Data: pairs grouped by volunteer and by demand; the priority of each pair's demand.
        self.pv, self.sec, self.v_cap, self.fair_step = pv, sec, v_cap, fair_step
        self.prio = p_int[pd]
        n = pv.size
        model = self.model = cp_model.CpModel()

        # Variables: x[p] is 1 when pair p's volunteer serves its demand.
        self.x = x = [model.new_bool_var(f"x{p}") for p in range(n)]

        # Constraint: a demand is served by at most `needed` volunteers.
        for members in _groups(pd):
            need = int(d_need[pd[members[0]]])
            if members.size > need:
                model.add(sum(x[p] for p in members.tolist()) <= need)

        self.fair_terms: list[tuple[cp_model.IntVar, int]] = []
        self.fair_vars: list[tuple[I64, list[cp_model.IntVar]]] = []
        for members in _groups(pv):
            v = int(pv[members[0]])
            cap = int(v_cap[v])
            load = min(cap, members.size)
            # Constraint: a volunteer serves at most `capacity` demands.
            if members.size > cap:
                model.add(sum(x[p] for p in members.tolist()) <= cap)
            # Constraint: a volunteer never serves two demands whose windows overlap.
            if cap >= 2:
                local = pd[members]
                for clique in overlap_cliques(d_start[local], d_end[local]):
                    model.add_at_most_one(x[int(members[j])] for j in clique)
            # Fairness: extra[k] is 1 when the volunteer serves more than k + 1 demands.
            if fair_step > 0 and load >= 2:
                extra = [model.new_bool_var(f"extra{v}_{k}") for k in range(load - 1)]
                model.add(sum(x[p] for p in members.tolist()) <= 1 + sum(extra))
                for k in range(load - 2):
                    model.add_implication(extra[k + 1], extra[k])
                self.fair_vars.append((members, extra))
                self.fair_terms.extend((var, (k + 1) * fair_step) for k, var in enumerate(extra))
        self.filled = sum(int(c) * x[p] for p, c in enumerate(self.prio.tolist()))
        self.kept = -1

    def require(self, pairs: BOOL, at_least: int) -> None:
        """Constraint: at least ``at_least`` of the marked pairs are chosen (the priority-area
        floor, priority.py)."""
        self.model.add(sum(self.x[p] for p in np.flatnonzero(pairs).tolist()) >= at_least)

    def primary(self, plan: BOOL) -> int:
        return int(self.prio[plan].sum())

    def tier2(self, plan: BOOL) -> int:
        load = np.bincount(self.pv[plan], minlength=self.v_cap.size)
        return int(self.sec[plan].sum()) + self.fair_step * int((load * (load - 1) // 2).sum())

    def _hint(self, plan: BOOL) -> None:
        self.model.clear_hints()
        for p, var in enumerate(self.x):
            self.model.add_hint(var, bool(plan[p]))
        for members, extra in self.fair_vars:
            load = int(plan[members].sum())
            for k, var in enumerate(extra):
                self.model.add_hint(var, k + 1 < load)

    def _solve(self, plan: BOOL, limit_s: float, begun: float
               ) -> tuple[cp_model.CpSolver, BOOL | None, bool]:
        """Solve from a feasible hint; handle every status (the hint is always feasible).
        ``limit_s`` counts from ``begun`` (time.perf_counter), so setting the objective and
        the hint (seconds on a large model) comes out of it too."""
        self._hint(plan)
        solver = cp_model.CpSolver()
        left = limit_s - (time.perf_counter() - begun)
        solver.parameters.max_time_in_seconds = max(left * (1 - CP_OVERRUN), 0.05)
        solver.parameters.num_workers = WORKERS
        solver.parameters.linearization_level = LINEARIZATION_LEVEL
        solver.parameters.random_seed = 0
        status = solver.solve(self.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            values = np.asarray(solver.response_proto.solution, dtype=np.int64)
            found = values[[var.index for var in self.x]] > 0
            return solver, found, status == cp_model.OPTIMAL
        if status == cp_model.UNKNOWN:
            return solver, None, False
        if status == cp_model.INFEASIBLE:
            raise RuntimeError("CP-SAT: INFEASIBLE, impossible since the hinted plan is feasible")
        if status == cp_model.MODEL_INVALID:
            raise RuntimeError(f"CP-SAT: MODEL_INVALID: {self.model.validate()}")
        raise RuntimeError(f"CP-SAT: unexpected status {solver.status_name(status)}")

    def maximise_priority(self, hint: BOOL, limit_s: float) -> Phase:
        """Phase 1: the most priority-weighted slots (objective: Σ P over filled slots)."""
        begun = time.perf_counter()
        self.model.maximize(self.filled)
        solver, found, proven = self._solve(hint, limit_s, begun)
        plan = hint.copy() if found is None else found
        if self.primary(hint) == self.primary(plan) and self.tier2(hint) < self.tier2(plan):
            plan = hint.copy()
        value = self.primary(plan)
        bound = _bound(solver.best_objective_bound, math.floor)
        # No solve at all (time limit before the first solution) proves nothing.
        return Phase(plan, value, bound if bound is not None and bound >= value else None, proven)

    def minimise_cost(self, plan: BOOL, limit_s: float) -> Phase:
        """Phase 2: keeping at least the plan's Σ P, the least second-tier cost."""
        begun = time.perf_counter()
        keep = self.primary(plan)
        if keep != self.kept:
            # Constraint: at least as many priority units as the plan fills.
            self.model.add(self.filled >= keep)
            self.kept = keep
        self.model.minimize(
            sum(int(c) * self.x[p] for p, c in enumerate(self.sec.tolist()))
            + sum(c * var for var, c in self.fair_terms)
        )
        solver, found, proven = self._solve(plan, limit_s, begun)
        if found is None:
            return Phase(plan, self.tier2(plan), None, False)
        value = self.tier2(found)
        bound = _bound(solver.best_objective_bound, math.ceil)
        return Phase(found, value, bound if bound is not None and bound <= value else None, proven)
