"""Columnar numpy arrays compiled from a Problem, checked on the way (vectorised).

Everything the solvers touch at scale lives here: skills as bitmasks, times as int64 epoch
seconds, availability windows merged and keyed for ``searchsorted`` look-ups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from hub.matching.problem import (
    CRS_NAMES,
    ENGINES,
    MAX_LEVEL,
    MIN_LEVEL,
    Problem,
    ProblemError,
)

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
U64 = npt.NDArray[np.uint64]
BOOL = npt.NDArray[np.bool_]

#: China Standard Time (UTC+08:00): the calendar used for day buckets and insurance dates.
CST_OFFSET_S = 8 * 3600
DAY_S = 86_400
#: Earliest and latest instants accepted (1970-01-01 and 2200-01-01 UTC).
TIME_MIN_S = 0
TIME_MAX_S = 7_258_118_400
#: A dense (volunteer, skill) level table is kept up to this many cells (1 byte each).
LEVEL_TABLE_CELLS = 64_000_000
#: Insurance instant for an uninsured volunteer: before any demand can end.
UNINSURED_S = -(2**62)


@dataclass(frozen=True, slots=True)
class Arrays:
    """A problem as parallel arrays; indices follow the input order of the problem."""

    vol_ids: tuple[str, ...]
    dem_ids: tuple[str, ...]
    skill_names: tuple[str, ...]
    v_lon: F64
    v_lat: F64
    v_cap: I64
    v_maxd: F64
    v_ins: I64
    v_mask: U64  # (n_vol, words): bit s set when the volunteer has skill s
    sk_ptr: I64  # (n_vol + 1) offsets: volunteer v's skills are sk_skill[sk_ptr[v]:sk_ptr[v+1]]
    sk_skill: I64  # skill index, sorted by (volunteer, skill)
    sk_level: I64  # level aligned with sk_skill
    level_table: npt.NDArray[np.int8] | None  # (n_vol, n_skills) levels, when small enough
    win_ptr: I64  # (n_vol + 1) offsets into the merged windows below
    win_a: I64  # merged availability windows, sorted by (volunteer, start)
    win_b: I64
    d_lon: F64
    d_lat: F64
    d_need: I64
    d_start: I64
    d_end: I64
    d_prio: F64
    d_ins: BOOL
    d_mask: U64  # (n_dem, words)
    d_req: I64  # (n_dem, max required) skill indices, -1 padded

    @property
    def n_vol(self) -> int:
        return len(self.vol_ids)

    @property
    def n_dem(self) -> int:
        return len(self.dem_ids)

    @property
    def n_skills(self) -> int:
        return len(self.skill_names)


class EngineArrays(Protocol):
    """What the engine (flows, CP-SAT: engine.solve_kernel, chunks.py) reads of a problem:
    :class:`Arrays`, or a fanned-out part's ``hub.matching.kernel.Kernel``."""

    @property
    def v_cap(self) -> I64: ...
    @property
    def d_need(self) -> I64: ...
    @property
    def d_start(self) -> I64: ...
    @property
    def d_end(self) -> I64: ...
    @property
    def d_prio(self) -> F64: ...
    @property
    def n_vol(self) -> int: ...
    @property
    def n_dem(self) -> int: ...


def _column(items: Sequence[object], name: str, dtype: type) -> npt.NDArray[Any]:
    """One attribute of every item as an array (attrgetter is the fastest way to read it)."""
    return np.fromiter(map(attrgetter(name), items), dtype, len(items))


def _first(bad: BOOL) -> int | None:
    hits = np.flatnonzero(bad)
    return int(hits[0]) if hits.size else None


def _check_ids(ids: list[str], what: str) -> None:
    if len(set(ids)) == len(ids) and all(isinstance(i, str) and i for i in ids):
        return
    seen: dict[str, int] = {}
    for i, ident in enumerate(ids):
        if not isinstance(ident, str) or not ident:
            raise ProblemError(f"{what}[{i}].id", "must be a non-empty string")
        if ident in seen:
            raise ProblemError(
                f"{what}[{i}].id", f"duplicate id {ident!r} (first at {what}[{seen[ident]}])"
            )
        seen[ident] = i


def _check_coords(lon: F64, lat: F64, what: str) -> None:
    i = _first(~np.isfinite(lon) | (lon < -180) | (lon > 180))
    if i is not None:
        raise ProblemError(f"{what}[{i}].lon", f"{lon[i]:g} is outside -180..180")
    i = _first(~np.isfinite(lat) | (lat < -90) | (lat > 90))
    if i is not None:
        raise ProblemError(f"{what}[{i}].lat", f"{lat[i]:g} is outside -90..90")


def _check_time(t: I64, path: str) -> None:
    i = _first((t < TIME_MIN_S) | (t > TIME_MAX_S))
    if i is not None:
        raise ProblemError(path.format(i), f"{int(t[i])} is outside 1970..2200")


def _to_wgs84(lon: F64, lat: F64, crs: str) -> tuple[F64, F64]:
    """Convert client coordinates (GCJ-02 / BD-09) to WGS-84; a no-op for WGS-84."""
    if crs == "WGS84" or lon.size == 0:
        return lon, lat
    from hub.geo.crs import convert  # lazy: only problems in another CRS need it

    out_lon, out_lat = convert(lon, lat, crs, "WGS84")
    return np.asarray(out_lon, dtype=np.float64), np.asarray(out_lat, dtype=np.float64)


def _merge_windows(v: I64, a: I64, b: I64, span: int, t0: int) -> tuple[I64, I64, I64]:
    """Merge each volunteer's overlapping or touching windows; sorted by (volunteer, start)."""
    if v.size == 0:
        return v, a, b
    ka = v * span + (a - t0)
    if (ka[1:] < ka[:-1]).any():
        order = np.argsort(ka, kind="stable")
        v, a, b, ka = v[order], a[order], b[order], ka[order]
    kb = v * span + (b - t0)
    reach = np.maximum.accumulate(kb)
    new = np.ones(v.size, dtype=bool)
    new[1:] = ka[1:] > reach[:-1]
    starts = np.flatnonzero(new)
    return v[starts], a[starts], np.maximum.reduceat(kb, starts) - v[starts] * span + t0


def _options(problem: Problem) -> None:
    o = problem.options
    for name, value in (("weights.skill", o.skill_weight), ("weights.fairness", o.fairness_weight)):
        if not np.isfinite(value) or value < 0:
            raise ProblemError(f"options.{name}", f"{value!r} must be a number >= 0")
    if not np.isfinite(o.time_limit_s) or o.time_limit_s <= 0:
        raise ProblemError("options.timeLimitS", f"{o.time_limit_s!r} must be > 0")
    if o.crs not in CRS_NAMES:
        raise ProblemError("options.crs", f"{o.crs!r} is not one of {', '.join(CRS_NAMES)}")
    if o.engine not in ENGINES:
        raise ProblemError("options.engine", f"{o.engine!r} is not one of {', '.join(ENGINES)}")


def _shared(items: Sequence[Any]) -> tuple[list[Any], I64]:
    """The distinct objects among ``items`` (by identity) in order of first use, and each
    item's index among them. Problems built by the hub share one skills mapping per skill set
    and one windows tuple per weekly pattern (a big city's 179,000 volunteers hold a few
    hundred), so each is read once."""
    seen: dict[int, int] = {}
    distinct: list[Any] = []
    index = []
    for item in items:
        k = seen.get(id(item))
        if k is None:
            k = seen[id(item)] = len(distinct)
            distinct.append(item)
        index.append(k)
    return distinct, np.asarray(index, dtype=np.int64)


def spans(starts: I64, counts: I64) -> tuple[I64, I64]:
    """The runs ``starts[i] .. starts[i] + counts[i] - 1`` laid end to end: for each element,
    its run ``i`` and its value."""
    owner = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    at = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(
        int(counts.sum()), dtype=np.int64)
    return owner, at


def _gather(ptr: I64, of: I64) -> tuple[I64, I64]:
    """For items ``of`` (indices into groups with entries ptr[g]:ptr[g+1]): each item's
    entries, as (item, entry) in item order."""
    return spans(ptr[:-1][of], (ptr[1:] - ptr[:-1])[of])


def _volunteer_skills(problem: Problem, skill_index: dict[str, int]) -> tuple[I64, I64, I64, U64]:
    """Skill entries (ptr, skill, level) sorted by volunteer, and the bitmask per volunteer."""
    vols = problem.volunteers
    nv = len(vols)
    sets, of = _shared(list(map(attrgetter("skills"), vols)))
    set_ptr = np.concatenate(([0], np.cumsum([len(x) for x in sets]))).astype(np.int64)
    names = list(chain.from_iterable(sets))
    levels = np.fromiter(chain.from_iterable(x.values() for x in sets), np.int64, len(names))
    set_of_entry = np.repeat(np.arange(len(sets), dtype=np.int64), np.diff(set_ptr))
    for i, name in enumerate(names):
        if not isinstance(name, str) or not name:
            at = int(np.flatnonzero(of == set_of_entry[i])[0])
            raise ProblemError(f"volunteers[{at}].skills", f"{name!r} is not a skill name")
    bad = (levels < MIN_LEVEL) | (levels > MAX_LEVEL)
    if bad.any():
        at = int(np.flatnonzero(np.isin(of, set_of_entry[bad]))[0])
        i = int(set_ptr[of[at]] + np.flatnonzero(bad[set_ptr[of[at]]:set_ptr[of[at] + 1]])[0])
        raise ProblemError(f"volunteers[{at}].skills.{names[i]}",
                           f"level {levels[i]} is outside {MIN_LEVEL}..{MAX_LEVEL}")
    skill = np.fromiter((skill_index.get(n, -1) for n in names), np.int64, len(names))
    # Each set's entries: only skills some demand asks for (the others never matter), by skill.
    keep = np.flatnonzero(skill >= 0)
    keep = keep[np.lexsort((skill[keep], set_of_entry[keep]))]
    set_ptr = np.concatenate(([0], np.cumsum(np.bincount(set_of_entry[keep],
                                                         minlength=len(sets))))).astype(np.int64)
    skill, levels, set_of_entry = skill[keep], levels[keep], set_of_entry[keep]
    owner, entry = _gather(set_ptr, of)
    words = max(1, (len(skill_index) + 63) // 64)
    set_mask = np.zeros((len(sets), words), dtype=np.uint64)
    bits = np.left_shift(np.uint64(1), (skill % 64).astype(np.uint64))
    np.bitwise_or.at(set_mask, (set_of_entry, skill // 64), bits)
    ptr = np.concatenate(([0], np.cumsum(np.bincount(owner, minlength=nv)))).astype(np.int64)
    return ptr, skill[entry], levels[entry], set_mask[of]


def _level_table(ptr: I64, skill: I64, level: I64, n_skills: int) -> npt.NDArray[np.int8] | None:
    n_vol = ptr.size - 1
    if n_vol * n_skills > LEVEL_TABLE_CELLS or n_skills == 0:
        return None
    table = np.zeros((n_vol, n_skills), dtype=np.int8)
    table[np.repeat(np.arange(n_vol), np.diff(ptr)), skill] = level
    return table


def _volunteer_windows(problem: Problem) -> tuple[I64, I64, I64]:
    """Availability windows as (owner, start, end), checked, in input order."""
    vols = problem.volunteers
    sets, of = _shared(list(map(attrgetter("availability"), vols)))
    counts = np.fromiter(map(len, sets), np.int64, len(sets))
    flat = np.fromiter(chain.from_iterable(chain.from_iterable(sets)), np.int64,
                       2 * int(counts.sum())).reshape(-1, 2)
    set_ptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    set_a, set_b = flat[:, 0], flat[:, 1]
    checks = [(set_b <= set_a, "end is not after start")]
    for t, name in ((set_a, "start"), (set_b, "end")):
        checks.append(((t < TIME_MIN_S) | (t > TIME_MAX_S), name))
    for bad, what in checks:
        if bad.any():  # the first volunteer holding a bad window, and its first one
            set_of = np.repeat(np.arange(len(sets), dtype=np.int64), counts)
            at = int(np.flatnonzero(np.isin(of, set_of[bad]))[0])
            k = int(np.flatnonzero(bad[set_ptr[of[at]]:set_ptr[of[at] + 1]])[0])
            when = int(flat[set_ptr[of[at]] + k, 0 if what == "start" else 1])
            message = what if what.startswith("end is") else f"{what} {when} is outside 1970..2200"
            raise ProblemError(f"volunteers[{at}].availability[{k}]", message)
    owner, entry = _gather(set_ptr, of)
    return owner, set_a[entry], set_b[entry]


def compile_problem(problem: Problem) -> Arrays:
    """Check a problem and turn it into arrays; raises ProblemError naming the bad path."""
    _options(problem)
    vols, dems = problem.volunteers, problem.demands
    nv, nd = len(vols), len(dems)
    vol_ids = [v.id for v in vols]
    dem_ids = [d.id for d in dems]
    _check_ids(vol_ids, "volunteers")
    _check_ids(dem_ids, "demands")

    v_lon = _column(vols, "lon", np.float64)
    v_lat = _column(vols, "lat", np.float64)
    _check_coords(v_lon, v_lat, "volunteers")
    v_cap = _column(vols, "capacity", np.int64)
    i = _first(v_cap < 0)
    if i is not None:
        raise ProblemError(f"volunteers[{i}].capacity", f"{v_cap[i]} must be >= 0")
    v_maxd = _column(vols, "max_distance_m", np.float64)
    i = _first(~np.isfinite(v_maxd) | (v_maxd < 0))
    if i is not None:
        raise ProblemError(f"volunteers[{i}].maxDistanceM", f"{v_maxd[i]:g} must be >= 0")
    v_ins = np.fromiter(
        (UNINSURED_S if v.insured_until_s is None else v.insured_until_s for v in vols),
        np.int64,
        nv,
    )

    skill_index: dict[str, int] = {}
    max_req = 1
    for di, d in enumerate(dems):
        if len(set(d.skills)) != len(d.skills):
            raise ProblemError(f"demands[{di}].skills", "lists a skill twice")
        max_req = max(max_req, len(d.skills))
        for name in d.skills:
            if not isinstance(name, str) or not name:
                raise ProblemError(f"demands[{di}].skills", f"{name!r} is not a skill name")
            skill_index.setdefault(name, len(skill_index))
    sk_ptr, sk_skill, sk_level, v_mask = _volunteer_skills(problem, skill_index)
    win_v, win_a, win_b = _volunteer_windows(problem)

    d_lon = _column(dems, "lon", np.float64)
    d_lat = _column(dems, "lat", np.float64)
    _check_coords(d_lon, d_lat, "demands")
    d_need = _column(dems, "needed", np.int64)
    i = _first(d_need < 1)
    if i is not None:
        raise ProblemError(f"demands[{i}].needed", f"{d_need[i]} must be >= 1")
    d_start = _column(dems, "start_s", np.int64)
    d_end = _column(dems, "end_s", np.int64)
    _check_time(d_start, "demands[{}].start")
    _check_time(d_end, "demands[{}].end")
    i = _first(d_end <= d_start)
    if i is not None:
        raise ProblemError(f"demands[{i}].end", "is not after start")
    d_prio = _column(dems, "priority", np.float64)
    i = _first(~np.isfinite(d_prio) | (d_prio <= 0))
    if i is not None:
        raise ProblemError(f"demands[{i}].priority", f"{d_prio[i]:g} must be > 0")
    d_ins = _column(dems, "requires_insurance", np.bool_)
    d_req = np.full((nd, max_req), -1, dtype=np.int64)
    d_mask = np.zeros((nd, v_mask.shape[1]), dtype=np.uint64)
    for di, d in enumerate(dems):
        for r, name in enumerate(d.skills):
            s = skill_index[name]
            d_req[di, r] = s
            d_mask[di, s // 64] |= np.uint64(1) << np.uint64(s % 64)

    times = [t for t in (win_a, win_b, d_start, d_end) if t.size]
    t0 = min(int(t.min()) for t in times) if times else 0
    span = max(int(t.max()) for t in times) - t0 + 1 if times else 1
    win_v, win_a, win_b = _merge_windows(win_v, win_a, win_b, span, t0)
    v_lon, v_lat = _to_wgs84(v_lon, v_lat, problem.options.crs)
    d_lon, d_lat = _to_wgs84(d_lon, d_lat, problem.options.crs)
    return Arrays(
        vol_ids=tuple(vol_ids),
        dem_ids=tuple(dem_ids),
        skill_names=tuple(skill_index),
        v_lon=v_lon,
        v_lat=v_lat,
        v_cap=v_cap,
        v_maxd=v_maxd,
        v_ins=v_ins,
        v_mask=v_mask,
        sk_ptr=sk_ptr,
        sk_skill=sk_skill,
        sk_level=sk_level,
        level_table=_level_table(sk_ptr, sk_skill, sk_level, len(skill_index)),
        win_ptr=np.concatenate(([0], np.cumsum(np.bincount(win_v, minlength=nv)))).astype(np.int64),
        win_a=win_a,
        win_b=win_b,
        d_lon=d_lon,
        d_lat=d_lat,
        d_need=d_need,
        d_start=d_start,
        d_end=d_end,
        d_prio=d_prio,
        d_ins=d_ins,
        d_mask=d_mask,
        d_req=d_req,
    )
