"""The objective, and its exact integer form for the engines.

Per pair (volunteer v, demand d), in metres of travel::

    cost_m(v, d) = distance_m(v, d) − w_skill · SKILL_M · mean over required skills of (level − 1)

and the k-th demand (k = 1, 2, …) a volunteer serves adds ``w_fairness · FAIRNESS_M · (k − 1)``.
The plan maximises, lexicographically, first Σ priority × filled slots, then −(Σ cost_m +
fairness penalties). In integers: ``P`` the priorities quantised, ``sec`` the costs rounded
to a unit of ``unit_m`` metres. The scalar

    Σ_assigned (sec(v, d) − M · P(d)) + Σ_volunteers fairness(load)

is lexicographically exact when ``M`` exceeds the widest possible spread of the second
tier over all plans of the same group of pairs (independent components, each with its own
``M``): one more priority unit then beats any saving in distance. The flow uses ``M`` only
as its safe upper weight (flow.py); CP-SAT avoids it with two phases (cpsat.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hub.matching.arrays import F64, I64

#: Metres of travel that one skill level above 1 is worth at skill weight 1.
SKILL_M = 1000.0
#: Metres of travel that each further assignment of the same volunteer costs at weight 1.
FAIRNESS_M = 1000.0
#: Distance units tried, finest first; the finest that keeps costs in range is used.
UNITS_M = (0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1000.0, 10_000.0)
#: Largest priority integer before priorities are rounded (to 1e-6 of the largest).
MAX_PRIORITY_INT = 1_000_000


def pair_cost_m(dist_m: F64, skill: F64, skill_weight: float) -> F64:
    """Second-tier cost of each pair in metres: distance minus the skill bonus."""
    if skill_weight == 0:
        return dist_m
    return dist_m - skill_weight * SKILL_M * skill


def fairness_m(k: I64, fairness_weight: float) -> F64:
    """Total fairness penalty in metres of a volunteer serving ``k`` demands."""
    return np.asarray(fairness_weight * FAIRNESS_M * k * (k - 1) / 2.0, dtype=np.float64)


def quantise_priorities(priority: F64) -> tuple[I64, float]:
    """Integers P and a quantum q with priority ≈ P · q, exact for up to six decimals."""
    if priority.size == 0:
        return np.zeros(0, dtype=np.int64), 1.0
    for digits in range(7):
        scaled = priority * 10.0**digits
        ints = np.rint(scaled)
        if np.all(np.abs(scaled - ints) <= 1e-9 * np.maximum(1.0, scaled)):
            break
    else:
        digits = 6
        ints = np.rint(priority * 1e6)
    p_int = np.maximum(ints, 1).astype(np.int64)
    common = int(np.gcd.reduce(p_int))
    p_int //= common
    quantum = common / 10.0**digits
    if int(p_int.max()) > MAX_PRIORITY_INT:
        quantum = float(priority.max()) / MAX_PRIORITY_INT
        p_int = np.maximum(np.rint(priority / quantum), 1).astype(np.int64)
    return p_int, quantum


def cp_unit(cost_m: F64, fairness_weight: float, cost_cap: int) -> float:
    """Finest distance unit keeping every pair cost and fairness step within ``cost_cap``."""
    worst = max(float(np.abs(cost_m).max(initial=0.0)), fairness_weight * FAIRNESS_M)
    for unit in UNITS_M:
        if worst / unit <= cost_cap:
            return unit
    return UNITS_M[-1]


@dataclass(frozen=True, slots=True)
class Scaled:
    """Integer costs of one engine run: ``coef`` per pair, rewards per demand."""

    unit_m: float
    sec: I64  # per pair: round(cost_m / unit_m)
    fair_step: int  # per further assignment of a volunteer, in units
    big_m: I64  # per group
    s_max: I64  # per group: the largest second-tier total any plan can reach
    reward: I64  # per demand: M(group) · P(d), 0 for demands without pairs


def scale(
    *,
    cost_m: F64,
    pv: I64,
    pd: I64,
    group: I64,
    n_groups: int,
    v_cap: I64,
    d_need: I64,
    p_int: I64,
    fairness_weight: float,
    cost_cap: int,
) -> Scaled:
    """Pick the finest distance unit whose integer objective stays within ``cost_cap``."""
    n_vol, n_dem = v_cap.size, d_need.size
    deg_v = np.bincount(pv, minlength=n_vol)
    deg_d = np.bincount(pd, minlength=n_dem)
    v_group = np.full(n_vol, -1, dtype=np.int64)
    v_group[pv] = group
    d_group = np.full(n_dem, -1, dtype=np.int64)
    d_group[pd] = group
    vs = np.flatnonzero(deg_v > 0)
    ds = np.flatnonzero(deg_d > 0)
    k_v = np.minimum(v_cap[vs], deg_v[vs])
    slots_d = np.bincount(d_group[ds], np.minimum(d_need[ds], deg_d[ds]), minlength=n_groups)
    slots_v = np.bincount(v_group[vs], k_v, minlength=n_groups)
    flow_max = np.minimum(slots_d, slots_v).astype(np.int64)
    k_max = np.zeros(n_groups, dtype=np.int64)
    np.maximum.at(k_max, v_group[vs], k_v)
    p_max = np.zeros(n_groups, dtype=np.int64)
    np.maximum.at(p_max, d_group[ds], p_int[ds])
    fair_pairs = np.bincount(v_group[vs], k_v * (k_v - 1) // 2, minlength=n_groups)

    for unit in UNITS_M:
        sec = np.rint(cost_m / unit).astype(np.int64)
        step = round(fairness_weight * FAIRNESS_M / unit)
        hi = np.zeros(n_groups, dtype=np.int64)
        lo = np.zeros(n_groups, dtype=np.int64)
        np.maximum.at(hi, group, sec)
        np.minimum.at(lo, group, sec)
        fair = np.minimum(fair_pairs * step, flow_max * step * np.maximum(k_max - 1, 0))
        spread = flow_max.astype(np.float64) * (hi - lo) + fair
        worst = float(((spread + 1) * p_max).max(initial=0)) + float(np.abs(sec).max(initial=0))
        if worst <= cost_cap or unit == UNITS_M[-1]:
            big_m = (flow_max * (hi - lo) + fair + 1).astype(np.int64)
            reward = np.zeros(n_dem, dtype=np.int64)
            reward[ds] = big_m[d_group[ds]] * p_int[ds]
            s_max = (flow_max * hi + fair).astype(np.int64)
            return Scaled(unit, sec, int(step), big_m, s_max, reward)
    raise AssertionError("unreachable: the last unit is always accepted")
