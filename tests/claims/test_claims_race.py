"""Many claims at once: a demand's slots are never overfilled and nobody is double-booked,
whether volunteers claim or a dispatcher dispatches by hand (the same guards).

The transactions must commit on separate connections, so they run in a scratch database
(created here), never the shared seeded one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import psycopg
import pytest
from claims_world import volunteer_caller

from hub.auth import Caller, Role
from hub.services import claims, workflow
from hub.services.workflow import Code
from hub.store.base import ConnectionDatabase
from tests.conftest import migrated_database
from tests.workflow.workflow_world import (
    dispatch_invariants,
    outcome_codes,
    separate_connections,
)

TASKS = 30
LON, LAT, REGION = 113.6073, 34.7495, "410102000000"
DISPATCHER = Caller(role=Role.DISPATCHER, sub="d-zz", region="410100000000")


@pytest.fixture(scope="module")
def race_url(server_url: str) -> str:
    """A scratch database with thirty volunteers who fit any health demand nearby."""
    url = migrated_database(server_url, "hub_test_claims_race")
    with psycopg.connect(url) as conn:
        for k in range(TASKS):
            conn.execute(
                "INSERT INTO volunteer (real_name, skills, home_geom, region_code, "
                "weekly_availability, service_radius_m) VALUES (%s, '{\"health\": 2}', "
                "ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, '{[0,10080)}', 10000)",
                (f"抢单{k}", LON + k * 0.0005, LAT, REGION))
        conn.commit()
    return url


@pytest.fixture
async def connections(race_url: str) -> AsyncIterator[list[ConnectionDatabase]]:
    async with separate_connections(race_url, TASKS) as racers:
        yield racers


async def _demand(db: ConnectionDatabase, *, needed: int, days: int, hours: int = 2,
                  offset_h: int = 0) -> int:
    [row] = await db.fetch(
        "INSERT INTO demand (title, category, required_skills, needed, time_window, "
        "location_geom, region_code, raised_by) VALUES ('并发抢单', 'health', '{health}', "
        "%(n)s, tstzrange(date_trunc('hour', now()) + make_interval(days => %(d)s, "
        "hours => %(o)s), date_trunc('hour', now()) + make_interval(days => %(d)s, "
        "hours => %(o)s + %(h)s)), ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), "
        "%(r)s, 'test') RETURNING id",
        {"n": needed, "d": days, "o": offset_h, "h": hours, "lon": LON, "lat": LAT,
         "r": REGION})
    return int(row["id"])


async def _volunteers(db: ConnectionDatabase) -> list[int]:
    return [r["id"] for r in await db.fetch("SELECT id FROM volunteer ORDER BY id")]


_codes = outcome_codes


async def test_thirty_volunteers_claim_three_slots_at_once(
        connections: list[ConnectionDatabase]):
    db = connections[0]
    demand = await _demand(db, needed=3, days=3)
    volunteers = await _volunteers(db)
    results = await asyncio.gather(
        *(claims.claim(c, volunteer_caller(v), demand_id=demand)
          for c, v in zip(connections, volunteers, strict=True)), return_exceptions=True)
    assert _codes(results) == {"ok": 3, Code.SLOTS_FULL.value: TASKS - 3}
    rows = await db.fetch("SELECT status, claimed FROM dispatch WHERE demand_id = %s",
                          (demand,))
    assert rows == [{"status": "accepted", "claimed": True}] * 3
    events = await db.fetch("SELECT count(*) AS n FROM dispatch_event WHERE demand_id = %s",
                            (demand,))
    assert events[0]["n"] == 3  # one event per claim, none for the refused
    await dispatch_invariants(db)


async def test_one_volunteer_claiming_overlapping_demands_at_once_gets_one(
        connections: list[ConnectionDatabase]):
    db = connections[0]
    demands = [await _demand(db, needed=5, days=5, hours=3, offset_h=k % 2)
               for k in range(TASKS)]  # every window overlaps every other
    me = (await _volunteers(db))[-1]
    results = await asyncio.gather(
        *(claims.claim(c, volunteer_caller(me), demand_id=d)
          for c, d in zip(connections, demands, strict=True)), return_exceptions=True)
    codes = _codes(results)
    assert codes["ok"] == 1, codes
    assert set(codes) - {"ok"} == {Code.DOUBLE_BOOKED.value}, codes
    await dispatch_invariants(db)


async def test_a_claim_and_a_hand_dispatch_of_the_last_slot_one_wins(
        connections: list[ConnectionDatabase]):
    db = connections[0]
    volunteers = await _volunteers(db)
    for round_ in range(10):
        demand = await _demand(db, needed=1, days=10 + round_)
        claimer, offered = volunteers[2 * round_], volunteers[2 * round_ + 1]
        results = await asyncio.gather(
            claims.claim(connections[1], volunteer_caller(claimer), demand_id=demand),
            workflow.offer(connections[2], caller=DISPATCHER, demand_id=demand,
                           volunteer_ids=[offered], ttl_s=3600),
            return_exceptions=True)
        assert _codes(list(results)) == {"ok": 1, Code.SLOTS_FULL.value: 1}, results
        active = await db.fetch("SELECT count(*) AS n FROM dispatch WHERE demand_id = %s AND "
                                "active", (demand,))
        assert active[0]["n"] == 1
    await dispatch_invariants(db)


async def test_pending_claims_hold_the_slots_under_a_race(
        connections: list[ConnectionDatabase]):
    db = connections[0]
    await db.fetch("INSERT INTO region_setting (region_code, claims_need_approval) VALUES "
                   "('410100000000', true) ON CONFLICT (region_code) DO UPDATE SET "
                   "claims_need_approval = true")
    try:
        demand = await _demand(db, needed=2, days=40)
        volunteers = await _volunteers(db)
        results = await asyncio.gather(
            *(claims.claim(c, volunteer_caller(v), demand_id=demand)
              for c, v in zip(connections, volunteers, strict=True)), return_exceptions=True)
        assert _codes(results) == {"ok": 2, Code.SLOTS_FULL.value: TASKS - 2}
        pending = [r["id"] for r in await db.fetch(
            "SELECT id FROM dispatch WHERE demand_id = %s AND status = 'claim_pending'",
            (demand,))]
        assert len(pending) == 2
        # Approving both at once from many connections: each is approved exactly once.
        results = await asyncio.gather(
            *(claims.approve(c, DISPATCHER, dispatch_id=pending[n % 2])
              for n, c in enumerate(connections[:10])), return_exceptions=True)
        assert _codes(list(results)) == {"ok": 2, Code.INVALID_TRANSITION.value: 8}
    finally:
        await db.fetch("DELETE FROM region_setting WHERE region_code = '410100000000'")
    await dispatch_invariants(db)


async def test_a_volunteers_weekly_capacity_holds_when_they_claim_a_week_at_once(
        connections: list[ConnectionDatabase]):
    db = connections[0]
    [row] = await db.fetch(
        "INSERT INTO volunteer (real_name, skills, home_geom, region_code, weekly_availability, "
        "service_radius_m, capacity_per_week) VALUES ('每周一次', '{\"health\": 2}', "
        "ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, '{[0,10080)}', 10000, 1) RETURNING id",
        (LON, LAT, REGION))
    # Ten demands on one China-time week's Wednesday, an hour apart and not overlapping.
    [week] = await db.fetch("SELECT (date_trunc('week', timezone('Asia/Shanghai', now())) + "
                            "interval '8 weeks 2 days 8 hours') AT TIME ZONE 'Asia/Shanghai' "
                            "AS at")
    demands = [(await db.fetch(
        "INSERT INTO demand (title, category, required_skills, needed, time_window, "
        "location_geom, region_code, raised_by) VALUES ('一周', 'health', '{health}', 2, "
        "tstzrange(%(at)s + make_interval(hours => %(k)s), %(at)s + make_interval(hours => "
        "%(k)s, mins => 50)), ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(r)s, "
        "'test') RETURNING id", {"at": week["at"], "k": k, "lon": LON, "lat": LAT,
                                 "r": REGION}))[0]["id"] for k in range(10)]
    results = await asyncio.gather(
        *(claims.claim(c, volunteer_caller(row["id"]), demand_id=d)
          for c, d in zip(connections, demands, strict=False)), return_exceptions=True)
    assert _codes(list(results)) == {"ok": 1, Code.NOT_ELIGIBLE.value: 9}
    await dispatch_invariants(db)
