"""Feasible (volunteer, demand) pairs without ever building the full matrix.

A pair is feasible when the volunteer has every required skill, one merged availability
window contains the demand's window, insurance (if required) lasts until the demand ends,
and the WGS-84 geodesic distance is within the volunteer's maximum.

Join: each demand is keyed by its rarest required skill and the six-hour time slot its
window starts in (slots count from midnight China Standard Time); each volunteer is listed
under each of its skills for each slot, among those holding demands, that its windows touch
(or once under "any slot" when a window touches more than ``WILDCARD_SLOTS`` of them). In a
(skill, slot) group, volunteers are split into radius buckets and joined with the group's
demands by ``cKDTree.sparse_distance_matrix`` on unit-sphere vectors with a conservative
chord radius; exact filters then run vectorised on the surviving pairs, so the work grows
with the pairs that share a skill and a slot, never with volunteers × demands.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from pyproj import Geod
from scipy.spatial import cKDTree

from hub.matching.arrays import BOOL, CST_OFFSET_S, F64, I64, Arrays, spans

T = TypeVar("T")
THREADED_JOIN_ENTRIES = 20_000  # volunteer entries from which the join runs in two threads

GEOD = Geod(ellps="WGS84")
#: Smallest radius of curvature of the WGS-84 ellipsoid, a(1 - e²): the surface normal turns
#: by at most s / M0 radians along any path of length s, so a geodesic of length s joins
#: points whose unit normals are at most chord 2·sin(s / 2·M0) apart.
M0_M = 6_335_439.327
SLOT_S = 6 * 3600
WILDCARD_SLOTS = 28
RADIUS_BASE_M = 500.0
RADIUS_RATIO = 1.25
#: in_reach keeps this many volunteers per demand and join batch (existence only).
REACH_KEEP = 4


@dataclass(frozen=True, slots=True)
class Pairs:
    """Feasible pairs sorted by (demand, distance, volunteer); ``skill`` = mean(level − 1)."""

    v: I64
    d: I64
    dist_m: F64
    skill: F64

    def __len__(self) -> int:
        return int(self.v.size)

    def take(self, keep: I64 | BOOL) -> Pairs:
        return Pairs(self.v[keep], self.d[keep], self.dist_m[keep], self.skill[keep])


def unit_vectors(lon: F64, lat: F64) -> F64:
    """Geodetic normals as unit vectors (n, 3)."""
    lo, la = np.radians(lon), np.radians(lat)
    cos_la = np.cos(la)
    return np.column_stack((cos_la * np.cos(lo), cos_la * np.sin(lo), np.sin(la)))


def chord_for(distance_m: F64) -> F64:
    """A chord radius that every point within ``distance_m`` (geodesic) is sure to meet."""
    angle = np.minimum(np.asarray(distance_m, dtype=np.float64) / M0_M, np.pi)
    return 2.0 * np.sin(angle / 2.0) * (1.0 + 1e-9) + 1e-12


def geodesic_m(lon1: F64, lat1: F64, lon2: F64, lat2: F64) -> F64:
    """WGS-84 geodesic distances in metres, vectorised."""
    if lon1.size == 0:
        return np.zeros(0)
    _, _, dist = GEOD.inv(lon1, lat1, lon2, lat2)
    return np.asarray(dist, dtype=np.float64)


def has_skills(arr: Arrays, v: I64, d: I64) -> BOOL:
    """The volunteer holds every skill the demand requires."""
    need = arr.d_mask[d]
    return np.asarray(((arr.v_mask[v] & need) == need).all(axis=1))


def in_window(arr: Arrays, v: I64, d: I64) -> BOOL:
    """One merged availability window of the volunteer contains the demand's window."""
    start, end = arr.d_start[d], arr.d_end[d]
    first = arr.win_ptr[v]
    count = arr.win_ptr[v + 1] - first
    ok = np.zeros(v.size, dtype=bool)
    todo = np.flatnonzero(count > 0)
    k = 0
    while todo.size:
        w = first[todo] + k
        hit = (arr.win_a[w] <= start[todo]) & (arr.win_b[w] >= end[todo])
        ok[todo[hit]] = True
        todo = todo[~hit & (count[todo] > k + 1) & (arr.win_a[w] < start[todo])]
        k += 1
    return ok


def insured(arr: Arrays, v: I64, d: I64) -> BOOL:
    """Insurance is not required, or it lasts until the demand ends."""
    return ~arr.d_ins[d] | (arr.v_ins[v] >= arr.d_end[d])


def levels(arr: Arrays, v: I64, s: I64) -> I64:
    """The volunteer's level in skill ``s`` (0 when it lacks the skill)."""
    if arr.level_table is not None:
        return arr.level_table[v, s].astype(np.int64)
    first = arr.sk_ptr[v]
    count = arr.sk_ptr[v + 1] - first
    out = np.zeros(v.size, dtype=np.int64)
    todo = np.flatnonzero(count > 0)
    k = 0
    while todo.size:
        e = first[todo] + k
        hit = arr.sk_skill[e] == s[todo]
        out[todo[hit]] = arr.sk_level[e[hit]]
        todo = todo[~hit & (count[todo] > k + 1)]
        k += 1
    return out


def skill_score(arr: Arrays, v: I64, d: I64) -> F64:
    """Mean of (level − 1) over the demand's required skills; 0 when it requires none."""
    total = np.zeros(v.size)
    count = np.zeros(v.size)
    for r in range(arr.d_req.shape[1]):
        s = arr.d_req[d, r]
        has = s >= 0
        if has.any():
            total[has] += levels(arr, v[has], s[has]) - 1
            count[has] += 1
    return np.divide(total, count, out=np.zeros(v.size), where=count > 0)


def _exact(arr: Arrays, v: I64, d: I64, available: BOOL) -> tuple[I64, I64, F64]:
    """Skills, window, geodesic distance, insurance; marks demands with an available pair."""
    ok = has_skills(arr, v, d)
    v, d = v[ok], d[ok]
    ok = in_window(arr, v, d)
    v, d = v[ok], d[ok]
    dist = geodesic_m(arr.d_lon[d], arr.d_lat[d], arr.v_lon[v], arr.v_lat[v])
    ok = dist <= arr.v_maxd[v]
    v, d, dist = v[ok], d[ok], dist[ok]
    available[d] = True
    ok = insured(arr, v, d)
    return v[ok], d[ok], dist[ok]


def _finish(arr: Arrays, v: I64, d: I64, dist: F64, with_skill: bool) -> Pairs:
    """Sort by demand, then distance (to the centimetre), then the order found."""
    centimetres = np.minimum(dist * 100, 2**36 - 1).astype(np.int64)
    order = np.argsort(d * 2**36 + centimetres, kind="stable")
    v, d, dist = v[order], d[order], dist[order]
    skill = skill_score(arr, v, d) if with_skill else np.zeros(v.size)
    return Pairs(v, d, dist, skill)


def _empty() -> Pairs:
    z = np.zeros(0, dtype=np.int64)
    return Pairs(z, z.copy(), np.zeros(0), np.zeros(0))


def _key_skills(arr: Arrays) -> I64:
    """Each demand's rarest required skill, or ``n_skills`` ("any") when it needs none."""
    counts = np.bincount(arr.sk_skill, minlength=max(arr.n_skills, 1))
    req = arr.d_req
    held = np.where(req >= 0, counts[np.maximum(req, 0)], np.iinfo(np.int64).max)
    key = req[np.arange(arr.n_dem), np.argmin(held, axis=1)]
    return np.where(key >= 0, key, arr.n_skills)


def _volunteer_slots(arr: Arrays, slots: I64) -> tuple[I64, I64]:
    """(volunteer, slot index) entries sorted by volunteer; ``len(slots)`` means any slot."""
    any_slot = len(slots)
    win_v = np.repeat(np.arange(arr.n_vol, dtype=np.int64), np.diff(arr.win_ptr))
    lo = np.searchsorted(slots, (arr.win_a + CST_OFFSET_S) // SLOT_S, side="left")
    hi = np.searchsorted(slots, (arr.win_b - 1 + CST_OFFSET_S) // SLOT_S, side="right")
    cnt = hi - lo
    wild = np.zeros(arr.n_vol, dtype=bool)
    wild[win_v[cnt > WILDCARD_SLOTS]] = True
    first_window = np.zeros(win_v.size, dtype=bool)
    first_window[arr.win_ptr[:-1][np.diff(arr.win_ptr) > 0]] = True
    wild_w = wild[win_v]
    reps = np.where(wild_w, first_window.astype(np.int64), cnt)
    rep, slot = spans(lo, reps)
    vd_v = win_v[rep]
    vd_slot = np.where(wild_w[rep], any_slot, slot)
    # Windows are merged and sorted, so entries ascend; drop repeats of the same slot.
    keep = np.ones(vd_v.size, dtype=bool)
    keep[1:] = (vd_v[1:] != vd_v[:-1]) | (vd_slot[1:] != vd_slot[:-1])
    return vd_v[keep], vd_slot[keep]


def _volunteer_entries(arr: Arrays, slots: I64, need_any: bool) -> tuple[I64, I64]:
    """(volunteer, group) entries, group = skill * (len(slots) + 1) + slot index."""
    groups = len(slots) + 1
    vd_v, vd_slot = _volunteer_slots(arr, slots)
    vs_v = np.repeat(np.arange(arr.n_vol, dtype=np.int64), np.diff(arr.sk_ptr))
    vs_s = arr.sk_skill
    if need_any:
        everyone = np.arange(arr.n_vol, dtype=np.int64)
        vs_v = np.concatenate((vs_v, everyone))
        vs_s = np.concatenate((vs_s, np.full(arr.n_vol, arr.n_skills)))
        order = np.argsort(vs_v, kind="stable")
        vs_v, vs_s = vs_v[order], vs_s[order]
    per_v = np.bincount(vd_v, minlength=arr.n_vol)
    first = np.cumsum(per_v) - per_v
    reps = per_v[vs_v]
    rep, entry = spans(first[vs_v], reps)
    return vs_v[rep], vs_s[rep] * groups + vd_slot[entry]


def _bucket(maxd: F64) -> I64:
    ratio = np.maximum(maxd, RADIUS_BASE_M) / RADIUS_BASE_M
    return np.ceil(np.log(ratio) / np.log(RADIUS_RATIO) - 1e-12).astype(np.int64)


def _join(
    arr: Arrays,
    ev: I64,
    eg: I64,
    dm_d: I64,
    dm_g: I64,
    on_hits: Callable[[I64, I64, F64], T],
) -> list[T]:
    """Spatial join of volunteer entries (ev, eg) with demand entries (dm_d, dm_g) per group.

    ``on_hits(v, d, chord)`` receives the pairs of each group and radius bucket whose chord
    is within the volunteer's own conservative chord radius; its results come back in the
    order of the groups and buckets, whichever thread computed them. Large joins run in two
    threads: the KD-tree searches and numpy release the GIL (1.6× on two cores).
    """
    order = np.argsort(dm_g, kind="stable")
    dm_g, dm_d = dm_g[order], dm_d[order]
    keep = np.isin(eg, dm_g) & (arr.v_cap[ev] > 0)
    ev, eg = ev[keep], eg[keep]
    if ev.size == 0:
        return []
    eb = _bucket(arr.v_maxd[ev])
    order = np.lexsort((ev, eb, eg))
    ev, eg, eb = ev[order], eg[order], eb[order]
    v_chord = chord_for(arr.v_maxd)
    seg = np.flatnonzero(np.diff(eg, prepend=-1) | np.diff(eb, prepend=-1))
    seg_end = np.append(seg[1:], eg.size)
    segments = list(zip(seg.tolist(), seg_end.tolist(), strict=True))

    def run(part: list[tuple[int, int]]) -> list[T]:
        out: list[T] = []
        tree_of: tuple[int, cKDTree, I64] | None = None
        for start, stop in part:
            g = int(eg[start])
            if tree_of is None or tree_of[0] != g:
                lo = int(np.searchsorted(dm_g, g, side="left"))
                hi = int(np.searchsorted(dm_g, g, side="right"))
                members = dm_d[lo:hi]
                tree_of = (g, cKDTree(unit_vectors(arr.d_lon[members], arr.d_lat[members])),
                           members)
            _, d_tree, members = tree_of
            vols = ev[start:stop]
            v_tree = cKDTree(unit_vectors(arr.v_lon[vols], arr.v_lat[vols]))
            radius = float(chord_for(RADIUS_BASE_M * RADIUS_RATIO ** float(eb[start])))
            hits = d_tree.sparse_distance_matrix(v_tree, radius, output_type="ndarray")
            if hits.size:
                pv = vols[hits["j"]]
                chord = hits["v"]
                close = chord <= v_chord[pv]
                out.append(on_hits(pv[close], members[hits["i"][close]], chord[close]))
        return out

    if ev.size < THREADED_JOIN_ENTRIES or len(segments) < 2:
        return run(segments)
    # Two contiguous halves by volunteer entries, so results keep their sequential order.
    middle = int(np.searchsorted(seg_end, ev.size // 2))
    middle = min(max(middle, 1), len(segments) - 1)
    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(run, (segments[:middle], segments[middle:]))
    return first + second


@dataclass(frozen=True, slots=True)
class Search:
    """Feasible pairs; ``available`` marks demands that some volunteer with the skills, free
    in the window and within reach could serve but for insurance (for explanations)."""

    pairs: Pairs
    available: BOOL


def find_pairs(arr: Arrays, *, with_skill: bool = True) -> Search:
    """All feasible pairs of the problem, sorted by (demand, distance, volunteer)."""
    available = np.zeros(arr.n_dem, dtype=bool)
    if arr.n_vol == 0 or arr.n_dem == 0:
        return Search(_empty(), available)
    key = _key_skills(arr)
    slots, d_slot = np.unique((arr.d_start + CST_OFFSET_S) // SLOT_S, return_inverse=True)
    groups = len(slots) + 1
    dm_g = np.concatenate((key * groups + d_slot.ravel(), key * groups + len(slots)))
    dm_d = np.concatenate((np.arange(arr.n_dem), np.arange(arr.n_dem)))
    ev, eg = _volunteer_entries(arr, slots, bool((key == arr.n_skills).any()))
    found = _join(arr, ev, eg, dm_d, dm_g, lambda v, d, chord: _exact(arr, v, d, available))
    if not found:
        return Search(_empty(), available)
    v, d, dist = (np.concatenate(parts) for parts in zip(*found, strict=True))
    return Search(_finish(arr, v, d, dist, with_skill), available)


def _runs(d: I64) -> I64:
    """Per element of ``d`` (sorted): its rank within its run of equal values."""
    run = np.ones(d.size, dtype=bool)
    run[1:] = d[1:] != d[:-1]
    starts = np.flatnonzero(run)
    return np.arange(d.size) - np.repeat(starts, np.diff(np.append(starts, d.size)))


def in_reach(arr: Arrays, demands: I64, *, skilled: bool, keep: int | None = REACH_KEEP
             ) -> BOOL:
    """Per demand: some volunteer (holding every required skill, if ``skilled``) is within
    reach; availability and insurance are ignored.

    Existence only, so each join batch keeps a demand's ``keep`` most promising volunteers
    (lowest chord over the volunteer's own chord radius), not the millions of pairs a dense
    city's demands have; a demand none of whose kept volunteers is in reach, but which had
    more, is searched again without the cap (exact either way)."""
    out = np.zeros(demands.size, dtype=bool)
    if demands.size == 0 or arr.n_vol == 0:
        return out
    key = _key_skills(arr)[demands] if skilled else np.zeros(demands.size, dtype=np.int64)
    position = np.full(arr.n_dem, -1, dtype=np.int64)
    position[demands] = np.arange(demands.size)
    everyone = np.arange(arr.n_vol, dtype=np.int64)
    if skilled:
        ev = np.repeat(everyone, np.diff(arr.sk_ptr))
        eg = arr.sk_skill
        if (key == arr.n_skills).any():
            ev = np.concatenate((ev, everyone))
            eg = np.concatenate((eg, np.full(arr.n_vol, arr.n_skills, dtype=np.int64)))
    else:
        ev, eg = everyone, np.zeros(arr.n_vol, dtype=np.int64)
    more = np.zeros(demands.size, dtype=bool)

    def collect(v: I64, d: I64, chord: F64) -> tuple[I64, I64, F64]:
        ok = has_skills(arr, v, d) if skilled else np.ones(v.size, dtype=bool)
        v, d = v[ok], position[d[ok]]
        ratio = chord[ok] / chord_for(arr.v_maxd[v])
        if keep is not None:
            order = np.lexsort((ratio, d))
            v, d, ratio = v[order], d[order], ratio[order]
            rank = _runs(d)
            more[d[rank >= keep]] = True  # (the two join threads only ever set True)
            v, d, ratio = v[rank < keep], d[rank < keep], ratio[rank < keep]
        return v, d, ratio

    hits = _join(arr, ev, eg, demands, key, collect)
    if not hits:
        return out
    v, d, ratio = (np.concatenate(parts) for parts in zip(*hits, strict=True))
    order = np.lexsort((ratio, d))
    v, d = v[order], d[order]
    # Try each demand's most promising volunteer first, then the next two, four, ...
    k = 1
    while v.size:
        head = _runs(d) < k
        hv, hd = v[head], demands[d[head]]
        dist = geodesic_m(arr.d_lon[hd], arr.d_lat[hd], arr.v_lon[hv], arr.v_lat[hv])
        out[d[head][dist <= arr.v_maxd[hv]]] = True
        rest = ~head & ~out[d]
        v, d = v[rest], d[rest]
        k *= 2
    again = np.flatnonzero(more & ~out)
    if again.size:
        out[again] = in_reach(arr, demands[again], skilled=skilled, keep=None)
    return out


def pairs_for_demand(arr: Arrays, di: int, *, with_skill: bool = True) -> Pairs:
    """Feasible pairs of one demand, by a vectorised scan over all volunteers."""
    v = np.flatnonzero(arr.v_cap > 0)
    d = np.full(v.size, di, dtype=np.int64)
    target = unit_vectors(arr.d_lon[di : di + 1], arr.d_lat[di : di + 1])[0]
    chord = np.linalg.norm(unit_vectors(arr.v_lon[v], arr.v_lat[v]) - target, axis=1)
    near = chord <= chord_for(arr.v_maxd[v])
    v, d, dist = _exact(arr, v[near], d[near], np.zeros(arr.n_dem, dtype=bool))
    return _finish(arr, v, d, dist, with_skill)
