"""Small worlds for workflow tests: a station, a demand there, volunteers nearby."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import AsyncConnection

from hub.auth import Caller, Role
from hub.schema.node import encode_id
from hub.store.base import ConnectionDatabase, Database

ADMIN = Caller(role=Role.ADMIN, sub="a1")
ZHENGZHOU = Caller(role=Role.DISPATCHER, sub="d-zz", region="410100000000")
LANZHOU = Caller(role=Role.DISPATCHER, sub="d-lz", region="620100000000")


def volunteer_caller(volunteer_id: int) -> Caller:
    """A volunteer's token."""
    return Caller(role=Role.VOLUNTEER, sub=encode_id("Volunteer", volunteer_id))


@dataclass(frozen=True)
class World:
    """A demand at a station and volunteers who can all serve it."""

    station_id: int
    region_code: str
    lon: float
    lat: float
    demand_id: int
    volunteer_ids: list[int]
    starts_at: datetime

    @property
    def demand_gid(self) -> str:
        return encode_id("Demand", self.demand_id)


async def one(conn: AsyncConnection[Any], sql: str, params: Any = None) -> Any:
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


async def add_volunteers(conn: AsyncConnection[Any], lon: float, lat: float, region: str,
                         n: int) -> list[int]:
    """Volunteers free all week, skilled in health, living a few hundred metres away."""
    ids = []
    for k in range(n):
        ids.append(await one(conn, (
            "INSERT INTO volunteer (real_name, skills, home_geom, region_code, "
            "weekly_availability, service_radius_m, capacity_per_week) VALUES (%s, "
            "'{\"health\": 3}', ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, "
            "'{[0,10080)}', 20000, 10) RETURNING id"),
            (f"测试志愿者{k}", lon + 0.002 * (k + 1), lat, region)))
    return ids


async def add_demand(conn: AsyncConnection[Any], station_id: int, starts_at: datetime, *,
                     needed: int = 1, hours: float = 2, skills: tuple[str, ...] = ("health",),
                     lon: float | None = None, lat: float | None = None) -> int:
    """A demand at a station (or at a given point in the station's region)."""
    return int(await one(conn, (
        "INSERT INTO demand (title, category, required_skills, needed, time_window, "
        "location_geom, station_id, region_code, raised_by) SELECT '测试需求', 'health', %s, %s, "
        "tstzrange(%s, %s), coalesce(ST_SetSRID(ST_MakePoint(%s::float8, %s::float8), 4326), "
        "s.location_geom), s.id, s.region_code, 'test' FROM station s WHERE s.id = %s "
        "RETURNING id"),
        (list(skills), needed, starts_at, starts_at + timedelta(hours=hours), lon, lat,
         station_id)))


async def world(conn: AsyncConnection[Any], *, needed: int = 1, volunteers: int = 3,
                starts_in: timedelta = timedelta(days=3)) -> World:
    """A fresh demand in Zhengzhou's station 1 and ``volunteers`` able to serve it."""
    station_id, region, lon, lat = await one(
        conn, "SELECT id, region_code, ST_X(location_geom), ST_Y(location_geom) FROM station "
              "WHERE id = 1")
    now = await one(conn, "SELECT now()")
    starts = (now + starts_in).replace(microsecond=0)
    demand = await add_demand(conn, station_id, starts, needed=needed)
    vols = await add_volunteers(conn, lon, lat, region, volunteers)
    return World(station_id, region, lon, lat, demand, vols, starts)


async def require_a_skill_nobody_has(conn: AsyncConnection[Any], demand_id: int) -> None:
    """Make the demand need 生物安全 and take that skill from every volunteer (inside the test's
    transaction): nobody is left to offer it to, whatever the seed put near it and whenever
    the test runs (a seeded expert's weekly availability may cover the demand's window)."""
    await conn.execute("UPDATE demand SET required_skills = '{biosafety}' WHERE id = %s",
                       (demand_id,))
    await conn.execute("UPDATE volunteer SET skills = skills - 'biosafety' "
                       "WHERE skills ? 'biosafety'")


async def offer(conn: AsyncConnection[Any], demand_id: int, volunteer_id: int) -> int:
    """An offered dispatch, straight in SQL."""
    return int(await one(conn, (
        "INSERT INTO dispatch (demand_id, volunteer_id, time_window, offered_by, respond_by) "
        "SELECT id, %s, time_window, 'test', least(now() + interval '1 day', "
        "lower(time_window)) FROM demand WHERE id = %s RETURNING id"),
        (volunteer_id, demand_id)))


# How to walk a dispatch from offered to each state in SQL (columns the checks require).
PATHS: dict[str, list[tuple[str, str]]] = {
    "offered": [],
    "accepted": [("accepted", "")],
    "declined": [("declined", "")],
    "expired": [("expired", "")],
    "cancelled": [("cancelled", "")],
    "no_show": [("accepted", ""), ("no_show", "")],
    "checked_in": [("accepted", ""), ("checked_in", ", check_in_at = now(), check_in_geom = "
                                                    "ST_SetSRID(ST_MakePoint(113.6, 34.7), 4326)")],
    "completed": [("accepted", ""), ("checked_in", ", check_in_at = now(), check_in_geom = "
                                                   "ST_SetSRID(ST_MakePoint(113.6, 34.7), 4326)"),
                  ("completed", ", check_out_at = now(), check_out_geom = check_in_geom, "
                                "hours = 0")],
}
STATE_COLUMNS = {state: steps[-1][1] if steps else "" for state, steps in PATHS.items()}


async def walk_to(conn: AsyncConnection[Any], dispatch_id: int, state: str) -> None:
    """Move a dispatch along allowed transitions to ``state``."""
    for to_state, extra in PATHS[state]:
        await conn.execute(f"UPDATE dispatch SET status = %s{extra} WHERE id = %s",
                           (to_state, dispatch_id))


async def dispatch_invariants(db: Database) -> None:
    """No demand has more active dispatches than it needs; no volunteer holds two active
    dispatches in overlapping windows (what every race test checks at its end)."""
    over = await db.fetch(
        "SELECT d.id, d.needed, count(x.id) AS taken FROM demand d JOIN dispatch x ON "
        "x.demand_id = d.id AND x.active GROUP BY d.id HAVING count(x.id) > d.needed")
    assert over == [], f"overbooked demands: {over}"
    double = await db.fetch(
        "SELECT a.id, b.id AS other FROM dispatch a JOIN dispatch b ON a.volunteer_id = "
        "b.volunteer_id AND a.id < b.id AND a.active AND b.active AND a.time_window && "
        "b.time_window")
    assert double == [], f"double-booked volunteers: {double}"


@contextlib.asynccontextmanager
async def separate_connections(url: str, n: int) -> AsyncIterator[list[ConnectionDatabase]]:
    """``n`` autocommit connections to ``url``: racers whose transactions really commit."""
    conns = [await AsyncConnection.connect(url, autocommit=True) for _ in range(n)]
    try:
        yield [ConnectionDatabase(c) for c in conns]
    finally:
        for c in conns:
            await c.close()


def outcome_codes(results: Sequence[Any]) -> Counter[str]:
    """What racers got (``asyncio.gather(..., return_exceptions=True)``): ``ok`` per success,
    each refusal's code; anything else is raised."""
    from hub.services.workflow import Refused, WorkflowError

    out: Counter[str] = Counter()
    for r in results:
        if isinstance(r, WorkflowError):
            out[r.code.value] += 1
        elif isinstance(r, Refused):
            out.update(e.code.value for e in r.errors)
        elif isinstance(r, BaseException):
            raise r
        else:
            out["ok"] += 1
    return out
