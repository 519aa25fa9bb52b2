"""A small land for the recognition and report tests (issue 16.3, 16.7): two Luoyang counties,
one of them 老少边贫 (flagged poor), teams, volunteers, stations, a project, activities and
demands of one year, with confirmed, pending and corrected records and requester ratings.

Random but seeded: :func:`make_world` returns every row it made as plain Python data, so the
tests compute what they expect from it independently of the SQL under test.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from hub.auth.tokens import Caller, Role
from hub.store.base import ConnectionDatabase
from tests.conftest import migrated_database
from tests.publishing.conftest import one

YEAR = 2025
CITY = "410300000000"  # 洛阳市
COUNTY = "410303000000"  # 西工区
POOR = "410305000000"  # 涧西区, flagged poor in the world
OTHER_CITY = "410100000000"  # 郑州市
ADMIN = Caller(Role.ADMIN, "admin-1")


@pytest.fixture(scope="session")
def office_url(server_url: str) -> str:
    """A migrated database with the divisions and nothing else (each test rolls back)."""
    return migrated_database(server_url, "hub_test_office_rc")


@pytest.fixture
async def oconn(office_url: str) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    conn = await psycopg.AsyncConnection.connect(office_url)
    try:
        yield conn
    finally:
        await conn.rollback()
        await conn.close()


@pytest.fixture
def odb(oconn: psycopg.AsyncConnection[Any]) -> ConnectionDatabase:
    return ConnectionDatabase(oconn)


@dataclass
class Rec:
    """A service record as made: whose, which source, where, net hours, confirmed or not."""

    id: int
    volunteer: int
    team: int | None
    demand: int | None
    activity: int | None
    region: str
    served_on: date
    hours: Decimal
    confirmed: bool


@dataclass
class World:
    corps: int
    teams: list[int]
    team_region: dict[int, str]
    volunteers: list[int]
    volunteer_region: dict[int, str]
    members: dict[int, int]  # volunteer → team
    stations: dict[int, str]  # id → region
    projects: dict[int, int]  # id → owner team
    activity_project: dict[int, int | None] = field(default_factory=dict)
    activity_station: dict[int, int | None] = field(default_factory=dict)
    demand_station: dict[int, int | None] = field(default_factory=dict)
    ratings: dict[int, int] = field(default_factory=dict)  # demand → requester's rating
    records: list[Rec] = field(default_factory=list)


async def make_world(conn: psycopg.AsyncConnection[Any], seed: int = 7) -> World:
    """The land's rows on ``conn`` (rolled back with the test)."""
    rnd = random.Random(seed)
    await conn.execute("UPDATE region SET is_poor = true WHERE code = %s", (POOR,))

    async def org(name: str, level: str, parent: int | None, region: str) -> int:
        return int(await one(conn, "INSERT INTO organization (name, level, parent_id, "
                                   "region_code, kind) VALUES (%s, %s, %s, %s, 'association') "
                                   "RETURNING id", (name, level, parent, region)))

    corps = await org("洛阳市科技志愿服务总队", "corps", None, CITY)
    teams, team_region = [], {}
    for n, region in enumerate((COUNTY, COUNTY, POOR, POOR)):
        t = await org(f"科技志愿服务{n + 1}队", "team", corps, region)
        teams.append(t)
        team_region[t] = region
    volunteers, volunteer_region, members = [], {}, {}
    for n in range(14):
        region = OTHER_CITY if n == 13 else (COUNTY if n % 2 else POOR)
        v = int(await one(conn, "INSERT INTO volunteer (real_name, region_code) VALUES "
                                "(%s, %s) RETURNING id", (f"志愿者{n:02d}号", region)))
        volunteers.append(v)
        volunteer_region[v] = region
        team = teams[n % 4]
        members[v] = team
        await conn.execute("INSERT INTO membership (volunteer_id, organization_id) "
                           "VALUES (%s, %s)", (v, team))
    stations = {}
    for n, region in enumerate((COUNTY, POOR, POOR)):
        s = int(await one(conn, "INSERT INTO station (name, kind, location_geom, region_code, "
                                "organization_id) VALUES (%s, 'civilization_station', "
                                "ST_SetSRID(ST_MakePoint(112.4, 34.6), 4326), %s, %s) "
                                "RETURNING id", (f"新时代文明实践站{n + 1}", region, teams[n])))
        stations[s] = region
    projects = {}
    for n in range(2):
        p = int(await one(conn, "INSERT INTO project (name, owner_id, period, status) VALUES "
                                "(%s, %s, daterange('2025-01-01', '2026-01-01'), 'active') "
                                "RETURNING id", (f"智惠行动项目{n + 1}", teams[n * 2])))
        projects[p] = teams[n * 2]
    world = World(corps, teams, team_region, volunteers, volunteer_region, members, stations,
                  projects)
    sources: list[tuple[str, int, str, date]] = []
    station_ids = list(stations)
    for n in range(6):
        region = COUNTY if n % 2 else POOR
        day = date(YEAR, 1 + n * 2, 10)
        station = station_ids[n % 3] if n != 5 else None
        project = list(projects)[n % 2] if n < 4 else None
        a = int(await one(conn, "INSERT INTO activity (title, organization_id, project_id, "
                                "category, time_window, location_geom, station_id, region_code, "
                                "capacity) VALUES (%s, %s, %s, 'health', tstzrange(%s::date + "
                                "time '09:00', %s::date + time '17:00'), ST_SetSRID("
                                "ST_MakePoint(112.4, 34.6), 4326), %s, %s, 50) RETURNING id",
                          (f"科普活动{n}", teams[n % 4], project, day, day, station, region)))
        world.activity_project[a], world.activity_station[a] = project, station
        sources.append(("activity", a, region, day))
    for n in range(6):
        region = POOR if n % 3 else COUNTY
        day = date(YEAR, 2 + n, 20)
        station = station_ids[(n + 1) % 3]
        d = int(await one(conn, "INSERT INTO demand (title, category, needed, time_window, "
                                "location_geom, station_id, region_code, raised_by) VALUES "
                                "(%s, 'health', 5, tstzrange(%s::date + time '08:00', %s::date "
                                "+ time '18:00'), ST_SetSRID(ST_MakePoint(112.4, 34.6), 4326), "
                                "%s, %s, 'test') RETURNING id",
                          (f"群众需求{n}", day, day, station, region)))
        world.demand_station[d] = station
        sources.append(("demand", d, region, day))
        if n != 2:
            world.ratings[d] = rnd.randint(1, 5)
            await conn.execute("INSERT INTO review (demand_id, direction, rating, reviewed_by) "
                               "VALUES (%s, 'requester_to_service', %s, 'test')",
                               (d, world.ratings[d]))
    for v in volunteers:
        for kind, key, region, day in rnd.sample(sources, rnd.randint(1, 5)):
            hours = Decimal(rnd.randint(2, 16)) / 2
            confirmed = rnd.random() < 0.85
            team = members[v] if rnd.random() < 0.8 else None
            rid = int(await one(conn, f"INSERT INTO service_record (volunteer_id, {kind}_id, "
                                      "organization_id, region_code, title, served_on, hours, "
                                      "recorded_by) VALUES (%s, %s, %s, %s, 'service', %s, %s, "
                                      "'test') RETURNING id",
                                (v, key, team, region, day, hours)))
            if confirmed:
                await conn.execute("INSERT INTO service_record_confirmation (record_id, "
                                   "confirmed_by) VALUES (%s, 'test')", (rid,))
            if rnd.random() < 0.15:  # a correction lowering the hours
                cut = min(hours, Decimal(1))
                await conn.execute("INSERT INTO service_record (volunteer_id, " + kind + "_id, "
                                   "organization_id, region_code, title, served_on, hours, "
                                   "corrects_id, reason, recorded_by) VALUES (%s, %s, %s, %s, "
                                   "'service', %s, %s, %s, '更正时长', 'test')",
                                   (v, key, team, region, day, -cut, rid))
                hours -= cut
            world.records.append(Rec(rid, v, team, key if kind == "demand" else None,
                                     key if kind == "activity" else None, region, day, hours,
                                     confirmed))
    # A record of another year: never counted for YEAR.
    old = int(await one(conn, "INSERT INTO activity (title, organization_id, category, "
                              "time_window, location_geom, region_code, capacity) VALUES "
                              "('往年活动', %s, 'health', tstzrange('2024-06-01 09:00+08', "
                              "'2024-06-01 17:00+08'), ST_SetSRID(ST_MakePoint(112.4, 34.6), "
                              "4326), %s, 50) RETURNING id", (teams[0], COUNTY)))
    rid = int(await one(conn, "INSERT INTO service_record (volunteer_id, activity_id, "
                              "organization_id, region_code, title, served_on, hours, "
                              "recorded_by) VALUES (%s, %s, %s, %s, 'old', '2024-06-01', 4, "
                              "'test') RETURNING id", (volunteers[0], old, teams[0], COUNTY)))
    await conn.execute("INSERT INTO service_record_confirmation (record_id, confirmed_by) "
                       "VALUES (%s, 'test')", (rid,))
    return world
