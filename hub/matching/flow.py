"""Min-cost flow model (OR-Tools SimpleMinCostFlow) of the dispatch problem.

Network: SOURCE → volunteer → [time groups] → demand → SINK, plus a BYPASS arc
SOURCE → SINK that carries every slot left unfilled. A unit of flow is one slot: through a
volunteer it costs ``sec(v, d) − λ · P(d)`` (negative: filling pays), through the bypass 0.
Volunteers and demands with a single pair are folded into SOURCE and SINK (same optimum,
fewer nodes).

Exact lexicographic objective without a huge weight. The most priority units P* any plan
can fill is found first by max flows: the slot amounts that can be routed to the demands
form a polymatroid, so greedy by priority class is optimal — max flow into the top class,
then into the top two classes, … (SimpleMaxFlow, fast). Then the min-cost flow runs with
a small λ; any optimum that fills P* is lexicographically optimal (it minimises
Σ sec − λ·P over all plans, and all plans filling P* share the λ term). When it falls
short, λ grows fourfold, up to the safe weight M of objective.py that always suffices.
Small λ keeps costs small, which the cost-scaling algorithm rewards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from hub.matching.arrays import BOOL, I64

SOURCE = 0
SINK = 1
FIRST_FREE_NODE = 2


class CostRangeError(RuntimeError):
    """The solver reported BAD_COST_RANGE: retry with coarser integer costs."""


@dataclass(frozen=True, slots=True)
class FlowResult:
    assigned: BOOL  # per pair
    primary: int  # Σ P over filled slots
    nodes: int
    arcs: int


@dataclass(frozen=True, slots=True)
class Network:
    """Arcs of the network; pair arcs come first, the BYPASS arc last."""

    tails: I64
    heads: I64
    caps: I64
    costs: I64  # second-tier cost of each arc, in units
    demand: I64  # the demand whose slot an arc into SINK fills, else −1
    prio: I64  # P of that demand, else 0
    n_pairs: int
    n_nodes: int
    slots: int


def cost_limit(n_nodes: int) -> int:
    """Largest arc cost magnitude the solver accepts for a graph of ``n_nodes``."""
    return (2**62) // (n_nodes + 2) // 4


def build(
    *,
    pv: I64,
    pd: I64,
    pair_group: I64,
    sec: I64,
    p_int: I64,
    v_cap: I64,
    d_need: I64,
    group_v: I64,
    group_parent: I64,
    group_cap: I64,
    fair_step: int,
) -> Network:
    """The network over the pairs; ``pair_group`` is −1 or a capacity group (structure.py)."""
    n_vol, n_dem = v_cap.size, d_need.size
    deg_v = np.bincount(pv, minlength=n_vol)
    deg_d = np.bincount(pd, minlength=n_dem)

    # Data: node numbers. Volunteers and demands with one pair fold into SOURCE / SINK.
    hub_v = np.flatnonzero(deg_v >= 2)
    hub_d = np.flatnonzero(deg_d >= 2)
    v_node = np.full(n_vol, SOURCE, dtype=np.int64)
    v_node[hub_v] = FIRST_FREE_NODE + np.arange(hub_v.size)
    g_node = FIRST_FREE_NODE + hub_v.size + np.arange(group_v.size, dtype=np.int64)
    d_node = np.full(n_dem, SINK, dtype=np.int64)
    d_node[hub_d] = FIRST_FREE_NODE + hub_v.size + group_v.size + np.arange(hub_d.size)
    n_nodes = FIRST_FREE_NODE + hub_v.size + group_v.size + hub_d.size
    slots = int(np.minimum(d_need, deg_d)[deg_d > 0].sum())
    zeros = np.zeros

    # Variables: one arc per pair (a slot filled by that volunteer), capacity 1.
    pair_tail = v_node[pv]
    grouped = pair_group >= 0
    pair_tail[grouped] = g_node[pair_group[grouped]]
    pair_head = d_node[pd]
    tails, heads = [pair_tail], [pair_head]
    caps, costs = [np.ones(pv.size, dtype=np.int64)], [sec]
    demand = [np.where(pair_head == SINK, pd, -1)]

    # Constraint: a volunteer serves at most `capacity` demands; with a fairness weight the
    # k-th unit of load costs (k − 1) · step, so cheaper units fill first.
    load = np.minimum(v_cap[hub_v], deg_v[hub_v])
    if fair_step > 0:
        owner = np.repeat(hub_v, load)
        within = np.arange(owner.size) - np.repeat(np.cumsum(load) - load, load)
        tails.append(np.full(owner.size, SOURCE, dtype=np.int64))
        heads.append(v_node[owner])
        caps.append(np.ones(owner.size, dtype=np.int64))
        costs.append(within * fair_step)
        demand.append(np.full(owner.size, -1, dtype=np.int64))
    else:
        tails.append(np.full(hub_v.size, SOURCE, dtype=np.int64))
        heads.append(v_node[hub_v])
        caps.append(load)
        costs.append(zeros(hub_v.size, dtype=np.int64))
        demand.append(np.full(hub_v.size, -1, dtype=np.int64))

    # Constraint: a volunteer serves at most `group_cap` demands of one group of windows
    # (1 when the windows share a moment, so never two overlapping demands).
    parent = np.where(group_parent >= 0, g_node[np.maximum(group_parent, 0)], v_node[group_v])
    tails.append(parent if group_v.size else zeros(0, dtype=np.int64))
    heads.append(g_node)
    caps.append(group_cap)
    costs.append(zeros(group_v.size, dtype=np.int64))
    demand.append(np.full(group_v.size, -1, dtype=np.int64))

    # Constraint: a demand takes at most `needed` volunteers; each filled slot earns λ · P.
    tails.append(d_node[hub_d])
    heads.append(np.full(hub_d.size, SINK, dtype=np.int64))
    caps.append(np.minimum(d_need[hub_d], deg_d[hub_d]))
    costs.append(zeros(hub_d.size, dtype=np.int64))
    demand.append(hub_d)

    # Constraint: every slot not filled flows through the bypass at no cost.
    tails.append(np.array([SOURCE]))
    heads.append(np.array([SINK]))
    caps.append(np.array([slots]))
    costs.append(zeros(1, dtype=np.int64))
    demand.append(np.full(1, -1, dtype=np.int64))
    cat = np.concatenate
    arc_demand = cat(demand).astype(np.int64)
    return Network(
        cat(tails).astype(np.int64),
        cat(heads).astype(np.int64),
        cat(caps).astype(np.int64),
        cat(costs).astype(np.int64),
        arc_demand,
        np.where(arc_demand >= 0, p_int[np.maximum(arc_demand, 0)], 0),
        pv.size,
        n_nodes,
        slots,
    )


def max_priority(net: Network) -> int:
    """P*: the most priority units any plan fills (greedy max flows by priority class)."""
    solver = max_flow.SimpleMaxFlow()
    caps = net.caps.copy()
    caps[-1] = 0  # the bypass fills nothing
    solver.add_arcs_with_capacity(net.tails, net.heads, caps)
    into_sink = np.flatnonzero(net.prio > 0)
    total, before = 0, 0
    for level in sorted(set(net.prio[into_sink].tolist()), reverse=True):
        # Only demands of this priority class or higher may take flow.
        open_arcs = net.prio[into_sink] >= level
        solver.set_arcs_capacity(into_sink, np.where(open_arcs, caps[into_sink], 0))
        status = solver.solve(SOURCE, SINK)
        if status in (solver.BAD_INPUT, solver.BAD_RESULT, solver.POSSIBLE_OVERFLOW):
            raise RuntimeError(f"max flow ended with status {status.name}")
        if status != solver.OPTIMAL:
            raise RuntimeError(f"max flow: unknown status {status!r}")
        flow = int(solver.optimal_flow())
        total += level * (flow - before)
        before = flow
    return total


def min_cost(net: Network, reward: I64) -> FlowResult:
    """Min-cost flow with ``reward`` per unit on each arc into SINK; every status handled."""
    # Objective: each arc's second-tier cost, minus the reward on arcs into SINK.
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(net.tails, net.heads, net.caps, net.costs - reward)
    # Every slot leaves SOURCE and reaches SINK, through a volunteer or the bypass.
    smcf.set_node_supply(SOURCE, net.slots)
    smcf.set_node_supply(SINK, -net.slots)

    # Solve, and handle every status.
    status = smcf.solve()
    if status == smcf.OPTIMAL:
        flows = smcf.flows(np.arange(net.tails.size, dtype=np.int64))
        primary = int((flows * net.prio).sum())
        return FlowResult(flows[: net.n_pairs] > 0, primary, net.n_nodes, net.tails.size)
    if status == smcf.BAD_COST_RANGE:
        raise CostRangeError("min-cost flow: BAD_COST_RANGE")
    if status in (smcf.INFEASIBLE, smcf.UNBALANCED):
        raise RuntimeError(f"min-cost flow: {status.name}, impossible with a bypass arc")
    if status in (smcf.NOT_SOLVED, smcf.FEASIBLE, smcf.BAD_RESULT, smcf.BAD_CAPACITY_RANGE):
        raise RuntimeError(f"min-cost flow ended with status {status.name}")
    raise RuntimeError(f"min-cost flow: unknown status {status!r}")


def solve_lexicographic(net: Network, safe_reward: I64) -> FlowResult:
    """Most priority units, then least cost: small λ first, growing to the safe weight.

    ``safe_reward`` per demand is M · P with M from objective.scale (always exact).
    """
    target = max_priority(net)
    safe = np.where(net.demand >= 0, safe_reward[np.maximum(net.demand, 0)], 0)
    lam = 2 * int(np.abs(net.costs).max(initial=0)) + 1
    while True:
        reward = np.minimum(lam * net.prio, safe)
        res = min_cost(net, reward)
        if res.primary == target:
            return res
        if np.array_equal(reward, safe):
            raise RuntimeError(f"min-cost flow filled {res.primary} of {target} priority units")
        lam *= 4
