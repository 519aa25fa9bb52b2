"""A team tree in a scratch database for team dispatch and escalation tests.

河南省总队 (corps) → 郑州市队 (team) → 中原区支队 (detachment) → 分队甲 / 分队乙 (squads), and a
学会 team under the corps (paired with the county in the tests that need it) and a second one
whose pairing has expired. Each team has a captain (membership role captain); 分队甲 has six
members; the station of the demands belongs to 分队甲 (the organiser).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from hub.store.base import Database
from tests.workflow.workflow_world import ZHENGZHOU as DISPATCHER
from tests.workflow.workflow_world import volunteer_caller

LON, LAT = 113.6073, 34.7495
COUNTY, CITY, PROVINCE = "410102000000", "410100000000", "410000000000"
__all__ = ["DISPATCHER", "volunteer_caller"]  # the workflow tests' callers, used here too


@dataclass(frozen=True)
class Tree:
    """The teams, their captains and members, and the organiser's station."""

    corps: int
    city: int
    detachment: int
    squad: int
    other_squad: int
    society: int
    old_society: int
    station: int
    captains: dict[int, int]  # team → its captain
    members: list[int]  # 分队甲's members
    society_members: list[int]
    outsiders: list[int]  # in no team: for hand dispatch and claims


def _one(conn: psycopg.Connection[Any], sql: str, params: Any = None) -> Any:
    row = conn.execute(sql, params).fetchone()
    assert row is not None
    return row[0]


def _team(conn: psycopg.Connection[Any], name: str, level: str, parent: int | None,
          region: str, kind: str = "association") -> int:
    return int(_one(conn, "INSERT INTO organization (name, level, parent_id, region_code, kind) "
                          "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                    (name, level, parent, region, kind)))


def _volunteer(conn: psycopg.Connection[Any], name: str, k: int) -> int:
    return int(_one(conn, (
        "INSERT INTO volunteer (real_name, skills, home_geom, region_code, weekly_availability, "
        "service_radius_m, capacity_per_week) VALUES (%s, '{\"health\": 2}', "
        "ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, '{[0,10080)}', 20000, 50) RETURNING id"),
        (name, LON + k * 0.0003, LAT, COUNTY)))


def _join(conn: psycopg.Connection[Any], volunteer: int, team: int, role: str) -> None:
    conn.execute("INSERT INTO membership (volunteer_id, organization_id, role) VALUES "
                 "(%s, %s, %s)", (volunteer, team, role))


def make_tree(url: str, *, outsiders: int = 40) -> Tree:
    """Create the tree in the database at ``url`` and commit."""
    with psycopg.connect(url) as conn:
        corps = _team(conn, "河南省科技志愿服务总队", "corps", None, PROVINCE)
        city = _team(conn, "郑州市科技志愿服务队", "team", corps, CITY)
        detachment = _team(conn, "中原区科技志愿服务支队", "detachment", city, COUNTY)
        squad = _team(conn, "中原区科技志愿服务分队甲", "squad", detachment, COUNTY)
        other = _team(conn, "中原区科技志愿服务分队乙", "squad", detachment, COUNTY)
        society = _team(conn, "河南省医学会科技志愿服务队", "team", corps, PROVINCE, "society")
        old = _team(conn, "河南省农学会科技志愿服务队", "team", corps, PROVINCE, "society")
        captains: dict[int, int] = {}
        for n, team in enumerate((corps, city, detachment, squad, other, society, old)):
            captains[team] = _volunteer(conn, f"队长{n}", 100 + n)
            _join(conn, captains[team], team, "captain")
        members = [_volunteer(conn, f"队员{k}", k) for k in range(6)]
        for v in members:
            _join(conn, v, squad, "member")
        society_members = [_volunteer(conn, f"学会队员{k}", 50 + k) for k in range(3)]
        for v in society_members:
            _join(conn, v, society, "member")
        loose = [_volunteer(conn, f"散客{k}", 200 + k) for k in range(outsiders)]
        station = int(_one(conn, (
            "INSERT INTO station (name, kind, location_geom, region_code, organization_id) "
            "VALUES ('中原区新时代文明实践站', 'civilization_station', "
            "ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, %s) RETURNING id"),
            (LON, LAT, COUNTY, squad)))
        conn.commit()
    return Tree(corps, city, detachment, squad, other, society, old, station, captains,
                members, society_members, loose)


async def add_demand(db: Database, *, needed: int, hours_ahead: float, station: int | None,
                     hours: int = 2) -> int:
    """An open health demand starting ``hours_ahead`` from now (on the hour), at the
    station (or in the county without one)."""
    [row] = await db.fetch(
        "INSERT INTO demand (title, category, required_skills, needed, time_window, "
        "location_geom, station_id, region_code, raised_by) VALUES ('队伍派单', 'health', "
        "'{health}', %(n)s, tstzrange(date_trunc('hour', now()) + make_interval(secs => "
        "%(s)s), date_trunc('hour', now()) + make_interval(secs => %(s)s + %(h)s * 3600)), "
        "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(st)s, %(r)s, 'test') "
        "RETURNING id",
        {"n": needed, "s": hours_ahead * 3600, "h": hours, "lon": LON, "lat": LAT,
         "st": station, "r": COUNTY})
    return int(row["id"])


async def past_deadline(db: Database, offer_id: int) -> None:
    """Move a team offer's deadline into the past, as if its time had run out."""
    await db.fetch("UPDATE team_offer SET offered_at = now() - interval '2 hours', "
                   "respond_by = now() - interval '1 hour' WHERE id = %(id)s", {"id": offer_id})


async def taken(db: Database, demand_id: int) -> int:
    """The demand's slots spoken for (hub_demand_taken)."""
    [row] = await db.fetch("SELECT hub_demand_taken(%(id)s) AS n", {"id": demand_id})
    return int(row["n"])
