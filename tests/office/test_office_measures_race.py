"""The office measures' summaries (sql/0036, sql/0040) under concurrent writers: records
confirmed while corrected (a correction racing its record's confirmation), new records of the
same volunteers and day, volunteers registering, moving and exiting at once; each summary ends
equal to a computation over the rows (sql/0040's months active: over volunteer_month), and a
month corrected to nothing afterwards is turned off."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import pytest

from tests.conftest import migrated_database

REGIONS = ("410303000000", "410305000000")
WRITERS = 16
Job = Callable[[psycopg.AsyncConnection[Any]], Awaitable[None]]

# The summaries recomputed from the rows (as sql/0036 fills them when it is applied).
_NET = """
WITH net AS (
  SELECT o.volunteer_id, o.region_code, o.served_on, o.hours + coalesce(
           (SELECT sum(c.hours) FROM service_record c WHERE c.corrects_id = o.id), 0) AS net
    FROM service_record o JOIN service_record_confirmation k ON k.record_id = o.id
   WHERE o.corrects_id IS NULL)
"""
WANT = {
    "service": _NET + "SELECT region_code, served_on, sum(net), count(*) FILTER (WHERE net > 0) "
                      "FROM net GROUP BY 1, 2 HAVING sum(net) <> 0 OR count(*) FILTER "
                      "(WHERE net > 0) <> 0 ORDER BY 1, 2",
    "months": _NET + "SELECT volunteer_id, date_trunc('month', served_on)::date, sum(net), "
                     "count(*) FILTER (WHERE net > 0) FROM net GROUP BY 1, 2 ORDER BY 1, 2",
    "people": "SELECT region_code, day, sum(r), sum(x) FROM (SELECT region_code, "
              "(registered_at AT TIME ZONE 'Asia/Shanghai')::date AS day, 1 AS r, 0 AS x FROM "
              "volunteer UNION ALL SELECT region_code, (exited_at AT TIME ZONE "
              "'Asia/Shanghai')::date, 0, 1 FROM volunteer WHERE exited_at IS NOT NULL) v "
              "WHERE region_code IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
    "stars": _NET + ", m AS (SELECT volunteer_id, date_trunc('month', served_on)::date AS month,"
                    " sum(net) AS h FROM net GROUP BY 1, 2), c AS (SELECT volunteer_id, month, "
                    "sum(h) OVER (PARTITION BY volunteer_id ORDER BY month) AS h FROM m) "
                    "SELECT c.volunteer_id, min(c.month) FILTER (WHERE hub_star_level("
                    "v.region_code, c.h) >= 1) FROM c JOIN volunteer v ON v.id = c.volunteer_id "
                    "GROUP BY 1 ORDER BY 1",
    # sql/0040's summaries, from volunteer_month (held to the records above).
    "active_months": "SELECT region_code, month, count(*) FROM volunteer_month WHERE records > 0 "
                     "AND region_code IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2",
    "active_years": "WITH y AS (SELECT volunteer_id, extract(year FROM month)::int AS year, "
                    "region_code, bit_or(1 << (extract(month FROM month)::int - 1)) AS months "
                    "FROM volunteer_month WHERE records > 0 AND region_code IS NOT NULL "
                    "GROUP BY 1, 2, 3) SELECT *, count(*) OVER (PARTITION BY volunteer_id, year) "
                    "> 1 FROM y ORDER BY 1, 2, 3",
}
GOT = {
    "service": "SELECT region_code, day, hours, records FROM office_day_tally WHERE hours <> 0 "
               "OR records <> 0 ORDER BY 1, 2",
    "months": "SELECT volunteer_id, month, hours, records FROM volunteer_month ORDER BY 1, 2",
    "people": "SELECT region_code, day, registered, exited FROM office_day_tally WHERE "
              "registered <> 0 OR exited <> 0 ORDER BY 1, 2",
    "stars": "SELECT volunteer_id, month FROM volunteer_star WHERE volunteer_id IN (SELECT "
             "volunteer_id FROM volunteer_month) ORDER BY 1",
    "active_months": "SELECT region_code, month, volunteers FROM office_month_active "
                     "WHERE volunteers <> 0 ORDER BY 1, 2",
    "active_years": "SELECT volunteer_id, year, region_code, months, shared FROM "
                    "volunteer_active_year WHERE months <> 0 ORDER BY 1, 2, 3",
}


@pytest.fixture(scope="module")
def race_url(server_url: str) -> str:
    return migrated_database(server_url, "hub_test_office_measures_race")


async def _one(conn: psycopg.AsyncConnection[Any], sql: str, params: Any = None) -> Any:
    row = await (await conn.execute(sql, params)).fetchone()
    assert row is not None
    return row[0]


async def _each(url: str, jobs: list[Job]) -> None:
    """Every job on its own connection, all at once, each in one committed transaction."""
    conns = [await psycopg.AsyncConnection.connect(url) for _ in jobs]
    try:
        async def run(conn: psycopg.AsyncConnection[Any], job: Job) -> None:
            for attempt in range(5):  # a deadlock PostgreSQL breaks is retried, as the hub does
                try:
                    async with conn.transaction():
                        await job(conn)
                    return
                except psycopg.errors.DeadlockDetected:
                    await asyncio.sleep(0.05 * (attempt + 1))
            raise AssertionError("deadlocked five times")
        await asyncio.gather(*(run(c, j) for c, j in zip(conns, jobs, strict=True)))
    finally:
        for conn in conns:
            await conn.close()


async def _same(conn: psycopg.AsyncConnection[Any]) -> None:
    """Every summary equals its recomputation."""
    for name in WANT:
        want = await (await conn.execute(WANT[name])).fetchall()
        got = await (await conn.execute(GOT[name])).fetchall()
        assert got == want, name


async def _record(conn: psycopg.AsyncConnection[Any], volunteer: int, activity: int,
                  hours: float, corrects: int | None = None, late: bool = False) -> int:
    """A record served in May in the first county, or (late) in June in the second."""
    return int(await _one(
        conn, "INSERT INTO service_record (volunteer_id, activity_id, region_code, title, "
              "served_on, hours, recorded_by, corrects_id, reason) SELECT %s, %s, %s, '竞速', "
              "coalesce((SELECT served_on FROM service_record WHERE id = %s), %s), "
              "%s, 'race', %s, CASE WHEN %s::bigint IS NULL THEN NULL ELSE '更正时长' END "
              "RETURNING id", (volunteer, activity, REGIONS[late], corrects,
                               "2025-06-01" if late else "2025-05-01", hours, corrects,
                               corrects)))


async def _confirm(conn: psycopg.AsyncConnection[Any], record: int) -> None:
    await conn.execute("INSERT INTO service_record_confirmation (record_id, confirmed_by) "
                       "VALUES (%s, 'race')", (record,))


async def test_summaries_stay_exact_under_concurrent_writers(race_url: str) -> None:
    async with await psycopg.AsyncConnection.connect(race_url, autocommit=True) as conn:
        org = int(await _one(conn, "INSERT INTO organization (name, level, region_code, kind) "
                                   "VALUES ('竞速总队', 'corps', %s, 'association') RETURNING id",
                             (REGIONS[0],)))
        acts = [int(await _one(conn, "INSERT INTO activity (title, organization_id, category, "
                                     "time_window, location_geom, region_code, capacity) VALUES "
                                     "('竞速活动', %s, 'health', tstzrange(%s::timestamptz, "
                                     "%s::timestamptz + interval '7 days'), ST_SetSRID("
                                     "ST_MakePoint(112.45, 34.62), 4326), %s, 100) RETURNING id",
                                     (org, starts, starts, region)))
                for starts, region in (("2025-05-01 00:00+08", REGIONS[0]),
                                       ("2025-06-01 00:00+08", REGIONS[1]))]
        cur = await conn.execute("INSERT INTO volunteer (real_name, region_code) SELECT '竞速' "
                                 "|| g, %s FROM generate_series(1, %s) g RETURNING id",
                                 (REGIONS[0], WRITERS))
        vols = [int(r[0]) for r in await cur.fetchall()]
        # 95 h pending in May (confirmed while corrected), 10 h more in June elsewhere (another
        # day's tally row): the star month is May or June or none, by what lands first.
        pending = [await _record(conn, v, acts[0], 95) for v in vols]

    async def linger(c: psycopg.AsyncConnection[Any]) -> None:
        # Hold the transaction open a while after writing, as a slower request would: a
        # writer that did not lock the volunteer's star row first would now recount it from a
        # snapshot without this transaction's months (and this one without theirs).
        await c.execute("SELECT pg_sleep(0.05)")

    def confirm(n: int) -> Job:
        async def job(c: psycopg.AsyncConnection[Any]) -> None:
            await _confirm(c, pending[n])
            await linger(c)
        return job

    def correct(n: int) -> Job:
        return lambda c: _record(c, vols[n], acts[0], -95 if n % 4 == 0 else -1, pending[n])

    def serve_more(n: int) -> Job:
        async def job(c: psycopg.AsyncConnection[Any]) -> None:
            await _confirm(c, await _record(c, vols[n], acts[1], 10, late=True))
            await linger(c)
        return job

    def move_and_exit(n: int) -> Job:
        async def job(c: psycopg.AsyncConnection[Any]) -> None:
            await c.execute("UPDATE volunteer SET region_code = %s, status = CASE WHEN %s THEN "
                            "'exited' ELSE status END, exited_at = CASE WHEN %s THEN now() END "
                            "WHERE id = %s", (REGIONS[n % 2], n % 3 == 0, n % 3 == 0, vols[n]))
            await c.execute("INSERT INTO volunteer (real_name, region_code) VALUES ('竞速新', %s)",
                            (REGIONS[n % 2],))
        return job

    jobs = [make(n) for n in range(WRITERS)
            for make in (confirm, correct, serve_more, move_and_exit)]
    await _each(race_url, jobs)
    async with await psycopg.AsyncConnection.connect(race_url, autocommit=True) as conn:
        await _same(conn)
        # The race did something: stars reached, a record corrected to nothing not counted.
        assert await _one(conn, "SELECT count(*) FROM volunteer_star WHERE month IS NOT NULL "
                                "AND volunteer_id = ANY(%s)", (vols,)) >= WRITERS // 2
        # A confirmed May (94 h) corrected to nothing afterwards: May turns off (sql/0040).
        may = ("SELECT a.months & 16 FROM volunteer_active_year a JOIN volunteer_month m ON "
               "m.volunteer_id = a.volunteer_id AND m.month = '2025-05-01' AND a.year = 2025 "
               "AND m.region_code = a.region_code WHERE a.volunteer_id = %s")
        assert await _one(conn, may, (vols[1],)) == 16
        await _record(conn, vols[1], acts[0], -94, pending[1])
        await _same(conn)
        assert await _one(conn, may, (vols[1],)) == 0
