"""A small world for records tests: an organisation, volunteers, activities and a demand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from hub.auth import Caller, Role
from hub.schema.node import encode_id

REGION = "410303000000"  # a county of Luoyang in the seeded set


@dataclass(frozen=True)
class World:
    """Rows made for one test: an organisation under a seeded one, volunteers, an activity that
    has started, one that has not, and a demand at a station."""

    org: int
    org_path: str
    volunteers: tuple[int, ...]
    past_activity: int
    future_activity: int
    demand: int
    station: int

    def volunteer(self, n: int = 0) -> Caller:
        return Caller(role=Role.VOLUNTEER, sub=encode_id("Volunteer", self.volunteers[n]))

    def org_admin(self) -> Caller:
        return Caller(role=Role.ORG_ADMIN, sub="org-admin", org=self.org)


async def _one(conn: psycopg.AsyncConnection[Any], sql: str, params: Any = None) -> Any:
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    assert row is not None
    return row[0]


async def make_world(conn: psycopg.AsyncConnection[Any], *, volunteers: int = 3,
                     capacity: int = 30) -> World:
    """Create the rows of a :class:`World` on ``conn`` (the caller commits or rolls back)."""
    org = await _one(conn, "INSERT INTO organization (name, level, region_code, kind) VALUES "
                           "('记录测试科技志愿服务队', 'team', %s, 'association') RETURNING id",
                     (REGION,))
    path = await _one(conn, "SELECT path::text FROM organization WHERE id = %s", (org,))
    ids = []
    for n in range(volunteers):
        vid = await _one(conn, "INSERT INTO volunteer (real_name, region_code) VALUES (%s, %s) "
                               "RETURNING id", (f"测试志愿者{n}", REGION))
        await conn.execute("INSERT INTO membership (volunteer_id, organization_id) "
                           "VALUES (%s, %s)", (vid, org))
        ids.append(vid)
    now = datetime.now(UTC)

    async def activity(start: datetime) -> int:
        window = f"[{start.isoformat()},{(start + timedelta(hours=3)).isoformat()})"
        return int(await _one(
            conn, "INSERT INTO activity (title, organization_id, category, time_window, "
                  "location_geom, region_code, capacity) VALUES ('科普讲座', %s, "
                  "(SELECT code FROM service_category LIMIT 1), %s, "
                  "ST_SetSRID(ST_MakePoint(112.45, 34.62), 4326), %s, %s) RETURNING id",
            (org, window, REGION, capacity)))

    station = await _one(conn, "INSERT INTO station (name, kind, location_geom, region_code, "
                               "organization_id) VALUES ('测试站点', 'civilization_station', "
                               "ST_SetSRID(ST_MakePoint(112.45, 34.62), 4326), %s, %s) "
                               "RETURNING id", (REGION, org))
    served = now - timedelta(days=2)
    window = f"[{served.isoformat()},{(served + timedelta(hours=2)).isoformat()})"
    demand = await _one(conn, "INSERT INTO demand (title, category, needed, time_window, "
                              "location_geom, station_id, region_code, raised_by, status) VALUES "
                              "('健康讲座需求', (SELECT code FROM service_category LIMIT 1), 2, "
                              "%s, ST_SetSRID(ST_MakePoint(112.45, 34.62), 4326), %s, %s, "
                              "'requester-1', 'done') RETURNING id", (window, station, REGION))
    return World(org=org, org_path=path, volunteers=tuple(ids),
                 past_activity=await activity(now - timedelta(days=1)),
                 future_activity=await activity(now + timedelta(days=3)), demand=demand,
                 station=station)
