"""The maintained equity summary stays right under concurrent writers: many transactions
recording service and accepting offers on the same demands at once, each holding its
transaction open a while, end with the counts a recomputation from the rows gives."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from tests.conftest import migrated_database

WRITERS = 24
_WINDOW = "[2020-05-10 01:00+00,2020-05-10 05:00+00)"


@pytest.fixture(scope="module")
def race_url(server_url: str) -> str:
    return migrated_database(server_url, "hub_test_equity_race")


async def _setup(url: str) -> tuple[list[int], list[int]]:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        vols = []
        for k in range(WRITERS):
            cur = await conn.execute(
                "INSERT INTO volunteer (real_name, home_geom, skills) VALUES (%s, "
                "ST_SetSRID(ST_MakePoint(%s, 34.6), 4326), %s) RETURNING id",
                (f"志愿者{k}", 112.3 + k / 1000, '{"health": 5}' if k % 3 == 0 else '{}'))
            vols.append((await cur.fetchone())[0])  # type: ignore[index]
        demands = []
        for needed in (WRITERS, WRITERS // 2):
            cur = await conn.execute(
                "INSERT INTO demand (title, category, needed, time_window, location_geom, "
                "region_code, raised_by) VALUES ('并发需求', 'health', %s, %s, "
                "ST_SetSRID(ST_MakePoint(112.4, 34.6), 4326), '410305000000', 't') "
                "RETURNING id", (needed, _WINDOW))
            demands.append((await cur.fetchone())[0])  # type: ignore[index]
        return vols, demands


async def _write(url: str, k: int, volunteer: int, demands: list[int]) -> None:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        demand = demands[k % 2]
        if k % 4 == 1:
            at = datetime(2020, 5, 1, tzinfo=UTC)
            cur = await conn.execute(
                "INSERT INTO dispatch (demand_id, volunteer_id, time_window, offered_by, "
                "offered_at, respond_by) VALUES (%s, %s, %s, 't', %s, %s) RETURNING id",
                (demand, volunteer, _WINDOW, at, at + timedelta(days=1)))
            did = (await cur.fetchone())[0]  # type: ignore[index]
            await asyncio.sleep(0.02)
            await conn.execute("UPDATE dispatch SET status = 'accepted', responded_at = %s "
                               "WHERE id = %s", (at + timedelta(hours=k), did))
        else:
            await conn.execute(
                "INSERT INTO service_record (volunteer_id, demand_id, region_code, title, "
                "served_on, hours, recorded_by) VALUES (%s, %s, '410305000000', '服务', "
                "'2020-05-10', 1.5, 't')", (volunteer, demand))
        await asyncio.sleep(0.05)  # hold the transaction open while the others write
        await conn.commit()


_RECOUNT = """
SELECT d.id, least(count(DISTINCT f.v), d.needed), coalesce(
  (SELECT sum(hours) FROM service_record WHERE demand_id = d.id), 0),
  coalesce((SELECT sum(r.hours) FROM service_record r JOIN volunteer v ON v.id = r.volunteer_id
            WHERE r.demand_id = d.id AND v.skills ? 'health' AND (v.skills->>'health')::int = 5),
           0)
  FROM demand d LEFT JOIN (
    SELECT demand_id, volunteer_id AS v FROM dispatch WHERE status = 'accepted'
    UNION SELECT demand_id, volunteer_id FROM service_record) f ON f.demand_id = d.id
 WHERE d.id = ANY(%s) GROUP BY d.id ORDER BY d.id"""


async def test_concurrent_writers_leave_the_summary_right(race_url: str) -> None:
    vols, demands = await _setup(race_url)
    await asyncio.gather(*(_write(race_url, k, v, demands) for k, v in enumerate(vols)))
    async with await psycopg.AsyncConnection.connect(race_url) as conn:
        cur = await conn.execute(_RECOUNT, (demands,))
        want = [tuple(r) for r in await cur.fetchall()]
        cur = await conn.execute("SELECT demand_id, filled, hours, expert_hours FROM "
                                 "demand_equity WHERE demand_id = ANY(%s) ORDER BY demand_id",
                                 (demands,))
        got = [tuple(r) for r in await cur.fetchall()]
    assert got == want
    assert want[0][1] == WRITERS // 2 and want[1][1] == WRITERS // 2  # every writer counted
