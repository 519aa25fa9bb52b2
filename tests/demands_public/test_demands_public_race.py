"""At once: of many reviewers approving and rejecting one demand, exactly one decides and the
others are told it was decided (INVALID_TRANSITION); of several imports of one file, each row
is loaded once. Separate connections that commit, so a scratch database of its own."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.services import demand_import, demand_review
from hub.services.importing import ImportRequest
from hub.services.workflow import Code, WorkflowError
from hub.store.base import ConnectionDatabase
from tests.conftest import migrated_database
from tests.demands_public.demands_world import demand_file, demand_row

TASKS = 12
ROUNDS = 5
REGION = "410102000000"
REVIEWERS = (Caller(Role.ADMIN, "a1"), Caller(Role.DISPATCHER, "d-zz", region="410100000000"))


@pytest.fixture(scope="module")
def race_url(server_url: str) -> str:
    return migrated_database(server_url, "hub_test_demand_review_race")


@pytest.fixture
async def connections(race_url: str) -> AsyncIterator[list[ConnectionDatabase]]:
    conns = [await psycopg.AsyncConnection.connect(race_url, autocommit=True)
             for _ in range(TASKS)]
    try:
        yield [ConnectionDatabase(c) for c in conns]
    finally:
        for c in conns:
            await c.close()


async def _pending(db: ConnectionDatabase) -> int:
    rows = await db.fetch(
        "INSERT INTO demand (title, category, needed, time_window, location_geom, region_code, "
        "raised_by, raised_by_kind, status) VALUES ('并发审核', 'health', 1, tstzrange(now() + "
        "interval '2 days', now() + interval '2 days 2 hours'), ST_SetSRID(ST_MakePoint(113.62, "
        "34.75), 4326), %s, 'resident:QWNjb3VudDox', 'community', 'pending_review') "
        "RETURNING id", (REGION,))
    return int(rows[0]["id"])


async def _decide(db: ConnectionDatabase, n: int, demand_id: int, seen: Counter[str]) -> None:
    approve = n % 2 == 0
    try:
        await demand_review.vet_demand(db, REVIEWERS[n % 2], demand_id=demand_id,
                                       approve=approve, reason=None if approve else "重复需求")
        seen["approved" if approve else "rejected"] += 1
    except WorkflowError as exc:
        assert exc.code is Code.INVALID_TRANSITION, exc
        seen["told"] += 1


async def test_two_reviewers_at_once_make_one_decision(connections: list[ConnectionDatabase]):
    for _ in range(ROUNDS):
        demand_id = await _pending(connections[0])
        seen: Counter[str] = Counter()
        await asyncio.gather(*(_decide(db, n, demand_id, seen)
                               for n, db in enumerate(connections)))
        assert seen["approved"] + seen["rejected"] == 1, seen
        assert seen["told"] == TASKS - 1
        [row] = await connections[0].fetch(
            "SELECT status, vetted_by, rejection_reason FROM demand WHERE id = %s", (demand_id,))
        winner = "open" if seen["approved"] else "rejected"
        assert row["status"] == winner and row["vetted_by"] is not None
        assert (row["rejection_reason"] is None) is (winner == "open")


async def test_the_same_file_imported_at_once_is_loaded_once(
        connections: list[ConnectionDatabase]):
    rows = [demand_row(f"RACE-{n}", 站点名称=None, 服务地点经度=113.62, 服务地点纬度=34.75)
            for n in range(5)]
    request = ImportRequest("demands", demand_file(rows), "race.xlsx")
    dispatcher = REVIEWERS[1]
    summaries = await asyncio.gather(*(demand_import.import_demands(db, dispatcher, request)
                                       for db in connections[:6]))
    assert sum(s.imported for s in summaries) == 5
    assert all(s.loaded and s.imported + s.skipped == 5 for s in summaries)
    [row] = await connections[0].fetch(
        "SELECT count(*) AS n, count(DISTINCT external_ref) AS refs FROM demand "
        "WHERE external_ref LIKE 'RACE-%%' AND external_scope = %s", (dispatcher.region,))
    assert (row["n"], row["refs"]) == (5, 5)
