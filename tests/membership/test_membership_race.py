"""Suspension against acceptance and a new offer at once (issue 14.6): whichever commits first,
the volunteer ends suspended with no active dispatch, and an acceptance or offer that won was
withdrawn by the suspension (it is in the suspension's list), never left standing.

These transactions commit on separate connections, so they run in a scratch database.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.auth.tokens import SYSTEM
from hub.schema.node import encode_id
from hub.services import membership, workflow
from hub.services.workflow import Refused, WorkflowError
from hub.store.base import ConnectionDatabase
from tests.conftest import migrated_database

ROUNDS = 10
LON, LAT, REGION = 113.6073, 34.7495, "410102000000"
ADMIN = Caller(Role.ADMIN, "admin-race")


@pytest.fixture(scope="module")
def race_url(server_url: str) -> str:
    return migrated_database(server_url, "hub_test_membership_race")


@pytest.fixture
async def conns(race_url: str) -> AsyncIterator[list[ConnectionDatabase]]:
    opened = [await psycopg.AsyncConnection.connect(race_url, autocommit=True)
              for _ in range(4)]
    try:
        yield [ConnectionDatabase(c) for c in opened]
    finally:
        for c in opened:
            await c.close()


async def _one(db: ConnectionDatabase, sql: str, params: Any) -> Any:
    cur = await db.conn.execute(sql, params)
    row = await cur.fetchone()
    assert row is not None
    return row[0]


async def _round(dbs: list[ConnectionDatabase], k: int) -> str:
    setup, accepting, offering, suspending = dbs
    volunteer = await _one(setup, "INSERT INTO volunteer (real_name, region_code) VALUES "
                                  "(%s, %s) RETURNING id", (f"竞争{k}", REGION))
    demands = [await _one(setup, "INSERT INTO demand (title, category, needed, time_window, "
                                 "location_geom, region_code, raised_by) VALUES (%s, 'health', "
                                 "1, tstzrange(now() + %s * interval '1 day', now() + %s * "
                                 "interval '1 day' + interval '2 hours'), "
                                 "ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, 'test') "
                                 "RETURNING id", (f"竞争需求{k}-{n}", 3 + n, 3 + n, LON, LAT,
                                                  REGION)) for n in (0, 1)]
    [offer] = await workflow.offer(setup, caller=SYSTEM, demand_id=demands[0],
                                   volunteer_ids=[volunteer], ttl_s=3600)
    me = Caller(Role.VOLUNTEER, encode_id("Volunteer", volunteer))
    accepted, offered, suspended = await asyncio.gather(
        workflow.accept(accepting, caller=me, dispatch_id=offer, ttl_s=3600),
        workflow.offer(offering, caller=SYSTEM, demand_id=demands[1],
                       volunteer_ids=[volunteer], ttl_s=3600),
        membership.suspend(suspending, ADMIN, volunteer_id=volunteer, reason="并发测试",
                           ttl_s=3600),
        return_exceptions=True)
    assert not isinstance(suspended, BaseException), suspended
    withdrawn = set(suspended.withdrawn)
    if isinstance(accepted, BaseException):  # the suspension withdrew the offer first
        assert isinstance(accepted, WorkflowError | Refused), accepted
    else:
        assert offer in withdrawn  # accepted first, then withdrawn
    if isinstance(offered, BaseException):  # refused: the volunteer was suspended
        assert isinstance(offered, Refused), offered
        assert [e.code for e in offered.errors] == ["VOLUNTEER_INACTIVE"], offered.errors
    else:
        assert set(offered) <= withdrawn  # offered first, then withdrawn
    assert await _one(setup, "SELECT status FROM volunteer WHERE id = %s",
                      (volunteer,)) == "suspended"
    assert await _one(setup, "SELECT count(*) FROM dispatch WHERE volunteer_id = %s AND active",
                      (volunteer,)) == 0
    return (f"accept {'lost' if isinstance(accepted, BaseException) else 'won'}, "
            f"offer {'lost' if isinstance(offered, BaseException) else 'won'}")


async def test_suspension_against_acceptance_and_offer(conns: list[ConnectionDatabase]):
    outcomes = Counter([await _round(conns, k) for k in range(ROUNDS)])
    assert sum(outcomes.values()) == ROUNDS, outcomes
