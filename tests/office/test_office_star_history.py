"""Star history of organisations and projects (issue 16.8, sql/0041): the day each level was
first reached, written as confirmations raise the figures and as new rules raise the levels,
kept when a level is lost again; the SQL level function agrees with hub.office.stars.level;
concurrent writers record each level once."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import psycopg

from hub.office.stars import Rule, Tally, level
from hub.schema.node import encode_id
from tests.office.scorecard_world import World, make_world, one
from tests.office.test_office_stars import RULES, correct, serve
from tests.office.test_office_stars_race import _each, race_url
from tests.publishing.conftest import Api

__all__ = ["race_url"]  # the race database, a fixture

HISTORY = """
query ($id: ID!) {
  node(id: $id) {
    ... on Organization { stars { stars } starHistory { stars reachedOn } }
    ... on Project { stars { stars } starHistory { stars reachedOn } }
  }
}"""
LOW = [{"stars": 1, "hours": 2, "activities": 1, "volunteers": 1},
       {"stars": 2, "hours": 5, "activities": 2, "volunteers": 2},
       {"stars": 3, "hours": 1000, "activities": 2, "volunteers": 2}]


def today_in_china() -> str:
    return datetime.now(timezone(timedelta(hours=8))).date().isoformat()


async def reached(conn: psycopg.AsyncConnection[Any], subject: str,
                  key: int) -> list[tuple[int, date | None]]:
    cur = await conn.execute("SELECT stars, reached_on FROM star_reached WHERE subject = %s "
                             "AND subject_id = %s ORDER BY stars", (subject, key))
    return [(int(r[0]), r[1]) for r in await cur.fetchall()]


async def test_levels_are_recorded_when_reached_and_kept_when_lost(
        sconn: psycopg.AsyncConnection[Any], sapi: Api) -> None:
    w: World = await make_world(sconn)
    admin = sapi.token("admin", "a")
    team = w.teams["full"]
    saved = await sapi.data(admin, RULES, {"input": {"scope": "41", "subject": "organization",
                                                     "rules": LOW}})
    assert saved["saveStarRules"]["errors"] == []
    assert await reached(sconn, "organization", team) == []  # nothing served yet
    first = await serve(sconn, w.volunteers[0], w.activities["held0"], team, 3)
    today = date.fromisoformat(today_in_china())
    assert await reached(sconn, "organization", team) == [(1, today)]
    await serve(sconn, w.volunteers[1], w.activities["held1"], team, 3, confirm=False)
    assert await reached(sconn, "organization", team) == [(1, today)]  # pending: not counted
    await serve(sconn, w.volunteers[2], w.activities["held2"], team, 3)
    assert await reached(sconn, "organization", team) == [(1, today), (2, today)]
    # A correction takes it back under 2★ (3 - 2 + 3 = 4 h): the day 2★ was reached stays.
    await correct(sconn, first, -2)
    got = (await sapi.data(admin, HISTORY, {"id": encode_id("Organization", team)}))["node"]
    assert got["stars"]["stars"] == 1
    assert got["starHistory"] == [{"stars": 1, "reachedOn": today.isoformat()},
                                  {"stars": 2, "reachedOn": today.isoformat()}]
    # Rules lowered for the project: its levels are recorded with the rules' change.
    project = w.projects["live"]
    assert await reached(sconn, "project", project) == []
    await sapi.data(admin, RULES, {"input": {"scope": "4103", "subject": "project",
                                             "rules": LOW[:1]}})
    proj = (await sapi.data(admin, HISTORY, {"id": encode_id("Project", project)}))["node"]
    assert proj["stars"]["stars"] == 1
    assert proj["starHistory"] == [{"stars": 1, "reachedOn": today.isoformat()}]
    # Below the national 1★ (200 h, 3 activities, 5 volunteers) nothing is written.
    far = int(await one(sconn, "INSERT INTO organization (name, level, region_code, kind) "
                               "VALUES ('兰州队', 'team', '620102000000', 'association') "
                               "RETURNING id"))
    await sconn.execute("INSERT INTO star_tally (subject, subject_id, hours, activities, "
                        "volunteers) VALUES ('organization', %s, 150, 1, 1)", (far,))
    assert await reached(sconn, "organization", far) == []


async def test_the_sql_level_is_the_python_level(sconn: psycopg.AsyncConnection[Any]) -> None:
    """Random ladders and tallies, the rating's half-way cases included (4.125 → 4.13)."""
    rng = random.Random(16_8)
    await sconn.execute("DELETE FROM star_rule WHERE subject = 'project'")
    for case in range(60):
        ladder: list[Rule] = []
        hours, acts, vols, rating = Decimal(0), 0, 0, Decimal(0)
        for stars in range(1, rng.randint(1, 5) + 1):
            hours += rng.randint(0, 20)
            acts, vols = acts + rng.randint(0, 3), vols + rng.randint(0, 3)
            asked = rng.random() < 0.6
            rating = max(rating, Decimal(rng.choice(["3.50", "4.00", "4.12", "4.13", "4.50"])))
            ladder.append(Rule(stars, hours, acts, vols, rating if asked or (stars > 1
                               and ladder[-1].rating is not None) else None))
        await sconn.execute("DELETE FROM star_rule WHERE subject = 'project'")
        for r in ladder:
            await sconn.execute("INSERT INTO star_rule (scope, subject, stars, hours, "
                                "activities, volunteers, rating) VALUES ('', 'project', %s, "
                                "%s, %s, %s, %s)",
                                (r.stars, r.hours, r.activities, r.volunteers, r.rating))
        for _ in range(10):
            count = rng.choice([0, 1, 8, 3])
            tally = Tally(Decimal(rng.randint(0, 110)), rng.randint(0, 16), rng.randint(0, 16),
                          rating_sum=rng.choice([33, count * 4, count * 5]) if count else 0,
                          rating_count=count)
            sql_level = await one(sconn, "SELECT hub_subject_star_level('project', "
                                         "'410303000000', %s, %s, %s, %s, %s)",
                                  (tally.hours, tally.activities, tally.volunteers,
                                   tally.rating_sum, tally.rating_count))
            assert sql_level == level(tally, ladder).stars, (case, ladder, tally)


async def test_concurrent_writers_record_each_level_once(race_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(race_url, autocommit=True) as conn:
        team = int(await one(conn, "INSERT INTO organization (name, level, region_code, kind) "
                                   "VALUES ('星级史竞速队', 'team', '410305000000', "
                                   "'association') RETURNING id"))
        act = int(await one(conn, "INSERT INTO activity (title, organization_id, category, "
                                  "time_window, location_geom, region_code, capacity) VALUES "
                                  "('竞速', %s, 'health', tstzrange('2025-05-01 09:00+08', "
                                  "'2025-05-01 19:00+08'), ST_SetSRID(ST_MakePoint(112.45, "
                                  "34.62), 4326), '410305000000', 100) RETURNING id", (team,)))
        cur = await conn.execute("INSERT INTO volunteer (real_name) SELECT '星级史' || g FROM "
                                 "generate_series(1, 16) g RETURNING id")
        vols = [int(r[0]) for r in await cur.fetchall()]
        await conn.execute("DELETE FROM star_rule WHERE scope = '410305'")
        await conn.execute("INSERT INTO star_rule (scope, subject, stars, hours, activities, "
                           "volunteers) VALUES ('410305', 'organization', 1, 2, 1, 1), "
                           "('410305', 'organization', 2, 10, 1, 4), "
                           "('410305', 'organization', 3, 30, 1, 14)")

    def job(v: int) -> Any:
        async def run(c: psycopg.AsyncConnection[Any]) -> None:
            await serve(c, v, act, team, 2)
        return run

    await _each(race_url, [job(v) for v in vols])
    async with await psycopg.AsyncConnection.connect(race_url) as conn:
        got = await reached(conn, "organization", team)
        assert [s for s, _ in got] == [1, 2, 3]  # 32 h by 16 volunteers: every level, once
        assert all(on == date.fromisoformat(today_in_china()) for _, on in got)
