"""A year of service history: past demands at stations and past activities of county teams,
served by the demo's volunteers, recorded, confirmed, rewarded and reviewed.

The rows are those the services write (:func:`hub.services.records.record_service` with a
confirmation, its ``service_reward`` ledger transaction of points and time-bank minutes
against the issuance accounts, :mod:`hub.services.reviews`' 评单), loaded with COPY in the
seed's transaction. The database checks the records as it checks the services' (within their
demand's or activity's window); the ledger is checked once, over every entry, by the rules of
its per-entry trigger (balanced, never overdrawn: :func:`hub.seed.history_rows._check_ledger`).
Most volunteers serve a few hours a year, a few a great many (驻站服务周, a week's duty at a
station); some of the longest-registered are given the hours of each star level (100, 300,
600, 1000, 1500 h), so every level has volunteers. Every record is confirmed: the queue of
records waiting for confirmation (待确认) stays the workflow's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import psycopg

from hub.seed.history_rows import HistoryWriter
from hub.seed.service import CATEGORY_WEIGHTS, SeededStation, day_weights

STAR_HOURS = (100, 300, 600, 1000, 1500)
EXEMPLARS_PER_LEVEL = 2
PARTICIPATION = 0.25
MEDIAN_HOURS = 10.0
DUTY_HOURS = Decimal(40)
DUTY_FROM = 150.0  # a volunteer aiming at this many hours a year does station duty weeks
STATION_DAYS = 48  # service days a year at a station
TEAM_DAYS = 30  # activity days a year of a county team
SLOTS = ((9 * 60, 3), (14 * 60, 3), (9 * 60, 2), (15 * 60, 2), (8 * 60 + 30, 4))
ACTIVITY_SLOTS = ((9 * 60, 3), (9 * 60, 8), (14 * 60, 3))


@dataclass
class Volunteer:
    """What the history needs of a volunteer."""

    id: int
    region_code: str
    first_day: int   # the first day index (0 = a year ago) they may serve: after registering
    skills: list[str]
    station: SeededStation
    hours: Decimal = Decimal(0)
    keys: set[tuple[object, ...]] = field(default_factory=set)


def _volunteers(conn: psycopg.Connection, stations: list[SeededStation], first: date,
                days: int) -> list[Volunteer]:
    """Active and suspended volunteers with a home, each with a station of their county."""
    by_county: dict[str, list[SeededStation]] = {}
    for s in stations:
        by_county.setdefault(s.seat.code, []).append(s)
    out = []
    for vid, region, lon, lat, registered, skills in conn.execute(
        "SELECT id, region_code, ST_X(home_geom), ST_Y(home_geom), "
        "(registered_at AT TIME ZONE 'Asia/Shanghai')::date, skill_codes FROM volunteer "
        "WHERE status <> 'exited' AND home_geom IS NOT NULL AND region_code IS NOT NULL "
        "ORDER BY id"
    ).fetchall():
        near = by_county.get(region)
        if not near:
            continue
        station = min(near, key=lambda s: (s.lon - lon) ** 2 + (s.lat - lat) ** 2)
        start = max(0, (registered - first).days + 1)
        if start < days:
            out.append(Volunteer(int(vid), region, start, list(skills or ()), station))
    return out


def _targets(volunteers: list[Volunteer], rng: np.random.Generator, days: int
             ) -> dict[int, float]:
    """Hours each volunteer serves this year: most none or a few, a long tail, and the
    star levels' exemplars among those registered a whole year."""
    targets: dict[int, float] = {}
    joins = rng.random(len(volunteers)) < PARTICIPATION
    drawn = MEDIAN_HOURS * np.exp(rng.normal(0, 1.1, len(volunteers)))
    for v, joined, hours in zip(volunteers, joins.tolist(), drawn.tolist(), strict=True):
        weeks = (days - v.first_day) / 7
        if joined:
            targets[v.id] = min(hours, 0.6 * weeks * float(DUTY_HOURS) + 60, 700.0)
    veterans = [v for v in volunteers if v.first_day == 0]
    order = rng.permutation(len(veterans)).tolist()
    for level, hours in enumerate(STAR_HOURS):
        upper = STAR_HOURS[level + 1] if level + 1 < len(STAR_HOURS) else hours * 1.2
        for k in range(EXEMPLARS_PER_LEVEL):
            n = level * EXEMPLARS_PER_LEVEL + k
            if n < len(order):
                targets[veterans[order[n]].id] = hours + (upper - hours) * (0.1 + 0.3 * k)
    return targets


def _category(v: Volunteer, rng: np.random.Generator) -> str:
    if v.skills and rng.random() < 0.8:
        return v.skills[int(rng.integers(0, len(v.skills)))]
    names = list(CATEGORY_WEIGHTS)
    return names[int(rng.integers(0, len(names)))]


class Calendar:
    """The days a station serves (or a county team holds activities), drawn once each on the
    weighted days: volunteers near it serve on those, so an occasion has several of them."""

    def __init__(self, rng: np.random.Generator, weights: np.ndarray, per_year: int) -> None:
        self.rng, self.p, self.per_year = rng, weights / weights.sum(), per_year
        self.days: dict[object, np.ndarray] = {}

    def day(self, key: object, first_day: int) -> int | None:
        """One of ``key``'s days on or after ``first_day`` (None if it has none)."""
        days = self.days.get(key)
        if days is None:
            size = min(self.per_year, len(self.p))
            days = np.sort(self.rng.choice(len(self.p), size=size, replace=False, p=self.p))
            self.days[key] = days
        usable = days[days >= first_day]
        return int(usable[int(self.rng.integers(0, usable.size))]) if usable.size else None


@dataclass(frozen=True)
class Calendars:
    stations: Calendar
    teams: Calendar
    first: date
    days: int


def _duty(v: Volunteer, target: float, writer: HistoryWriter, rng: np.random.Generator,
          when: Calendars) -> None:
    """Duty weeks at the volunteer's station (Monday to Friday, 40 h) for the busiest."""
    mondays = [d for d in range(v.first_day, when.days - 5)
               if (when.first + timedelta(days=d)).weekday() == 0]
    count = min(len(mondays), int((target - 60) // float(DUTY_HOURS)))
    for d in sorted(rng.choice(mondays, size=count, replace=False).tolist()):
        occasion = writer.duty(v.station, when.first + timedelta(days=d), _category(v, rng))
        writer.serve(v, occasion, DUTY_HOURS, ("duty", v.station.id, d))


def _serve(v: Volunteer, target: float, writer: HistoryWriter, rng: np.random.Generator,
           when: Calendars, teams: dict[str, int]) -> None:
    """Sessions for ``v`` until the target is met: duty weeks for the busiest, then the
    station's service days and the county team's activities."""
    if target >= DUTY_FROM:
        _duty(v, target, writer, rng, when)
    for _ in range(400):
        if float(v.hours) >= target:
            return
        at_station = rng.random() < 0.65 or v.region_code not in teams
        calendar, place = ((when.stations, v.station.id) if at_station
                           else (when.teams, v.region_code))
        day = calendar.day(place, v.first_day)
        if day is None:
            continue
        on = when.first + timedelta(days=day)
        key: tuple[object, ...] = (at_station, place, day)
        if at_station:
            start, length = SLOTS[(v.station.id + day) % len(SLOTS)]
            occasion = writer.demand(v.station, on, start, length, _category(v, rng), key)
        else:
            start, length = ACTIVITY_SLOTS[day % len(ACTIVITY_SLOTS)]
            occasion = writer.activity(teams[v.region_code], v.station, on, start, length,
                                       _category(v, rng), key)
        served = Decimal(occasion.hours) - (Decimal("0.5") if rng.random() < 0.2 else 0)
        writer.serve(v, occasion, served, key)


def seed_history(conn: psycopg.Connection, *, stations: list[SeededStation],
                 rng: np.random.Generator, today: date, days: int) -> dict[str, int]:
    """Write ``days`` days of history before ``today``; return counts of what was written."""
    if days <= 0 or not stations:
        return {"service_records": 0}
    first = today - timedelta(days=days)
    volunteers = _volunteers(conn, stations, first, days)
    teams: dict[str, int] = dict(conn.execute(
        "SELECT region_code, min(id) FROM organization WHERE level = 'detachment' "
        "AND kind = 'association' GROUP BY region_code").fetchall())
    targets = _targets(volunteers, rng, days)
    weights = day_weights(first, days)
    when = Calendars(Calendar(rng, weights, STATION_DAYS), Calendar(rng, weights, TEAM_DAYS),
                     first, days)
    writer = HistoryWriter(rng=rng)
    for v in volunteers:
        if v.id in targets:
            _serve(v, targets[v.id], writer, rng, when, teams)
    return writer.write(conn)
