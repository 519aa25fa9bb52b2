"""Independent parts of a problem, for solving one after another or on many workers at once.

The candidate pairs' connected components never interact (structure.py), and neither does
anything else in the objective or the rules once no volunteer and no demand is in two of
them: capacity, the overlap rule and the fairness penalty are per volunteer, ``needed`` per
demand, the distance and skill terms per pair. So a part is a union of whole components,
and its volunteers and demands are in no other part. A volunteer near a county border whose
candidate demands lie in two counties joins them into one component, hence one part: the
border is handled by construction, never by copying a volunteer into two problems. (The one
term that couples parts, the priority-area floor, is applied to the whole plan afterwards:
engine.solve and docs/matching.md, "Fanned out".)

Grouping: each component belongs to the region (a demand's ``region``, its county code in
the hub) holding most of its pairs' demands, ties to the smaller code; each region's
components stay together; the regions are packed, largest first, onto the lightest of
⌈pairs / PART_PAIRS⌉ parts (longest-processing-time first). The parts depend on the problem
alone, never on how many workers solve them, so the plan is the same however it is run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from hub.matching.arrays import I64, Arrays
from hub.matching.candidates import Pairs
from hub.matching.problem import Problem
from hub.matching.structure import components

#: A part holds about this many candidate pairs (one region's components are never split).
PART_PAIRS = 60_000


def component_regions(comp: I64, n_comp: int, pair_region: I64) -> I64:
    """Per component, the region code index most of its pairs' demands are in (ties: the
    smaller index)."""
    n_reg = int(pair_region.max(initial=0)) + 1
    key, count = np.unique(comp * n_reg + pair_region, return_counts=True)
    c, r = key // n_reg, key % n_reg
    order = np.lexsort((r, -count, c))  # per component: most pairs first, then smaller code
    first = np.ones(order.size, dtype=bool)
    first[1:] = c[order][1:] != c[order][:-1]
    out = np.zeros(n_comp, dtype=np.int64)
    out[c[order][first]] = r[order][first]
    return out


def split_pairs(arr: Arrays, pairs: Pairs, regions: Sequence[str],
                part_pairs: int | None = None) -> list[I64]:
    """Pair indices (ascending) of each part; ``regions`` per demand of the problem; parts
    of about ``part_pairs`` pairs (default PART_PAIRS, read at each call)."""
    part_pairs = part_pairs or PART_PAIRS
    if len(pairs) == 0:
        return []
    comp, n_comp = components(pairs.v, pairs.d, arr.n_vol, arr.n_dem)
    names, d_region = np.unique(np.asarray(regions, dtype=str), return_inverse=True)
    comp_region = component_regions(comp, n_comp, d_region.ravel()[pairs.d])
    if names.size and names[0] == "":  # no region: the component is a unit of its own
        alone = comp_region == 0
        comp_region[alone] = names.size + np.flatnonzero(alone)
    n_units = int(comp_region.max()) + 1
    region_pairs = np.bincount(comp_region[comp], minlength=n_units)
    n_parts = max(1, min(math.ceil(len(pairs) / part_pairs), int((region_pairs > 0).sum())))
    load = np.zeros(n_parts, dtype=np.int64)
    part_of_region = np.full(n_units, -1, dtype=np.int64)
    for r in np.lexsort((np.arange(n_units), -region_pairs)).tolist():
        if region_pairs[r] == 0:
            continue
        k = int(np.argmin(load))  # the lightest part, the first of equals
        part_of_region[r] = k
        load[k] += region_pairs[r]
    pair_part = part_of_region[comp_region[comp]]
    order = np.argsort(pair_part, kind="stable")
    return [p for p in np.split(order, np.cumsum(np.bincount(pair_part, minlength=n_parts))[:-1])
            if p.size]


def part_regions(problem: Problem, pairs: Pairs, idx: I64) -> list[str]:
    """The regions of a part's demands, sorted (for reports)."""
    return sorted({problem.demands[i].region for i in np.unique(pairs.d[idx]).tolist()})
