"""JSON documents ⇄ dataclasses: parse_problem, problem_to_dict, plan_to_dict.

Every error names the place in the document: ``volunteers[3].lat: 91 is outside -90..90``.
The shapes are described by problem.schema.json and plan.schema.json next to this file.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

from hub.matching.arrays import CST_OFFSET_S, TIME_MAX_S, TIME_MIN_S
from hub.matching.problem import (
    CRS_NAMES,
    ENGINES,
    MAX_LEVEL,
    MIN_LEVEL,
    Demand,
    Options,
    Plan,
    PriorityFloor,
    Problem,
    ProblemError,
    Volunteer,
)

CST = dt.timezone(dt.timedelta(seconds=CST_OFFSET_S))
VOLUNTEER_KEYS = {
    "id",
    "lon",
    "lat",
    "skills",
    "capacity",
    "maxDistanceM",
    "availability",
    "insuredUntil",
}
VOLUNTEER_REQUIRED = ("id", "lon", "lat", "maxDistanceM", "availability")
DEMAND_KEYS = {
    "id",
    "lon",
    "lat",
    "skills",
    "needed",
    "start",
    "end",
    "priority",
    "requiresInsurance",
    "priorityArea",
    "region",
}
DEMAND_REQUIRED = ("id", "lon", "lat", "start", "end")


class DuplicateKeys(dict[str, Any]):
    """A JSON object that repeated a key; json.loads(object_pairs_hook=...) builds these."""

    duplicates: tuple[str, ...] = ()


def object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` for json.loads that remembers repeated keys."""
    out = DuplicateKeys(pairs)
    if len(out) != len(pairs):
        keys = [k for k, _ in pairs]
        out.duplicates = tuple(k for i, k in enumerate(keys) if k in keys[:i])
    return out


def _show(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def _object(value: Any, path: str, allowed: set[str], required: tuple[str, ...] = ()) -> dict:
    if not isinstance(value, dict):
        raise ProblemError(path, f"must be an object, not {_show(value)}")
    for key in getattr(value, "duplicates", ()):
        raise ProblemError(f"{path}.{key}" if path else key, "appears twice")
    for key in value:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise ProblemError(where, f"unknown key (expected one of {', '.join(sorted(allowed))})")
    for key in required:
        if key not in value:
            raise ProblemError(f"{path}.{key}" if path else key, "is required")
    return value


def _list(value: Any, path: str) -> list:
    if not isinstance(value, list):
        raise ProblemError(path, f"must be an array, not {_show(value)}")
    return value


def _number(value: Any, path: str, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ProblemError(path, f"{_show(value)} is not a number")
    if lo is not None and hi is not None and not lo <= value <= hi:
        raise ProblemError(path, f"{_show(value)} is outside {lo:g}..{hi:g}")
    if lo is not None and value < lo:
        raise ProblemError(path, f"{_show(value)} must be >= {lo:g}")
    return float(value)


def _positive(value: Any, path: str) -> float:
    number = _number(value, path)
    if number <= 0:
        raise ProblemError(path, f"{_show(value)} must be > 0")
    return number


def _integer(value: Any, path: str, lo: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProblemError(path, f"{_show(value)} is not an integer")
    if value < lo:
        raise ProblemError(path, f"{value} must be >= {lo}")
    return value


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise ProblemError(path, f"{_show(value)} must be a non-empty string")
    return value


def _instant(value: Any, path: str) -> int:
    """An ISO 8601 date-time with a UTC offset, as epoch seconds."""
    if not isinstance(value, str):
        raise ProblemError(path, f"{_show(value)} must be a date-time string")
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ProblemError(path, f"{_show(value)} is not an ISO 8601 date-time") from None
    if when.tzinfo is None:
        raise ProblemError(path, f"{_show(value)} needs a UTC offset such as +08:00")
    seconds = math.floor(when.timestamp())
    if not TIME_MIN_S <= seconds <= TIME_MAX_S:
        raise ProblemError(path, f"{_show(value)} is outside 1970..2200")
    return seconds


def _insured_until(value: Any, path: str) -> int | None:
    """A date (valid through that day, UTC+8) or a date-time with offset; null = uninsured."""
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 10:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ProblemError(path, f"{_show(value)} is not a date (YYYY-MM-DD)") from None
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), CST)
        return int(end.timestamp())
    return _instant(value, path)


def _unique_ids(items: list[dict], what: str) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        ident = item["id"]
        if ident in seen:
            raise ProblemError(
                f"{what}[{i}].id", f"duplicate id {_show(ident)} (first at {what}[{seen[ident]}])"
            )
        seen[ident] = i


def _skills(value: Any, path: str) -> dict[str, int]:
    """``{"health": 3}`` (levels 1–5) or ``["health"]`` (level 1 each)."""
    skills: dict[str, int] = {}
    if isinstance(value, list):
        for j, name in enumerate(value):
            name = _string(name, f"{path}[{j}]")
            if name in skills:
                raise ProblemError(f"{path}[{j}]", f"{_show(name)} is listed twice")
            skills[name] = MIN_LEVEL
        return skills
    if not isinstance(value, dict):
        raise ProblemError(path, f"must be an object or an array, not {_show(value)}")
    for key in getattr(value, "duplicates", ()):
        raise ProblemError(f"{path}.{key}", "appears twice")
    for name, level in value.items():
        where = f"{path}.{name}"
        _string(name, path)
        level = _integer(level, where, MIN_LEVEL)
        if level > MAX_LEVEL:
            raise ProblemError(where, f"{level} is outside {MIN_LEVEL}..{MAX_LEVEL}")
        skills[name] = level
    return skills


def _windows(value: Any, path: str) -> tuple[tuple[int, int], ...]:
    windows = []
    for j, window in enumerate(_list(value, path)):
        where = f"{path}[{j}]"
        if not isinstance(window, list) or len(window) != 2:
            raise ProblemError(where, "must be a [start, end] pair")
        start = _instant(window[0], f"{where}[0]")
        end = _instant(window[1], f"{where}[1]")
        if end <= start:
            raise ProblemError(f"{where}[1]", f"{_show(window[1])} is not after {_show(window[0])}")
        windows.append((start, end))
    return tuple(windows)


def _volunteer(raw: Any, path: str) -> Volunteer:
    doc = _object(raw, path, VOLUNTEER_KEYS, VOLUNTEER_REQUIRED)
    return Volunteer(
        id=_string(doc["id"], f"{path}.id"),
        lon=_number(doc["lon"], f"{path}.lon", -180, 180),
        lat=_number(doc["lat"], f"{path}.lat", -90, 90),
        skills=_skills(doc.get("skills", {}), f"{path}.skills"),
        capacity=_integer(doc.get("capacity", 1), f"{path}.capacity", 0),
        max_distance_m=_number(doc["maxDistanceM"], f"{path}.maxDistanceM", 0),
        availability=_windows(doc["availability"], f"{path}.availability"),
        insured_until_s=_insured_until(doc.get("insuredUntil"), f"{path}.insuredUntil"),
    )


def _demand(raw: Any, path: str) -> Demand:
    doc = _object(raw, path, DEMAND_KEYS, DEMAND_REQUIRED)
    ident = _string(doc["id"], f"{path}.id")
    lon = _number(doc["lon"], f"{path}.lon", -180, 180)
    lat = _number(doc["lat"], f"{path}.lat", -90, 90)
    names: list[str] = []
    for j, name in enumerate(_list(doc.get("skills", []), f"{path}.skills")):
        name = _string(name, f"{path}.skills[{j}]")
        if name in names:
            raise ProblemError(f"{path}.skills[{j}]", f"{_show(name)} is listed twice")
        names.append(name)
    needed = _integer(doc.get("needed", 1), f"{path}.needed", 1)
    start = _instant(doc["start"], f"{path}.start")
    end = _instant(doc["end"], f"{path}.end")
    if end <= start:
        raise ProblemError(
            f"{path}.end", f"{_show(doc['end'])} is not after start {_show(doc['start'])}"
        )
    insurance = doc.get("requiresInsurance", False)
    if not isinstance(insurance, bool):
        raise ProblemError(f"{path}.requiresInsurance", f"{_show(insurance)} must be true or false")
    area = doc.get("priorityArea", False)
    if not isinstance(area, bool):
        raise ProblemError(f"{path}.priorityArea", f"{_show(area)} must be true or false")
    return Demand(
        id=ident,
        lon=lon,
        lat=lat,
        skills=tuple(names),
        needed=needed,
        start_s=start,
        end_s=end,
        priority=_positive(doc.get("priority", 1.0), f"{path}.priority"),
        requires_insurance=insurance,
        priority_area=area,
        region=_string(doc["region"], f"{path}.region") if "region" in doc else "",
    )


def _options(raw: Any) -> Options:
    doc = _object(
        raw, "options", {"weights", "timeLimitS", "crs", "engine", "priorityMinFillRate"}
    )
    weights = _object(doc.get("weights", {}), "options.weights", {"skill", "fairness"})
    defaults = Options()
    crs = doc.get("crs", defaults.crs)
    if crs not in CRS_NAMES:
        raise ProblemError("options.crs", f"{_show(crs)} is not one of {', '.join(CRS_NAMES)}")
    engine = doc.get("engine", defaults.engine)
    if engine not in ENGINES:
        raise ProblemError("options.engine", f"{_show(engine)} is not one of {', '.join(ENGINES)}")
    return Options(
        skill_weight=_number(
            weights.get("skill", defaults.skill_weight), "options.weights.skill", 0
        ),
        fairness_weight=_number(
            weights.get("fairness", defaults.fairness_weight), "options.weights.fairness", 0
        ),
        time_limit_s=_positive(doc.get("timeLimitS", defaults.time_limit_s), "options.timeLimitS"),
        crs=crs,
        engine=engine,
        priority_min_fill_rate=_rate(doc.get("priorityMinFillRate")),
    )


def _rate(value: Any) -> float | None:
    """A fill rate in [0, 1], or None (no floor)."""
    if value is None:
        return None
    return _number(value, "options.priorityMinFillRate", 0, 1)


def parse_problem(doc: Mapping[str, Any]) -> Problem:
    """A Problem from its JSON document; raises ProblemError naming the bad path."""
    top = _object(doc, "", {"volunteers", "demands", "options"}, ("volunteers", "demands"))
    vol_docs = _list(top["volunteers"], "volunteers")
    dem_docs = _list(top["demands"], "demands")
    volunteers = tuple(_volunteer(v, f"volunteers[{i}]") for i, v in enumerate(vol_docs))
    demands = tuple(_demand(d, f"demands[{i}]") for i, d in enumerate(dem_docs))
    _unique_ids(vol_docs, "volunteers")
    _unique_ids(dem_docs, "demands")
    options = _options(top.get("options", {}))
    return Problem(volunteers, demands, options)


def _iso(seconds: int) -> str:
    return dt.datetime.fromtimestamp(seconds, CST).isoformat()


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The JSON document of a problem (times written in UTC+08:00)."""
    o = problem.options
    return {
        "volunteers": [
            {
                "id": v.id,
                "lon": v.lon,
                "lat": v.lat,
                "skills": dict(v.skills),
                "capacity": v.capacity,
                "maxDistanceM": v.max_distance_m,
                "availability": [[_iso(a), _iso(b)] for a, b in v.availability],
                "insuredUntil": None if v.insured_until_s is None else _iso(v.insured_until_s),
            }
            for v in problem.volunteers
        ],
        "demands": [
            {
                "id": d.id,
                "lon": d.lon,
                "lat": d.lat,
                "skills": list(d.skills),
                "needed": d.needed,
                "start": _iso(d.start_s),
                "end": _iso(d.end_s),
                "priority": d.priority,
                "requiresInsurance": d.requires_insurance,
                "priorityArea": d.priority_area,
                **({"region": d.region} if d.region else {}),
            }
            for d in problem.demands
        ],
        "options": {
            "weights": {"skill": o.skill_weight, "fairness": o.fairness_weight},
            "timeLimitS": o.time_limit_s,
            "crs": o.crs,
            "engine": o.engine,
            "priorityMinFillRate": o.priority_min_fill_rate,
        },
    }


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The JSON document of a plan (see plan.schema.json)."""
    s = plan.stats
    stats: dict[str, Any] = {
        "solver": s.solver,
        "status": s.status,
        "filledSlots": s.filled_slots,
        "totalDistanceM": s.total_distance_m,
        "objective": s.objective,
        "bound": s.bound,
        "gap": s.gap,
        "costM": s.cost_m,
        "seconds": s.seconds,
        "candidatePairs": s.candidate_pairs,
        "distanceResolutionM": s.distance_resolution_m,
        "components": dict(s.components),
        "timings": dict(s.timings),
        **({} if s.fanout is None else {"fanout": s.fanout}),
    }
    if s.priority_floor is not None:
        stats["priorityFloor"] = _floor(s.priority_floor)
    return {
        "assignments": [
            {
                "volunteerId": a.volunteer_id,
                "demandId": a.demand_id,
                "distanceM": a.distance_m,
                "reason": a.reason,
            }
            for a in plan.assignments
        ],
        "unfilled": [
            {"demandId": u.demand_id, "missing": u.missing, "code": u.code, "reason": u.reason}
            for u in plan.unfilled
        ],
        "stats": stats,
    }


def _floor(f: PriorityFloor) -> dict[str, Any]:
    """The floor's figures with camelCase keys (min_fill_rate → minFillRate)."""
    return {k.split("_")[0] + "".join(w.capitalize() for w in k.split("_")[1:]): v
            for k, v in dataclasses.asdict(f).items()}
