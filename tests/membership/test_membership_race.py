"""Suspension against acceptance, a new offer and a sign-up at once (issue 14.6): whichever
commits first, the volunteer ends suspended with no active dispatch and no place, and an
acceptance, offer or sign-up that won was withdrawn by the suspension (it is in the
suspension's lists), never left standing.

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
from hub.services import activities, suspension, workflow
from hub.services.records import RecordsError
from hub.services.workflow import Refused, WorkflowError
from hub.store.base import ConnectionDatabase
from tests.conftest import migrated_database

ROUNDS = 10
LON, LAT, REGION = 113.6073, 34.7495, "410102000000"
ADMIN = Caller(Role.ADMIN, "admin-race")


@pytest.fixture(scope="module")
def race_url(server_url: str) -> str:
    """A scratch database with a team and a published activity next week (many places)."""
    url = migrated_database(server_url, "hub_test_membership_race")
    with psycopg.connect(url) as conn:
        conn.execute("INSERT INTO organization (name, level, region_code, kind) VALUES "
                     "('并发测试科技志愿服务队', 'team', %s, 'association')", (REGION,))
        conn.execute("INSERT INTO activity (title, organization_id, category, time_window, "
                     "location_geom, region_code, capacity, status) SELECT '科普讲座', id, "
                     "'health', tstzrange(now() + interval '7 days', now() + interval "
                     "'7 days 3 hours'), ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, 100, "
                     "'published' FROM organization", (LON, LAT, REGION))
        conn.commit()
    return url


@pytest.fixture
async def conns(race_url: str) -> AsyncIterator[list[ConnectionDatabase]]:
    opened = [await psycopg.AsyncConnection.connect(race_url, autocommit=True)
              for _ in range(5)]
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
    setup, accepting, offering, signing, suspending = dbs
    activity = await _one(setup, "SELECT id FROM activity", ())
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
    accepted, offered, signed, suspended = await asyncio.gather(
        workflow.accept(accepting, caller=me, dispatch_id=offer, ttl_s=3600),
        workflow.offer(offering, caller=SYSTEM, demand_id=demands[1],
                       volunteer_ids=[volunteer], ttl_s=3600),
        activities.sign_up(signing, me, activity_id=activity, volunteer_id=volunteer),
        suspension.suspend(suspending, ADMIN, volunteer_id=volunteer, reason="并发测试",
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
    if isinstance(signed, BaseException):  # refused: the volunteer was suspended
        assert isinstance(signed, RecordsError) and signed.code == "VOLUNTEER_INACTIVE", signed
    else:
        assert suspended.left_activities == (activity,)  # signed up first, then withdrawn
    assert await _one(setup, "SELECT count(*) FROM activity_signup WHERE volunteer_id = %s "
                             "AND status IN ('signed_up', 'waitlisted')", (volunteer,)) == 0
    assert await _one(setup, "SELECT status FROM volunteer WHERE id = %s",
                      (volunteer,)) == "suspended"
    assert await _one(setup, "SELECT count(*) FROM dispatch WHERE volunteer_id = %s AND active",
                      (volunteer,)) == 0
    return ", ".join(f"{what} {'lost' if isinstance(result, BaseException) else 'won'}"
                     for what, result in (("accept", accepted), ("offer", offered),
                                          ("sign-up", signed)))


async def test_suspension_against_acceptance_offer_and_sign_up(conns: list[ConnectionDatabase]):
    outcomes = Counter([await _round(conns, k) for k in range(ROUNDS)])
    assert sum(outcomes.values()) == ROUNDS, outcomes
