"""Which parts of a problem are flow-shaped: components and each volunteer's time clusters.

Sort a volunteer's candidate demands by start; a *time cluster* is a maximal run in which
each window overlaps the union of the earlier ones (a connected component of the overlap
graph of intervals). Windows in different clusters never overlap. A cluster is a *clique*
when all its windows share a moment (latest start < earliest end). "Never two overlapping
demands" is then exactly "at most one demand per clique cluster": a node of capacity 1 in
the flow. A volunteer with capacity 1 needs no clusters at all. A non-clique cluster (A
overlaps B, B overlaps C, A and C apart) is not flow-shaped; the flow relaxes it to "at most
α demands", α the largest set of pairwise disjoint windows in it, and CP-SAT takes over
when the relaxed optimum breaks the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from hub.matching.arrays import BOOL, I64


@dataclass(frozen=True, slots=True)
class Structure:
    """Components, and a forest of capacity groups under each volunteer for the flow."""

    comp: I64  # per pair: connected component of the pair graph, 0..n_comp − 1
    n_comp: int
    pair_group: I64  # per pair: innermost group, −1 when the pair hangs off its volunteer
    group_v: I64  # per group: the volunteer
    group_parent: I64  # per group: enclosing group, −1 for the volunteer itself
    group_cap: I64  # per group: most demands of the group one volunteer may serve
    comp_exact: BOOL  # per component: no non-clique cluster, so the flow model is exact

    @property
    def n_groups(self) -> int:
        return int(self.group_v.size)


def components(pv: I64, pd: I64, n_vol: int, n_dem: int) -> tuple[I64, int]:
    """Connected components of the bipartite pair graph, numbered in order of first pair."""
    if pv.size == 0:
        return np.zeros(0, dtype=np.int64), 0
    n = n_vol + n_dem
    graph = coo_matrix((np.ones(pv.size, dtype=np.int8), (pv, n_vol + pd)), shape=(n, n))
    _, labels = connected_components(graph.tocsr(), directed=False)
    raw = labels[pv]
    uniq, first = np.unique(raw, return_index=True)
    rank = np.empty(uniq.size, dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(uniq.size)
    return rank[np.searchsorted(uniq, raw)], int(uniq.size)


def max_disjoint(starts: I64, ends: I64) -> int:
    """Most pairwise non-overlapping half-open windows (earliest end first)."""
    count, free_at = 0, None
    for i in np.argsort(ends, kind="stable"):
        if free_at is None or starts[i] >= free_at:
            count += 1
            free_at = ends[i]
    return count


def _clique_parts(starts: list[int], ends: list[int]) -> list[list[int]]:
    """Split windows sorted by start into runs that share a moment (greedy sweep)."""
    parts: list[list[int]] = []
    soonest_end = None
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        if soonest_end is None or a >= soonest_end:
            parts.append([i])
            soonest_end = b
        else:
            parts[-1].append(i)
            soonest_end = min(soonest_end, b)
    return parts


def analyse(
    pv: I64, pd: I64, v_cap: I64, d_start: I64, d_end: I64, n_vol: int, n_dem: int
) -> Structure:
    """Components, time clusters and flow-shapedness of a set of pairs.

    Groups: a clique cluster is one group of capacity 1. A non-clique cluster is a group of
    capacity α (its most pairwise-disjoint windows) holding clique parts of capacity 1, a
    relaxation that only CP-SAT (or the flow dive) makes exact.
    """
    comp, n_comp = components(pv, pd, n_vol, n_dem)
    pair_group = np.full(pv.size, -1, dtype=np.int64)
    deg_v = np.bincount(pv, minlength=n_vol)
    sel = np.flatnonzero((v_cap[pv] >= 2) & (deg_v[pv] >= 2))
    comp_exact = np.ones(n_comp, dtype=bool)
    empty = np.zeros(0, dtype=np.int64)
    if sel.size == 0:
        return Structure(comp, n_comp, pair_group, empty, empty, empty, comp_exact)
    s, e = d_start[pd[sel]], d_end[pd[sel]]
    order = np.lexsort((e, s, pv[sel]))
    idx, v, s, e = sel[order], pv[sel][order], s[order], e[order]
    t0 = int(s.min())
    span = int(e.max()) - t0 + 1
    ks, ke = v * span + (s - t0), v * span + (e - t0)
    reach = np.maximum.accumulate(ke)
    new = np.ones(idx.size, dtype=bool)
    new[1:] = ks[1:] >= reach[:-1]
    cid = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    size = np.diff(np.append(first, idx.size))
    clique = np.maximum.reduceat(ks, first) < np.minimum.reduceat(ke, first)
    # Clusters of one pair need no node: their window overlaps nothing else.
    keep = size >= 2
    new_id = np.full(first.size, -1, dtype=np.int64)
    new_id[keep] = np.arange(int(keep.sum()))
    pair_group[idx] = new_id[cid]
    group_v = [int(x) for x in v[first[keep]]]
    group_parent = [-1] * len(group_v)
    group_cap = [1] * len(group_v)
    # Indexed once: a boolean index inside the loop copies the arrays on every cluster
    # (quadratic: 86 s of 广州's national dispatch).
    kept_first, kept_size = first[keep].tolist(), size[keep].tolist()
    for k in np.flatnonzero(~clique[keep]).tolist():
        lo = kept_first[k]
        hi = lo + kept_size[k]
        starts, ends = s[lo:hi].tolist(), e[lo:hi].tolist()
        group_cap[k] = max_disjoint(s[lo:hi], e[lo:hi])
        comp_exact[comp[idx[lo]]] = False
        for part in _clique_parts(starts, ends):
            if len(part) >= 2:
                pair_group[idx[lo + np.asarray(part)]] = len(group_v)
                group_v.append(group_v[k])
                group_parent.append(k)
                group_cap.append(1)
    return Structure(
        comp,
        n_comp,
        pair_group,
        np.asarray(group_v, dtype=np.int64),
        np.asarray(group_parent, dtype=np.int64),
        np.asarray(group_cap, dtype=np.int64),
        comp_exact,
    )
