"""The components that are not flow-shaped: a flow dive for a plan, CP-SAT for the proof.

For each chunk (one component, or tiny components bundled):

1. Dive: re-solve the chunk's min-cost flow, each round banning the assignments that
   overlap an earlier one of the same volunteer, until the flow's plan breaks no rule;
   free slots are then refilled greedily. Milliseconds a round; CP-SAT's hint.
2. CP-SAT phase 1 (cpsat.py) proves the most priority units P*.
3. Cost-tier lower bound without CP-SAT: when the flow relaxation fills exactly P*, its cost
   (every real plan is a relaxed plan); otherwise a Lagrangian bound, max over λ of the
   relaxation's min(Σ sec − λ·Σ P) + λ·P*, found by bisection on λ with flows. A dive from
   the relaxed plan at the λ that first fills P* often improves the hint.
4. CP-SAT phase 2 improves the cost tier and may prove it; spare time at the end goes to
   the chunks still open.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from hub.matching.arrays import BOOL, F64, I64, EngineArrays
from hub.matching.candidates import Pairs
from hub.matching.cpsat import ChunkModel, Phase
from hub.matching.flow import build, cost_limit, min_cost, solve_lexicographic
from hub.matching.objective import FAIRNESS_M, cp_unit, scale
from hub.matching.problem import Options
from hub.matching.restrict import ENOUGH_GAP, Restricted, budget_pairs, cheapest
from hub.matching.structure import Structure

#: Tiny components are bundled into chunks of at least this many pairs.
CHUNK_PAIRS = 2_000
#: Largest second-tier pair cost handed to CP-SAT, in its distance unit.
CP_COST_CAP = 2**20
#: Largest arc cost handed to the min-cost flow (also bounded by its node count).
FLOW_COST_CAP = 2**40
DIVE_ROUNDS = 60
LAGRANGE_ROUNDS = 40
#: Phase 1 (priority) may use at most this share of a chunk's time; phase 2 the rest.
PHASE1_SHARE = 0.6
#: Spare time below this is not worth another CP-SAT call.
POLISH_MIN_S = 0.2


def overlapping(arr: EngineArrays, v: I64, d: I64) -> BOOL:
    """Per pair of a plan: its volunteer also serves an earlier-starting overlapping demand."""
    s, e = arr.d_start[d], arr.d_end[d]
    order = np.lexsort((s, v))
    t0 = int(s.min(initial=0))
    span = int(e.max(initial=1)) - t0 + 1
    ks = v[order] * span + (s[order] - t0)
    ke = v[order] * span + (e[order] - t0)
    bad = np.zeros(v.size, dtype=bool)
    if v.size > 1:
        bad[order[1:]] = ks[1:] < np.maximum.accumulate(ke)[:-1]
    return bad


def split_chunks(comp: I64, wanted: BOOL, at_least: int = CHUNK_PAIRS) -> list[I64]:
    """Pair indices of the wanted components: one chunk each, small ones bundled."""
    order = np.argsort(comp, kind="stable")
    bounds = np.flatnonzero(np.diff(comp[order])) + 1
    chunks: list[I64] = []
    current: list[I64] = []
    size = 0
    for part in np.split(order, bounds):
        if part.size == 0 or not wanted[comp[part[0]]]:
            continue
        current.append(part)
        size += part.size
        if size >= at_least:
            chunks.append(np.sort(np.concatenate(current)))
            current, size = [], 0
    if current:
        chunks.append(np.sort(np.concatenate(current)))
    return chunks


def refill(arr: EngineArrays, pairs: Pairs, idx: I64, plan: BOOL, cost_m: F64) -> BOOL:
    """Add pairs to a feasible plan greedily (highest priority, then lowest cost first)."""
    # Lists, not arrays: element-wise numpy indexing dominated this loop over every pair.
    keep = plan.tolist()
    pv, pd = pairs.v[idx].tolist(), pairs.d[idx].tolist()
    start, end = arr.d_start.tolist(), arr.d_end.tolist()
    cap, need = arr.v_cap.tolist(), arr.d_need.tolist()
    room = {d: need[d] for d in set(pd)}
    serving: dict[int, list[int]] = {v: [] for v in set(pv)}
    for p in np.flatnonzero(plan).tolist():
        room[pd[p]] -= 1
        serving[pv[p]].append(pd[p])
    for p in np.lexsort((cost_m[idx], -arr.d_prio[pairs.d[idx]])).tolist():
        d = pd[p]
        if keep[p] or room[d] <= 0:
            continue
        v = pv[p]
        mine = serving[v]
        if len(mine) >= cap[v]:
            continue
        if any(start[o] < end[d] and start[d] < end[o] for o in mine):
            continue
        keep[p] = True
        room[d] -= 1
        mine.append(d)
    return np.asarray(keep, dtype=bool)


class ChunkFlow:
    """The chunk's flow relaxation on local numbers, re-solvable with pairs banned."""

    def __init__(
        self,
        arr: EngineArrays,
        pairs: Pairs,
        st: Structure,
        idx: I64,
        cost_m: F64,
        p_int: I64,
        fairness: float,
        cost_cap: int = FLOW_COST_CAP,
    ) -> None:
        self.arr, self.pairs, self.idx = arr, pairs, idx
        self.vs, v_loc = np.unique(pairs.v[idx], return_inverse=True)
        self.ds, d_loc = np.unique(pairs.d[idx], return_inverse=True)
        self.v_loc, self.d_loc = v_loc.ravel(), d_loc.ravel()
        # The chunk's groups, renumbered; parents keep pointing at their local numbers.
        groups = np.flatnonzero(np.isin(st.group_v, self.vs))
        local = np.full(st.n_groups + 1, -1, dtype=np.int64)
        local[groups] = np.arange(groups.size)
        self.g_loc = local[st.pair_group[idx]]
        self.group_v = np.searchsorted(self.vs, st.group_v[groups])
        self.group_parent = local[st.group_parent[groups]]
        self.group_cap = st.group_cap[groups]
        self.p_int = p_int[self.ds]
        comps, comp = np.unique(st.comp[idx], return_inverse=True)
        nodes = 2 + self.vs.size + groups.size + self.ds.size
        self.sc = scale(
            cost_m=cost_m[idx],
            pv=self.v_loc,
            pd=self.d_loc,
            group=comp.ravel(),
            n_groups=comps.size,
            v_cap=arr.v_cap[self.vs],
            d_need=arr.d_need[self.ds],
            p_int=self.p_int,
            fairness_weight=fairness,
            cost_cap=min(cost_cap, cost_limit(nodes)),
        )

    @property
    def big_m(self) -> int:
        return int(self.sc.big_m.max())

    @property
    def unit_m(self) -> float:
        return self.sc.unit_m

    def solve(self, alive: BOOL, per_priority: int | None = None) -> BOOL:
        """Relaxed optimum over the alive pairs: lexicographic, or of Σ sec − λ·Σ P."""
        sub = np.flatnonzero(alive)
        net = build(
            pv=self.v_loc[sub],
            pd=self.d_loc[sub],
            pair_group=self.g_loc[sub],
            sec=self.sc.sec[sub],
            p_int=self.p_int,
            v_cap=self.arr.v_cap[self.vs],
            d_need=self.arr.d_need[self.ds],
            group_v=self.group_v,
            group_parent=self.group_parent,
            group_cap=self.group_cap,
            fair_step=self.sc.fair_step,
        )
        if per_priority is None:
            res = solve_lexicographic(net, self.sc.reward)
        else:
            res = min_cost(net, per_priority * net.prio)
        plan = np.zeros(self.idx.size, dtype=bool)
        plan[sub[res.assigned]] = True
        return plan

    def primary(self, plan: BOOL) -> int:
        return int(self.p_int[self.d_loc[plan]].sum())

    def tier2(self, plan: BOOL) -> int:
        load = np.bincount(self.v_loc[plan], minlength=self.vs.size)
        fair = self.sc.fair_step * int((load * (load - 1) // 2).sum())
        return int(self.sc.sec[plan].sum()) + fair

    def clashes(self, plan: BOOL) -> I64:
        chosen = np.flatnonzero(plan)
        idx = self.idx[chosen]
        return chosen[overlapping(self.arr, self.pairs.v[idx], self.pairs.d[idx])]

    def dive(self, plan: BOOL, deadline: float = math.inf) -> BOOL:
        """From a relaxed plan, ban clashing pairs and re-solve until no rule is broken (or
        the rounds or the time run out: the clashing pairs are then dropped)."""
        alive = np.ones(self.idx.size, dtype=bool)
        for _ in range(DIVE_ROUNDS):
            bad = self.clashes(plan)
            if bad.size == 0:
                return plan
            if time.perf_counter() >= deadline:
                break
            alive[bad] = False
            plan = self.solve(alive)
        plan = plan.copy()
        plan[self.clashes(plan)] = False
        return plan

    def lagrange(self, target: int, deadline: float = math.inf) -> tuple[int | None, BOOL | None]:
        """A lower bound (units) on the second tier of any real plan filling ``target``
        priority units (every λ tried gives one: the best is kept), and the relaxed plan at
        the smallest λ tried that fills as many; None, None when no λ could be tried before
        ``deadline``."""
        everyone = np.ones(self.idx.size, dtype=bool)
        lo, hi = 0, self.big_m
        best, fill = None, None
        for _ in range(LAGRANGE_ROUNDS):
            if time.perf_counter() >= deadline:
                break
            lam = (lo + hi) // 2
            plan = self.solve(everyone, lam)
            got = self.primary(plan)
            bound = self.tier2(plan) - lam * (got - target)
            best = bound if best is None else max(best, bound)
            if got >= target:
                hi, fill = lam, plan
            else:
                lo = lam
            if hi - lo <= 1:
                break
        return best, fill


@dataclass
class Tally:
    """Totals over the chunks, for the plan's status, bound and gap."""

    proven: bool = True
    primary_open: bool = False
    primary_bound: int = 0
    cost_bound_m: float | None = 0.0
    unit_m: float = 0.0
    cp_components: int = 0  # components where CP-SAT ran


@dataclass
class _Chunk:
    idx: I64
    model: ChunkModel | Restricted | None  # None: the flows proved the plan, or no time
    first: Phase
    second: Phase
    unit_m: float
    low_m: float | None  # flow-based lower bound on the cost tier, metres


def chunk_model(
    arr: EngineArrays, pairs: Pairs, idx: I64, cost_m: F64, p_int: I64, fairness: float
) -> tuple[ChunkModel, float]:
    """The CP-SAT model of the pairs ``idx`` (indexed in that order), and its distance unit."""
    vs, v_loc = np.unique(pairs.v[idx], return_inverse=True)
    ds, d_loc = np.unique(pairs.d[idx], return_inverse=True)
    unit = cp_unit(cost_m[idx], fairness, CP_COST_CAP)
    model = ChunkModel(
        pv=v_loc.ravel(),
        pd=d_loc.ravel(),
        sec=np.rint(cost_m[idx] / unit).astype(np.int64),
        p_int=p_int[ds],
        v_cap=arr.v_cap[vs],
        d_need=arr.d_need[ds],
        d_start=arr.d_start[ds],
        d_end=arr.d_end[ds],
        fair_step=round(fairness * FAIRNESS_M / unit),
    )
    return model, unit


def _model(arr: EngineArrays, pairs: Pairs, idx: I64, cost_m: F64, p_int: I64,
           fairness: float, hint: BOOL, flow: ChunkFlow, seconds: float
           ) -> tuple[ChunkModel | Restricted | None, float]:
    """The chunk's CP-SAT model if it builds in time, else one on each demand's cheapest
    candidates (restrict.py), else None."""
    limit = budget_pairs(seconds)
    if idx.size <= limit:
        return chunk_model(arr, pairs, idx, cost_m, p_int, fairness)
    sub = cheapest(pairs.d[idx], cost_m[idx], hint, limit)
    if sub is None:
        return None, flow.unit_m
    model, unit = chunk_model(arr, pairs, idx[sub], cost_m, p_int, fairness)
    return Restricted(model, sub, flow.primary, flow.tier2), unit


def _start(
    arr: EngineArrays,
    pairs: Pairs,
    st: Structure,
    idx: I64,
    cost_m: F64,
    p_int: I64,
    relaxed: BOOL,
    fairness: float,
    share: float,
    always_cp: bool,
) -> _Chunk:
    """Dive, phase 1, flow bounds, phase 2 for one chunk within ``share`` seconds.

    Shortcuts when the dive's plan fills as many priority units as the relaxation (phase 1
    is then proven without CP-SAT) or even matches its cost (optimal, no CP-SAT at all);
    ``always_cp`` turns them off."""
    clock = time.perf_counter()
    until = clock + share
    flow = ChunkFlow(arr, pairs, st, idx, cost_m, p_int, fairness)
    hint = refill(arr, pairs, idx, flow.dive(relaxed, until), cost_m)
    relaxed_p, hint_p = flow.primary(relaxed), flow.primary(hint)
    shortcut = hint_p == relaxed_p and not always_cp
    # Rounding to the flow's unit: each pair of either plan is off by at most half a unit.
    slack = int(idx.size) * flow.unit_m
    relaxed_low = flow.tier2(relaxed) * flow.unit_m - slack
    if shortcut and flow.tier2(hint) <= flow.tier2(relaxed):
        # The dive reached the relaxation's optimum: optimal in the flow's integer model.
        first = Phase(hint, hint_p, relaxed_p, True)
        second = Phase(hint, flow.tier2(hint), flow.tier2(relaxed), True)
        return _Chunk(idx, None, first, second, flow.unit_m, relaxed_low)
    gap = (flow.tier2(hint) * flow.unit_m - relaxed_low) / max(abs(relaxed_low), 1.0)
    left = until - time.perf_counter()
    if shortcut and idx.size > budget_pairs(left) and gap <= ENOUGH_GAP:
        # Too large for CP-SAT's full model, and the dive's plan is already within
        # ENOUGH_GAP of the relaxation: a restricted model could gain little of it.
        model, unit = None, flow.unit_m
    else:
        model, unit = _model(arr, pairs, idx, cost_m, p_int, fairness, hint, flow, left)
    if model is None:
        # No time for CP-SAT: the dive's plan, bounded by the relaxation.
        first = Phase(hint, hint_p, relaxed_p, hint_p == relaxed_p)
        second = Phase(hint, flow.tier2(hint), None, False)
        return _Chunk(idx, None, first, second, flow.unit_m,
                      relaxed_low if first.proven else None)
    if shortcut:
        first = Phase(hint, hint_p, relaxed_p, True)  # the relaxation bounds Σ P from above
    else:
        first = model.maximise_priority(hint, (until - time.perf_counter()) * PHASE1_SHARE)
        if not first.proven and first.value >= relaxed_p:
            first = Phase(first.plan, first.value, relaxed_p, True)
    plan, low_m = first.plan, None
    if first.proven and relaxed_p == first.value:
        low_m = relaxed_low
    elif first.proven:
        low, fill = flow.lagrange(first.value, until)
        low_m = None if low is None else low * flow.unit_m - slack
        if fill is not None:
            dived = refill(arr, pairs, idx, flow.dive(fill, until), cost_m)
            if flow.primary(dived) >= first.value and flow.tier2(dived) < flow.tier2(plan):
                plan = dived
    second = model.minimise_cost(plan, until - time.perf_counter())
    return _Chunk(idx, model, first, second, unit, low_m)


def solve_chunks(
    arr: EngineArrays,
    pairs: Pairs,
    st: Structure,
    cost_m: F64,
    p_int: I64,
    relaxed: BOOL,
    chunks: list[I64],
    assigned: BOOL,
    options: Options,
    deadline: float,
) -> Tally:
    """Solve each chunk, sharing the time left by size; then spend any time still left on
    the chunks not yet proven, largest first. Writes the plans into ``assigned``."""
    done: list[_Chunk] = []
    left = sum(c.size for c in chunks)
    for idx in chunks:
        share = (deadline - time.perf_counter()) * idx.size / max(left, 1)
        left -= idx.size
        always_cp = options.engine == "cp_sat"
        fairness = options.fairness_weight
        done.append(
            _start(arr, pairs, st, idx, cost_m, p_int, relaxed[idx], fairness, share, always_cp)
        )
    still_open = sorted((c for c in done if not c.second.proven), key=lambda c: -c.idx.size)
    for k, chunk in enumerate(still_open):
        spare = (deadline - time.perf_counter()) / (len(still_open) - k)
        if spare > POLISH_MIN_S and chunk.model is not None:
            chunk.second = chunk.model.minimise_cost(chunk.second.plan, spare)

    tally = Tally()
    for chunk in done:
        idx, first, second = chunk.idx, chunk.first, chunk.second
        assigned[idx] = second.plan
        relaxed_p = int(p_int[pairs.d[idx[relaxed[idx]]]].sum())
        tally.proven &= first.proven and second.proven
        tally.primary_bound += min(relaxed_p, relaxed_p if first.bound is None else first.bound)
        tally.primary_open |= not first.proven
        tally.unit_m = max(tally.unit_m, chunk.unit_m)
        if chunk.model is not None:
            tally.cp_components += np.unique(st.comp[idx]).size
        lows = [chunk.low_m]
        if second.bound is not None:
            lows.append(second.bound * chunk.unit_m - int(idx.size) * chunk.unit_m)
        known = [x for x in lows if x is not None]
        if tally.cost_bound_m is None or not first.proven or not known:
            tally.cost_bound_m = None
        else:
            tally.cost_bound_m += max(known)
    return tally
