"""Which demands one volunteer fits (抢单), by the very rules the matcher pairs them with.

The rules are :mod:`hub.matching.candidates`' (``has_skills``, ``in_window``, ``insured``, the
geodesic reach of ``geodesic_m`` against the volunteer's own radius, capacity above zero),
applied to one volunteer against every demand of a problem, so a demand a volunteer may claim
is exactly a demand the matcher could dispatch them to. Where a pair fails, the first rule
that fails, in the explainer's order (capacity → reach → skills → window → insurance), says
why.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from hub.matching.arrays import compile_problem
from hub.matching.candidates import geodesic_m, has_skills, in_window, insured
from hub.matching.problem import Problem, ProblemError


class Unfit(StrEnum):
    """The first rule a (volunteer, demand) pair breaks."""

    NO_CAPACITY = "no_capacity"  # the volunteer's weekly capacity is used up
    OUT_OF_REACH = "out_of_reach"  # farther than the volunteer's service radius
    NO_SKILL = "no_skill"  # lacks a required skill
    NOT_AVAILABLE = "not_available"  # not free for the whole window
    NO_INSURANCE = "no_insurance"  # not insured until the demand ends


@dataclass(frozen=True, slots=True)
class Fit:
    """One demand for the volunteer: the geodesic distance from their home, and why they do
    not fit it (None: they do)."""

    demand_id: str
    distance_m: float
    unfit: Unfit | None


def fits_of_volunteer(problem: Problem, volunteer_id: str) -> list[Fit]:
    """Every demand of ``problem`` for one of its volunteers, in the problem's order."""
    arr = compile_problem(problem)
    try:
        vi = arr.vol_ids.index(volunteer_id)
    except ValueError:
        raise ProblemError("volunteerId", f"no volunteer with id {volunteer_id!r}") from None
    d = np.arange(arr.n_dem, dtype=np.int64)
    v = np.full(arr.n_dem, vi, dtype=np.int64)
    dist = geodesic_m(arr.d_lon, arr.d_lat, arr.v_lon[v], arr.v_lat[v])
    rules = (
        (Unfit.NO_CAPACITY, np.full(arr.n_dem, arr.v_cap[vi] > 0)),
        (Unfit.OUT_OF_REACH, dist <= arr.v_maxd[v]),
        (Unfit.NO_SKILL, has_skills(arr, v, d)),
        (Unfit.NOT_AVAILABLE, in_window(arr, v, d)),
        (Unfit.NO_INSURANCE, insured(arr, v, d)),
    )
    why: list[Unfit | None] = [None] * arr.n_dem
    for rule, ok in reversed(rules):  # the earliest failing rule is written last
        for i in np.flatnonzero(~ok).tolist():
            why[i] = rule
    return [Fit(arr.dem_ids[i], float(dist[i]), why[i]) for i in range(arr.n_dem)]


def distances_m(lon: float, lat: float, lons: list[float], lats: list[float]) -> list[float]:
    """WGS-84 geodesic metres from one point to each of many (the matcher's measure)."""
    there_lon, there_lat = np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64)
    here_lon, here_lat = np.full(there_lon.size, lon), np.full(there_lat.size, lat)
    return [float(m) for m in geodesic_m(here_lon, here_lat, there_lon, there_lat)]
