"""Why each slot stays unfilled, computed only for demands with missing slots.

Some candidates exist but serve elsewhere (CANDIDATES_BUSY), or are free and were not
chosen (NOT_CHOSEN: only after a time limit, or in the greedy baseline); every candidate
already serves here (TOO_FEW_CANDIDATES). With no candidate at all, the first hard rule, in
the order reach → skills → window → insurance, that leaves nobody: no volunteer's range
reaches the demand (NO_VOLUNTEER_IN_REACH), nobody within reach holds every required skill
(NO_SKILL), nobody of those is available for the whole window (NOT_AVAILABLE), nobody of
those is insured until the demand ends (NO_INSURANCE).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from scipy.spatial import cKDTree

from hub.matching.arrays import BOOL, CST_OFFSET_S, I64, Arrays
from hub.matching.candidates import (
    Pairs,
    Search,
    geodesic_m,
    has_skills,
    in_reach,
    unit_vectors,
)
from hub.matching.problem import Unfilled

CST = dt.timezone(dt.timedelta(seconds=CST_OFFSET_S))
SHOWN = 3
#: A demand without candidates looks for a witness among the first WITNESS_VOLUNTEERS
#: candidates of each of its WITNESS_DEMANDS nearest demands that have candidates.
WITNESS_DEMANDS = 32
WITNESS_VOLUNTEERS = 8


def _when(start_s: int, end_s: int) -> str:
    a = dt.datetime.fromtimestamp(start_s, CST)
    b = dt.datetime.fromtimestamp(end_s, CST)
    tail = b.strftime("%H:%M") if a.date() == b.date() else b.strftime("%Y-%m-%d %H:%M")
    return f"{a:%Y-%m-%d %H:%M}–{tail} (UTC+8)"


def _insured_through(end_s: int) -> str:
    return (dt.datetime.fromtimestamp(end_s - 1, CST)).strftime("%Y-%m-%d")


def _names(ids: list[str], total: int) -> str:
    more = f" and {total - len(ids)} more" if total > len(ids) else ""
    return ", ".join(ids) + more


class _Busy:
    """What each volunteer does in the plan, to say why a candidate is not available."""

    def __init__(self, arr: Arrays, pv: I64, pd: I64, assigned: BOOL) -> None:
        self.arr = arr
        av, ad = pv[assigned], pd[assigned]
        order = np.argsort(av, kind="stable")
        self.ad = ad[order]
        self.load = np.bincount(av, minlength=arr.n_vol)
        self.ptr = np.concatenate(([0], np.cumsum(self.load)))

    def free(self, v: I64, d: I64) -> BOOL:
        """Per (volunteer, demand): the volunteer has capacity left and nothing overlapping."""
        arr = self.arr
        ok = self.load[v] < arr.v_cap[v]
        todo = np.flatnonzero(ok & (self.load[v] > 0))
        k = 0
        while todo.size:
            other = self.ad[self.ptr[v[todo]] + k]
            dd = d[todo]
            clash = (arr.d_start[other] < arr.d_end[dd]) & (arr.d_start[dd] < arr.d_end[other])
            ok[todo[clash]] = False
            todo = todo[~clash & (self.load[v[todo]] > k + 1)]
            k += 1
        return ok

    def why(self, v: int, d: int) -> str:
        """Why volunteer v, who is not free for demand d, cannot take it."""
        arr = self.arr
        serving = self.ad[self.ptr[v] : self.ptr[v + 1]]
        if self.load[v] >= arr.v_cap[v]:
            ids = [arr.dem_ids[x] for x in serving[:SHOWN].tolist()]
            return f"{arr.vol_ids[v]} is at capacity {arr.v_cap[v]} ({_names(ids, serving.size)})"
        overlaps = (arr.d_start[serving] < arr.d_end[d]) & (arr.d_start[d] < arr.d_end[serving])
        other = arr.dem_ids[int(serving[overlaps][0])]
        return f"{arr.vol_ids[v]} serves {other} at an overlapping time"


def explain_unfilled(
    arr: Arrays, search: Search, assigned: BOOL, *, not_chosen_note: str
) -> tuple[Unfilled, ...]:
    """One Unfilled per demand with missing slots, in input order."""
    pairs = search.pairs
    pv, pd = pairs.v, pairs.d
    filled = np.bincount(pd[assigned], minlength=arr.n_dem)
    missing = arr.d_need - filled
    todo = np.flatnonzero(missing > 0)
    if todo.size == 0:
        return ()
    lo = np.searchsorted(pd, todo, side="left")
    hi = np.searchsorted(pd, todo, side="right")
    deg = hi - lo
    others = deg - filled[todo]
    # Candidates that do not serve a short demand, and whether each could have (vectorised).
    busy = _Busy(arr, pv, pd, assigned)
    cand = np.flatnonzero(~assigned & (missing[pd] > 0))
    cv, cd = pv[cand], pd[cand]
    is_free = busy.free(cv, cd)
    c_lo = np.searchsorted(cd, todo, side="left")
    no_pairs = todo[deg == 0]
    lacking = no_pairs[~search.available[no_pairs]]
    found = _witnessed(arr, pairs, lacking)
    found[~found] = in_reach(arr, lacking[~found], skilled=True)
    skilled = dict(zip(lacking.tolist(), found.tolist(), strict=True))
    nobody = lacking[~found]
    anyone = dict(zip(nobody.tolist(), in_reach(arr, nobody, skilled=False).tolist(), strict=True))

    out: list[Unfilled] = []
    for k, d in enumerate(todo.tolist()):
        n_missing = int(missing[d])
        n = int(others[k])
        if n > 0:
            span = slice(int(c_lo[k]), int(c_lo[k]) + n)
            free = cv[span][is_free[span]].tolist()
            if free:
                names = [arr.vol_ids[v] for v in free[:SHOWN]]
                text = f"{_names(names, len(free))} could serve but {not_chosen_note}"
                out.append(Unfilled(arr.dem_ids[d], n_missing, "NOT_CHOSEN", text))
                continue
            shown = [busy.why(v, d) for v in cv[span][:SHOWN].tolist()]
            more = f"; and {n - SHOWN} more" if n > SHOWN else ""
            who = "the other candidate is" if n == 1 else f"all {n} other candidates are"
            text = f"{who} busy: " + "; ".join(shown) + more
            out.append(Unfilled(arr.dem_ids[d], n_missing, "CANDIDATES_BUSY", text))
            continue
        if deg[k] > 0:
            who = "1 volunteer meets" if deg[k] == 1 else f"{deg[k]} volunteers meet"
            text = f"only {who} every rule (skills, window, insurance, distance), serving here"
            out.append(Unfilled(arr.dem_ids[d], n_missing, "TOO_FEW_CANDIDATES", text))
            continue
        out.append(_rule_out(arr, search, d, n_missing, skilled.get(d), anyone.get(d)))
    return tuple(out)


def _witnessed(arr: Arrays, pairs: Pairs, demands: I64) -> BOOL:
    """Per demand of ``demands``: True when a volunteer who is a candidate of a nearby demand
    holds every skill it requires and is within reach — what ``in_reach(skilled=True)`` asks,
    proven exactly for the few volunteers tried (so cheaply); False proves nothing."""
    out = np.zeros(demands.size, dtype=bool)
    served = np.unique(pairs.d)
    if demands.size == 0 or served.size == 0:
        return out
    k = min(WITNESS_DEMANDS, served.size)
    tree = cKDTree(unit_vectors(arr.d_lon[served], arr.d_lat[served]))
    _, near = tree.query(unit_vectors(arr.d_lon[demands], arr.d_lat[demands]), k=k)
    near = np.asarray(near, dtype=np.int64).reshape(-1)
    who = np.repeat(np.arange(demands.size), k)
    first = np.searchsorted(pairs.d, served, side="left")[near]  # pairs are sorted by demand
    count = np.searchsorted(pairs.d, served, side="right")[near] - first
    take = np.minimum(count, WITNESS_VOLUNTEERS)
    rep = np.repeat(np.arange(near.size), take)
    within = np.arange(rep.size) - np.repeat(np.cumsum(take) - take, take)
    v = pairs.v[first[rep] + within]
    who = who[rep]
    d = demands[who]
    ok = has_skills(arr, v, d) & (arr.v_cap[v] > 0)
    v, d, who = v[ok], d[ok], who[ok]
    dist = geodesic_m(arr.d_lon[d], arr.d_lat[d], arr.v_lon[v], arr.v_lat[v])
    out[who[dist <= arr.v_maxd[v]]] = True
    return out


def _rule_out(
    arr: Arrays, search: Search, d: int, n_missing: int, skilled: bool | None, anyone: bool | None
) -> Unfilled:
    """The first hard rule that leaves a demand without any candidate."""
    ident = arr.dem_ids[d]
    req = [arr.skill_names[s] for s in arr.d_req[d].tolist() if s >= 0]
    if search.available[d]:
        text = (
            "volunteers with the skills are within reach and free in the window, but none is "
            f"insured through {_insured_through(int(arr.d_end[d]))}"
        )
        return Unfilled(ident, n_missing, "NO_INSURANCE", text)
    if skilled:
        who = "volunteers with the skills" if req else "volunteers"
        text = f"{who} are within reach, but none is available "
        text += _when(int(arr.d_start[d]), int(arr.d_end[d]))
        return Unfilled(ident, n_missing, "NOT_AVAILABLE", text)
    if not req or not anyone:
        text = "no volunteer's range reaches it"
        return Unfilled(ident, n_missing, "NO_VOLUNTEER_IN_REACH", text)
    if len(req) == 1:
        text = f"nobody with skill {req[0]!r} within reach"
    else:
        text = "nobody within reach has all of " + ", ".join(repr(s) for s in req)
    return Unfilled(ident, n_missing, "NO_SKILL", text)


# Why a volunteer holds a slot that came to them through a team offer (team dispatch and
# escalation, issue 15.5–15.6): the dispatch's `reason`, in both languages.
ESCALATION_STEPS = {
    1: ("escalated to the parent team", "由上级队伍补位"),
    2: ("escalated to the corps", "由上级总队补位"),
    3: ("escalated to a paired 学会 team", "由结对学会队伍补位"),
}


def team_dispatch_reason(team_name: str, team_offer_id: int, escalation_step: int | None) -> str:
    """The explanation of a dispatch its team's captain made: which team, which offer, and
    which escalation step brought the demand to that team (none: offered to it by hand)."""
    if escalation_step is None:
        return (f"assigned by the captain of {team_name} (team offer {team_offer_id}) · "
                f"由{team_name}队长指派")
    en, zh = ESCALATION_STEPS[escalation_step]
    return (f"{en} (escalation step {escalation_step}): assigned by the captain of "
            f"{team_name} (team offer {team_offer_id}) · {zh}（逐级上报第{escalation_step}步，"
            f"{team_name}队长指派）")
