"""A chunk too large for CP-SAT within its time: the model on the cheapest candidates only.

Building CP-SAT's model costs time in proportion to its pairs (``CP_PAIRS_PER_S``, measured
on 广州's national week: 810,000 pairs took ~23 s to build, hint and set an objective on the
2 shared cores), and only CP-SAT's own search stops at the time limit. So when a chunk's
model would take more than ``BUILD_SHARE`` of the chunk's time, CP-SAT gets a restricted
model instead: per demand its ``k`` cheapest candidates (cost_m: distance minus the skill
bonus), ``k`` the largest that keeps the model within budget, plus every pair of the plan it
starts from (so that plan stays feasible and CP-SAT can only improve it).

A plan of the restricted model is a plan of the whole chunk (fewer pairs, same rules), but
CP-SAT's bounds hold for the restricted model only: they are dropped, and the chunk's status
and gap come from the flow relaxation over all its pairs (chunks.py) — honest, possibly
loose. When not even ``MIN_PER_DEMAND`` candidates per demand fit, CP-SAT does not run and
the dive's plan stands; it also stands, without CP-SAT, when it already fills as many
priority units as the relaxation at a cost within ``ENOUGH_GAP`` (1%) of its proven lower
bound: a restricted model could only win part of that gap and cannot prove anything.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hub.matching.arrays import BOOL, F64, I64
from hub.matching.cpsat import ChunkModel, Phase

#: CP-SAT model building (variables, constraints, hint, objective), pairs per second.
CP_PAIRS_PER_S = 40_000
#: At most this share of a chunk's time goes to building its model.
BUILD_SHARE = 0.3
#: A chunk too large for its full model whose dive already fills the relaxation's priority
#: units at a cost within this share of the relaxation's (its proven gap) skips CP-SAT.
ENOUGH_GAP = 0.01
#: Fewer candidates per demand than this is not worth a CP-SAT model.
MIN_PER_DEMAND = 3


def budget_pairs(seconds: float) -> int:
    """The most pairs whose model builds within ``BUILD_SHARE`` of ``seconds``."""
    return int(max(seconds, 0.0) * BUILD_SHARE * CP_PAIRS_PER_S)


def cheapest(pd: I64, cost: F64, keep: BOOL, limit: int) -> BOOL | None:
    """Pairs to model: per demand (``pd``, local) the cheapest ``k``, ``k`` the largest with
    at most ``limit`` pairs, plus the ``keep`` pairs; None when ``k < MIN_PER_DEMAND``.
    Ties in cost go to the earlier pair, so the choice is deterministic."""
    order = np.lexsort((np.arange(pd.size), cost, pd))
    first = np.ones(pd.size, dtype=bool)
    first[1:] = pd[order][1:] != pd[order][:-1]
    starts = np.flatnonzero(first)
    run = np.repeat(starts, np.diff(np.append(starts, pd.size)))
    rank = np.empty(pd.size, dtype=np.int64)
    rank[order] = np.arange(pd.size) - run
    if limit >= pd.size:
        return np.ones(pd.size, dtype=bool)
    k = int(np.sort(rank)[max(limit, 0)])  # rank < k: at most ``limit`` pairs
    if k < MIN_PER_DEMAND:
        return None
    return (rank < k) | keep


class Restricted:
    """ChunkModel on the pairs ``sub`` of a chunk: plans in and out over the whole chunk;
    a result replaces the plan given only when it fills at least as many priority units at
    a lower second tier (``primary``/``tier2``: the chunk's own measures, flow units)."""

    def __init__(self, model: ChunkModel, sub: BOOL, primary: Callable[[BOOL], int],
                 tier2: Callable[[BOOL], int]) -> None:
        self.model, self.sub = model, np.flatnonzero(sub)
        self.n = sub.size
        self._primary, self._tier2 = primary, tier2

    def _whole(self, plan: BOOL) -> BOOL:
        out = np.zeros(self.n, dtype=bool)
        out[self.sub] = plan
        return out

    def _better(self, found: BOOL, given: BOOL) -> BOOL:
        p, t = self._primary, self._tier2
        if p(found) > p(given) or (p(found) == p(given) and t(found) < t(given)):
            return found
        return given

    def maximise_priority(self, hint: BOOL, limit_s: float) -> Phase:
        """Phase 1 on the restricted model; no bound (the caller bounds it by the flows)."""
        got = self.model.maximise_priority(hint[self.sub], limit_s)
        plan = self._better(self._whole(got.plan), hint)
        return Phase(plan, self._primary(plan), None, False)

    def minimise_cost(self, plan: BOOL, limit_s: float) -> Phase:
        """Phase 2 on the restricted model; never proven, no bound (value: flow units)."""
        got = self.model.minimise_cost(plan[self.sub], limit_s)
        best = self._better(self._whole(got.plan), plan)
        return Phase(best, self._tier2(best), None, False)
