"""A hand-built small world for the scorecard, stars and campaign tests (helper _sc), and a
plain-Python oracle of a scorecard over the rows of the tables (no SQL of the hub's).

The world: Luoyang (4103) runs a city pilot funded 2025-03-01; its county 西工区 (410303) a
county pilot funded 2025-01-10. Teams, members (some who left: membership_history), projects,
activities and stations with review logs, so that "as of" dates differ.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import httpx
import psycopg
import pytest
from psycopg.rows import dict_row

from hub.app import create_app
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.conftest import acting_as_app, migrated_database
from tests.publishing.conftest import Api

CITY, COUNTY, OTHER_COUNTY = "410300000000", "410303000000", "410305000000"
FAR = "620102000000"  # Lanzhou: outside Henan
CST = timezone(timedelta(hours=8))
COUNTY_FUNDED, CITY_FUNDED = date(2025, 1, 10), date(2025, 3, 1)


def at(day: date, hour: int = 10) -> datetime:
    """A moment of a day in China time."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=CST)


@pytest.fixture(scope="session")
def sc_url(server_url: str) -> str:
    """A migrated database with the divisions (tests roll back; races commit their own)."""
    return migrated_database(server_url, "hub_test_office_scorecards")


@pytest.fixture
async def sconn(sc_url: str) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    conn = await psycopg.AsyncConnection.connect(sc_url)
    try:
        yield conn
    finally:
        await conn.rollback()
        await conn.close()


@pytest.fixture
async def sapi(sconn: psycopg.AsyncConnection[Any], settings: Settings) -> AsyncIterator[Api]:
    app = create_app(settings, database=ConnectionDatabase(sconn))
    async with acting_as_app(sconn), app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub") as http:
        yield Api(http, settings)


async def one(conn: psycopg.AsyncConnection[Any], sql: str, params: Any = None) -> Any:
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    assert row is not None, sql
    return row[0]


@dataclass
class World:
    county_pilot: int
    city_pilot: int
    teams: dict[str, int]
    volunteers: list[int]
    projects: dict[str, int]
    activities: dict[str, int]
    stations: dict[str, int]


async def org(conn: psycopg.AsyncConnection[Any], name: str, level: str, parent: int | None,
              region: str, *, created: date = date(2024, 6, 1), status: str = "active") -> int:
    return int(await one(conn, "INSERT INTO organization (name, level, parent_id, region_code, "
                               "kind, created_at, status) VALUES (%s, %s, %s, %s, 'association', "
                               "%s, %s) RETURNING id",
                         (name, level, parent, region, at(created), status)))


async def members(conn: psycopg.AsyncConnection[Any], org_id: int, vols: list[int],
                  joined: date) -> None:
    for v in vols:
        await conn.execute("INSERT INTO membership (volunteer_id, organization_id, joined_at) "
                           "VALUES (%s, %s, %s)", (v, org_id, at(joined)))


async def left(conn: psycopg.AsyncConnection[Any], org_id: int, vols: list[int],
               joined: date, gone: date) -> None:
    """Stints that ended (as hub.services.membership records a leaver)."""
    for v in vols:
        await conn.execute("INSERT INTO membership_history (volunteer_id, organization_id, role, "
                           "joined_at, left_at, how, reason, left_by) VALUES (%s, %s, 'member', "
                           "%s, %s, 'left', '', 'test')", (v, org_id, at(joined), at(gone)))


async def project(conn: psycopg.AsyncConnection[Any], name: str, owner: int, first: date,
                  last: date, status: str, *, created: date = date(2025, 1, 1)) -> int:
    return int(await one(conn, "INSERT INTO project (name, owner_id, period, status, "
                               "created_at) VALUES (%s, %s, daterange(%s, %s), %s, %s) "
                               "RETURNING id", (name, owner, first, last, status, at(created))))


async def activity(conn: psycopg.AsyncConnection[Any], title: str, owner: int, region: str,
                   day: date, status: str, *, created: date | None = None,
                   project_id: int | None = None) -> int:
    starts = at(day, 9)
    return int(await one(
        conn, "INSERT INTO activity (title, organization_id, project_id, category, time_window, "
              "location_geom, region_code, capacity, status, created_at) VALUES (%s, %s, %s, "
              "'health', tstzrange(%s, %s), ST_SetSRID(ST_MakePoint(112.45, 34.62), 4326), %s, "
              "50, %s, %s) RETURNING id",
        (title, owner, project_id, starts, starts + timedelta(hours=3), region, status,
         at(created or day - timedelta(days=20)))))


async def station(conn: psycopg.AsyncConnection[Any], name: str, region: str, status: str,
                  *, six: bool = True, signage: bool = True,
                  created: date = date(2024, 12, 1)) -> int:
    return int(await one(
        conn, "INSERT INTO station (name, kind, location_geom, region_code, status, has_place, "
              "has_team, has_projects, has_facilities, has_rules, has_signage, created_at) "
              "VALUES (%s, 'civilization_station', ST_SetSRID(ST_MakePoint(112.45, 34.62), "
              "4326), %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (name, region, status, six, six, six, six, six, signage, at(created))))


async def review(conn: psycopg.AsyncConnection[Any], kind: str, key: int, decision: str,
                 frm: str, to: str, day: date) -> None:
    await conn.execute("INSERT INTO publication_review (subject_kind, subject_id, decision, "
                       "from_status, to_status, reason, actor, at) VALUES (%s, %s, %s, %s, %s, "
                       "'ok', 'test', %s)", (kind, key, decision, frm, to, at(day)))


async def make_world(conn: psycopg.AsyncConnection[Any]) -> World:
    cur = await conn.execute("INSERT INTO volunteer (real_name) SELECT '志愿者' || g "
                             "FROM generate_series(1, 120) g RETURNING id")
    vols = [int(r[0]) for r in await cur.fetchall()]
    corps = await org(conn, "洛阳市科技志愿服务总队", "corps", None, CITY)
    t = {"full": await org(conn, "西工区医疗科技志愿服务队", "team", corps, COUNTY),
         "squad_parent": await org(conn, "西工区科普科技志愿服务队", "team", corps, COUNTY),
         "dissolved": await org(conn, "西工区农技科技志愿服务队", "team", corps, COUNTY,
                                status="dissolved"),
         "small": await org(conn, "西工区应急科技志愿服务队", "team", corps, COUNTY),
         "late": await org(conn, "西工区青少年科技志愿服务队", "team", corps, COUNTY,
                           created=date(2025, 9, 1)),
         "city": await org(conn, "洛阳市科技志愿服务队", "team", corps, CITY),
         "other": await org(conn, "涧西区科技志愿服务队", "team", corps, OTHER_COUNTY)}
    t["squad"] = await org(conn, "西工区科普支队", "detachment", t["squad_parent"], COUNTY)
    await members(conn, t["full"], vols[0:25], date(2024, 12, 1))
    await members(conn, t["squad_parent"], vols[25:44], date(2024, 12, 1))  # 19 direct
    await members(conn, t["squad"], vols[44:47], date(2025, 4, 1))  # +3 from April: 22
    await members(conn, t["dissolved"], vols[47:77], date(2024, 12, 1))
    await members(conn, t["small"], vols[77:87], date(2024, 12, 1))
    await left(conn, t["small"], vols[87:97], date(2024, 12, 1), date(2025, 6, 1))  # 20 till June
    await members(conn, t["late"], vols[97:120], date(2025, 9, 2))
    await members(conn, t["other"], vols[0:60], date(2024, 12, 1))
    p = {"live": await project(conn, "西工区健康讲堂", t["full"], date(2025, 2, 1),
                               date(2025, 12, 31), "active"),
         "draft": await project(conn, "西工区科普大篷车", t["full"], date(2025, 2, 1),
                                date(2025, 12, 31), "draft"),
         "later": await project(conn, "西工区乡村振兴", t["squad_parent"], date(2025, 11, 1),
                                date(2026, 6, 1), "planned"),
         "old": await project(conn, "西工区旧项目", t["full"], date(2023, 1, 1),
                              date(2024, 1, 1), "closed")}
    a: dict[str, int] = {}
    for n in range(9):
        a[f"held{n}"] = await activity(conn, f"健康义诊第{n + 1}场", t["full"], COUNTY,
                                       date(2025, 2, 1) + timedelta(days=20 * n), "closed",
                                       project_id=p["live"] if n < 3 else None)
    a["cancelled"] = await activity(conn, "取消的讲座", t["full"], COUNTY, date(2025, 5, 5),
                                    "cancelled")
    a["draft"] = await activity(conn, "草稿活动", t["full"], COUNTY, date(2025, 5, 6), "draft")
    a["future"] = await activity(conn, "年底科普日", t["full"], COUNTY, date(2025, 12, 20),
                                 "published")
    a["approved_late"] = await activity(conn, "四月审核通过的活动", t["full"], COUNTY,
                                        date(2025, 4, 20), "published",
                                        created=date(2025, 3, 1))
    await review(conn, "activity", a["approved_late"], "submit", "draft", "pending_review",
                 date(2025, 4, 1))
    await review(conn, "activity", a["approved_late"], "approve", "pending_review", "published",
                 date(2025, 4, 2))
    a["before"] = await activity(conn, "试点前的活动", t["full"], COUNTY, date(2024, 12, 20),
                                 "closed")
    s = {"good": await station(conn, "西工区新时代文明实践站", COUNTY, "active"),
         "nosign": await station(conn, "西工区科技馆站点", COUNTY, "active", signage=False),
         "closed": await station(conn, "西工区公园站点", COUNTY, "closed"),
         "city": await station(conn, "洛阳市博物馆站点", CITY, "active")}
    county_pilot = int(await one(conn, "INSERT INTO pilot (region_code, pilot_type, name, "
                                       "funded_on, quota_set) VALUES (%s, 'county', '西工区试点', "
                                       "%s, 'henan_001') RETURNING id", (COUNTY, COUNTY_FUNDED)))
    city_pilot = int(await one(conn, "INSERT INTO pilot (region_code, pilot_type, name, "
                                     "funded_on, quota_set) VALUES (%s, 'city', '洛阳市试点', %s, "
                                     "'henan_001') RETURNING id", (CITY, CITY_FUNDED)))
    return World(county_pilot, city_pilot, t, vols, p, a, s)


async def rows_of(conn: psycopg.AsyncConnection[Any], table: str) -> list[dict[str, Any]]:
    cur = conn.cursor(row_factory=dict_row)
    await cur.execute(f"SELECT * FROM {table}")
    return await cur.fetchall()


def _moment(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CST) + timedelta(days=1)


def _state(reviews: list[dict[str, Any]], kind: str, key: int, now: str, moment: datetime) -> str:
    log = sorted((r for r in reviews if r["subject_kind"] == kind and r["subject_id"] == key),
                 key=lambda r: r["id"])
    before = [r for r in log if r["at"] < moment]
    after = [r for r in log if r["at"] >= moment]
    return before[-1]["to_status"] if before else after[0]["from_status"] if after else now


async def oracle(conn: psycopg.AsyncConnection[Any], pilot_id: int,
                 as_of: date) -> dict[str, tuple[int, int]]:
    """item → (target, actual), counted in plain Python over every row of the tables."""
    pilot = next(p for p in await rows_of(conn, "pilot") if p["id"] == pilot_id)
    quotas = [q for q in await rows_of(conn, "pilot_quota")
              if q["quota_set"] == pilot["quota_set"] and q["pilot_type"] == pilot["pilot_type"]]
    start = pilot["funded_on"]
    end = start.replace(year=start.year + 1)  # henan_001: twelve months
    judged = min(as_of, end - timedelta(days=1))
    moment = _moment(judged)
    prefix = pilot["region_code"][:4] if pilot["pilot_type"] == "city" else \
        pilot["region_code"][:6]
    orgs = await rows_of(conn, "organization")
    reviews = await rows_of(conn, "publication_review")
    current = await rows_of(conn, "membership")
    history = await rows_of(conn, "membership_history")

    def under(team: dict[str, Any]) -> set[int]:
        ids, grew = {team["id"]}, True
        while grew:
            more = {o["id"] for o in orgs if o["parent_id"] in ids} - ids
            grew, ids = bool(more), ids | more
        return ids

    actual: dict[str, int] = {}
    for q in quotas:
        if q["item"] == "teams":
            n = 0
            for o in orgs:
                if o["level"] != "team" or not o["region_code"].startswith(prefix) or \
                        o["created_at"] >= moment or o["status"] == "dissolved":
                    continue
                sub = under(o)
                size = sum(1 for m in current if m["organization_id"] in sub
                           and m["joined_at"] < moment) + sum(
                    1 for h in history if h["organization_id"] in sub
                    and h["joined_at"] < moment <= h["left_at"])
                n += size >= q["min_members"]
            actual["teams"] = n
        elif q["item"] == "projects":
            owners = {o["id"] for o in orgs if o["region_code"].startswith(prefix)}
            actual["projects"] = sum(
                1 for j in await rows_of(conn, "project")
                if j["owner_id"] in owners and j["created_at"] < moment
                and j["period"].upper > start and j["period"].lower < end
                and j["period"].lower <= judged
                and _state(reviews, "project", j["id"], j["status"], moment)
                in ("planned", "active", "closed", "archived"))
        elif q["item"] == "activities":
            first, stop = _moment(start - timedelta(days=1)), _moment(end - timedelta(days=1))
            actual["activities"] = sum(
                1 for x in await rows_of(conn, "activity")
                if x["region_code"].startswith(prefix) and x["created_at"] < moment
                and first <= x["time_window"].lower < min(stop, moment)
                and _state(reviews, "activity", x["id"], x["status"], moment)
                in ("published", "closed", "archived"))
        else:
            actual["stations"] = sum(
                1 for x in await rows_of(conn, "station")
                if x["region_code"].startswith(prefix) and x["created_at"] < moment
                and _state(reviews, "station", x["id"], x["status"], moment) == "active"
                and (not q["six_standard"] or all(x[k] for k in (
                    "has_place", "has_team", "has_projects", "has_facilities", "has_rules",
                    "has_signage"))))
    return {q["item"]: (q["target"], actual[q["item"]]) for q in quotas}


def utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


async def rewound_world(conn: psycopg.AsyncConnection[Any]) -> tuple[World, list[int]]:
    """make_world with review steps after some dates (a state rewound through the log) and
    after all of them, and a third pilot in another county funded on another day; the world
    and the three pilots' ids."""
    w = await make_world(conn)
    # A station closed in June (active before by the log), an activity approved in May,
    # a project approved in August, an activity withdrawn in September (published before).
    closed = w.stations["closed"]
    await review(conn, "station", closed, "close", "active", "closed", date(2025, 6, 1))
    late = await activity(conn, "五月审核的义诊", w.teams["full"], OTHER_COUNTY,
                          date(2025, 4, 10), "published", created=date(2025, 3, 1))
    await review(conn, "activity", late, "approve", "pending_review", "published",
                 date(2025, 5, 3))
    await review(conn, "project", w.projects["later"], "approve", "pending_review", "planned",
                 date(2025, 8, 1))
    gone = w.activities["held5"]
    await conn.execute("UPDATE activity SET status = 'draft' WHERE id = %s", (gone,))
    await review(conn, "activity", gone, "withdraw", "closed", "draft", date(2025, 9, 9))
    await station(conn, "涧西区站点", OTHER_COUNTY, "active", signage=False)
    other = int(await one(conn, "INSERT INTO pilot (region_code, pilot_type, name, funded_on, "
                                "quota_set) VALUES (%s, 'county', '涧西区试点', '2025-04-20', "
                                "'henan_001') RETURNING id", (OTHER_COUNTY,)))
    return w, [w.county_pilot, w.city_pilot, other]
