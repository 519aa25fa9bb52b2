"""A small world for the equity tests: two counties of one city, one flagged poor (老少边贫),
demands in a past month with dispatches and records; and a plain oracle of the figures."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from pyproj import Geod

GEOD = Geod(ellps="WGS84")
MONTH = (date(2020, 3, 1), date(2020, 4, 1))
FLAGS = ("is_remote", "is_poor", "is_border", "is_ethnic", "is_revolutionary")


async def one(conn: psycopg.AsyncConnection[Any], sql: str, params: Any = None) -> Any:
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    assert row is not None
    return row[0]


@dataclass
class EquityWorld:
    city: str
    poor: str  # a county flagged poor
    plain: str  # a county with no flag, nor any above it
    volunteers: list[tuple[int, float, float]]  # (id, lon, lat), homes known
    demands: list[dict[str, Any]] = field(default_factory=list)


async def make_world(conn: psycopg.AsyncConnection[Any]) -> EquityWorld:
    """Flags reset on Luoyang (4103) and its counties; the first county flagged poor."""
    city = "410300000000"
    await conn.execute(f"UPDATE region SET {', '.join(f + ' = false' for f in FLAGS)} "
                       "WHERE code IN ('410000000000', %s) OR parent_code = %s", (city, city))
    cur = await conn.execute("SELECT code FROM region WHERE parent_code = %s ORDER BY code "
                             "LIMIT 2", (city,))
    poor, plain = [r[0] for r in await cur.fetchall()]
    await conn.execute("UPDATE region SET is_poor = true WHERE code = %s", (poor,))
    cur = await conn.execute("SELECT id, ST_X(home_geom), ST_Y(home_geom) FROM volunteer "
                             "WHERE home_geom IS NOT NULL AND status = 'active' ORDER BY id "
                             "LIMIT 8")
    vols = [(int(i), float(x), float(y)) for i, x, y in await cur.fetchall()]
    # Two of them experts (a skill at level 5), the rest not.
    for k, (vid, _, _) in enumerate(vols):
        skills = '{"health": 5}' if k < 2 else '{"health": 3}'
        await conn.execute("UPDATE volunteer SET skills = %s WHERE id = %s", (skills, vid))
    return EquityWorld(city, poor, plain, vols)


async def add_demand(conn: psycopg.AsyncConnection[Any], w: EquityWorld, *, region: str,
                     category: str, needed: int, day: int, lon: float, lat: float,
                     cancelled: bool = False) -> int:
    starts = datetime(2020, 3, day, 1, 0, tzinfo=UTC)  # 09:00 China time
    window = f"[{starts.isoformat()},{(starts + timedelta(hours=3)).isoformat()})"
    created = starts - timedelta(days=2)
    ident = int(await one(
        conn, "INSERT INTO demand (title, category, needed, time_window, location_geom, "
              "region_code, raised_by, status, created_at) VALUES ('测试需求', %s, %s, %s, "
              "ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, 'tester', %s, %s) RETURNING id",
        (category, needed, window, lon, lat, region, "cancelled" if cancelled else "open",
         created)))
    w.demands.append({"id": ident, "region": region, "category": category, "needed": needed,
                      "lon": lon, "lat": lat, "created": created, "starts": starts,
                      "cancelled": cancelled, "fills": {}, "hours": []})
    return ident


async def accept(conn: psycopg.AsyncConnection[Any], w: EquityWorld, demand: dict[str, Any],
                 volunteer: int, *, after_h: float) -> None:
    """An offer the volunteer accepted ``after_h`` hours after the demand was raised."""
    at = demand["created"] + timedelta(hours=after_h)
    starts = demand["starts"]
    window = f"[{starts.isoformat()},{(starts + timedelta(hours=3)).isoformat()})"
    did = int(await one(
        conn, "INSERT INTO dispatch (demand_id, volunteer_id, time_window, offered_by, "
              "offered_at, respond_by) VALUES (%s, %s, %s, 'tester', %s, %s) RETURNING id",
        (demand["id"], volunteer, window, at - timedelta(minutes=5), at + timedelta(days=1))))
    await conn.execute("UPDATE dispatch SET status = 'accepted', responded_at = %s "
                       "WHERE id = %s", (at, did))
    demand["fills"][volunteer] = min(demand["fills"].get(volunteer, at), at)


async def record(conn: psycopg.AsyncConnection[Any], w: EquityWorld, demand: dict[str, Any],
                 volunteer: int, hours: float, *, after_h: float) -> int:
    """A record of ``hours`` on the demand, recorded ``after_h`` hours after it was raised."""
    at = demand["created"] + timedelta(hours=after_h)
    rid = int(await one(
        conn, "INSERT INTO service_record (volunteer_id, demand_id, region_code, title, "
              "served_on, hours, recorded_by, recorded_at) VALUES (%s, %s, %s, '服务', %s, %s, "
              "'tester', %s) RETURNING id",
        (volunteer, demand["id"], demand["region"], demand["starts"].date(), hours, at)))
    demand["fills"][volunteer] = min(demand["fills"].get(volunteer, at), at)
    demand["hours"].append((volunteer, hours))
    return rid


def oracle(w: EquityWorld, experts: set[int]) -> dict[tuple[str | None, bool], dict[str, Any]]:
    """The figures computed plainly from what the world inserted."""
    homes = {v: (x, y) for v, x, y in w.volunteers}
    groups: dict[tuple[str | None, bool], list[dict[str, Any]]] = {}
    for d in w.demands:
        if d["cancelled"]:
            continue
        area = d["region"] == w.poor
        groups.setdefault((d["category"], area), []).append(d)
        groups.setdefault((None, area), []).append(d)
    out = {}
    for key, ds in groups.items():
        slots = sum(d["needed"] for d in ds)
        filled = sum(min(len(d["fills"]), d["needed"]) for d in ds)
        waits = [(min(d["fills"].values()) - d["created"]).total_seconds() / 3600
                 for d in ds if d["fills"]]
        dists = [GEOD.inv(homes[v][0], homes[v][1], d["lon"], d["lat"])[2]
                 for d in ds for v in d["fills"]]
        out[key] = {
            "demands": len(ds), "slots": slots, "filledSlots": filled,
            "fillRate": filled / slots,
            "meanHoursToFill": statistics.fmean(waits) if waits else None,
            "medianHoursToFill": statistics.median(waits) if waits else None,
            "meanDistanceKm": statistics.fmean(dists) / 1000 if dists else None,
            "hours": sum(h for d in ds for _, h in d["hours"]),
            "expertHours": sum(h for d in ds for v, h in d["hours"] if v in experts),
        }
    return out


async def correct(conn: psycopg.AsyncConnection[Any], demand: dict[str, Any], original: int,
                  volunteer: int, hours: float) -> None:
    """A correction of ``hours`` (signed) to an original record."""
    await conn.execute(
        "INSERT INTO service_record (volunteer_id, demand_id, region_code, title, served_on, "
        "hours, recorded_by, corrects_id, reason) VALUES (%s, %s, %s, '服务', %s, %s, "
        "'tester', %s, '更正时长')",
        (volunteer, demand["id"], demand["region"], demand["starts"].date(), hours, original))
    demand["hours"].append((volunteer, hours))
