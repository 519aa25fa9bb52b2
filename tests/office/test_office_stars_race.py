"""The maintained figures under concurrent writers (issue 16.2, 16.9): star tallies while
records are confirmed, corrected (a correction racing its record's confirmation) and rated at
once, and teams' member counts while members join and leave at once; each ends equal to a
count over the rows."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from tests.conftest import migrated_database
from tests.office.test_office_stars import correct, counted, serve, tally

REGION = "410303000000"
WRITERS = 24


@pytest.fixture(scope="module")
def race_url(server_url: str) -> str:
    return migrated_database(server_url, "hub_test_office_scorecards_race")


async def _one(conn: psycopg.AsyncConnection[Any], sql: str, params: Any = None) -> Any:
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    assert row is not None
    return row[0]


async def _each(url: str, jobs: list[Callable[[psycopg.AsyncConnection[Any]], Awaitable[None]]]
                ) -> None:
    """Run every job on its own connection, all at once, each in one committed transaction."""
    conns = [await psycopg.AsyncConnection.connect(url) for _ in jobs]
    try:
        async def run(conn: psycopg.AsyncConnection[Any], job: Any) -> None:
            async with conn.transaction():
                await job(conn)
        await asyncio.gather(*(run(c, j) for c, j in zip(conns, jobs, strict=True)))
    finally:
        for conn in conns:
            await conn.close()


async def test_star_tallies_stay_exact_under_concurrent_writers(race_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(race_url, autocommit=True) as conn:
        corps = int(await _one(conn, "INSERT INTO organization (name, level, region_code, kind) "
                                     "VALUES ('竞速总队', 'corps', %s, 'association') RETURNING "
                                     "id", (REGION,)))
        teams = [int(await _one(conn, "INSERT INTO organization (name, level, parent_id, "
                                      "region_code, kind) VALUES (%s, 'team', %s, %s, "
                                      "'association') RETURNING id", (f"竞速队{n}", corps,
                                                                      REGION)))
                 for n in range(2)]
        project = int(await _one(conn, "INSERT INTO project (name, owner_id, period) VALUES "
                                       "('竞速项目', %s, daterange('2025-01-01', '2026-01-01')) "
                                       "RETURNING id", (teams[0],)))
        acts = [int(await _one(conn, "INSERT INTO activity (title, organization_id, project_id, "
                                     "category, time_window, location_geom, region_code, "
                                     "capacity) VALUES (%s, %s, %s, 'health', tstzrange("
                                     "'2025-05-01 09:00+08', '2025-05-01 19:00+08'), "
                                     "ST_SetSRID(ST_MakePoint(112.45, 34.62), 4326), %s, 100) "
                                     "RETURNING id", (f"竞速活动{n}", teams[n % 2], project,
                                                      REGION))) for n in range(3)]
        cur = await conn.execute("INSERT INTO volunteer (real_name) SELECT '竞速' || g FROM "
                                 "generate_series(1, %s) g RETURNING id", (WRITERS * 2,))
        vols = [int(r[0]) for r in await cur.fetchall()]
        # Records left pending, to be confirmed and corrected at the same moment.
        pending = [await serve(conn, vols[WRITERS + n], acts[n % 3], teams[n % 2], 4,
                               confirm=False) for n in range(WRITERS // 2)]

    # One confirmation per transaction, as the hub confirms (hub.services.records): a
    # transaction confirming in several statements may meet a deadlock, which PostgreSQL
    # detects and the records service retries.
    def confirm_new(n: int, second: bool) -> Callable[[psycopg.AsyncConnection[Any]],
                                                       Awaitable[None]]:
        async def job(c: psycopg.AsyncConnection[Any]) -> None:
            if second:
                await serve(c, vols[(n + 1) % WRITERS], acts[(n + 2) % 3], teams[n % 2], 1)
            else:
                await serve(c, vols[n], acts[n % 3], teams[n % 2], 2)
        return job

    def confirm_pending(record: int) -> Callable[[psycopg.AsyncConnection[Any]], Awaitable[None]]:
        async def job(c: psycopg.AsyncConnection[Any]) -> None:
            await c.execute("INSERT INTO service_record_confirmation (record_id, confirmed_by) "
                            "VALUES (%s, 'race')", (record,))
        return job

    def correct_pending(record: int) -> Callable[[psycopg.AsyncConnection[Any]], Awaitable[None]]:
        async def job(c: psycopg.AsyncConnection[Any]) -> None:
            await correct(c, record, -1.25)
        return job

    jobs = [confirm_new(n, second) for n in range(WRITERS) for second in (False, True)]
    jobs += [confirm_pending(r) for r in pending] + [correct_pending(r) for r in pending]
    try:
        await _each(race_url, jobs)
    except psycopg.errors.UniqueViolation:
        pytest.fail("two writers served the same (activity, volunteer): the test's own bug")
    async with await psycopg.AsyncConnection.connect(race_url) as conn:
        for subject, key in [("organization", corps), *(("organization", t) for t in teams),
                             ("project", project), *(("activity", a) for a in acts)]:
            assert await tally(conn, subject, key) == await counted(conn, subject, key), key
        hours, _, volunteers = await tally(conn, "organization", corps)
        pending_net = (Decimal(4) - Decimal("1.25")) * len(pending)
        assert hours == Decimal(3 * WRITERS) + pending_net
        assert volunteers == WRITERS + len(pending)


async def test_member_counts_stay_exact_while_members_join_and_leave(race_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(race_url, autocommit=True) as conn:
        team = int(await _one(conn, "INSERT INTO organization (name, level, region_code, kind) "
                                    "VALUES ('成员竞速总队', 'corps', %s, 'association') "
                                    "RETURNING id", (REGION,)))
        other = int(await _one(conn, "INSERT INTO organization (name, level, region_code, kind) "
                                     "VALUES ('成员竞速总队二', 'corps', %s, 'association') "
                                     "RETURNING id", (REGION,)))
        cur = await conn.execute("INSERT INTO volunteer (real_name) SELECT '成员' || g FROM "
                                 "generate_series(1, %s) g RETURNING id", (WRITERS * 2,))
        vols = [int(r[0]) for r in await cur.fetchall()]
        for v in vols[WRITERS:]:
            await conn.execute("INSERT INTO membership (volunteer_id, organization_id) "
                               "VALUES (%s, %s)", (v, team))

    def join(v: int) -> Callable[[psycopg.AsyncConnection[Any]], Awaitable[None]]:
        async def job(c: psycopg.AsyncConnection[Any]) -> None:
            await c.execute("INSERT INTO membership (volunteer_id, organization_id) VALUES "
                            "(%s, %s), (%s, %s)", (v, team, v, other))
        return job

    def transfer(v: int) -> Callable[[psycopg.AsyncConnection[Any]], Awaitable[None]]:
        async def job(c: psycopg.AsyncConnection[Any]) -> None:
            await c.execute("DELETE FROM membership WHERE volunteer_id = %s AND "
                            "organization_id = %s", (v, team))
            await c.execute("INSERT INTO membership (volunteer_id, organization_id) VALUES "
                            "(%s, %s)", (v, other))
        return job

    await _each(race_url, [join(v) for v in vols[:WRITERS]]
                + [transfer(v) for v in vols[WRITERS:]])
    async with await psycopg.AsyncConnection.connect(race_url) as conn:
        for org in (team, other):
            kept = await _one(conn, "SELECT members FROM organization_member_count "
                                    "WHERE organization_id = %s", (org,))
            assert kept == await _one(conn, "SELECT count(*) FROM membership "
                                            "WHERE organization_id = %s", (org,))
        assert kept == WRITERS * 2
