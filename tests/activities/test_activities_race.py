"""Many sign-ups, cancellations and capacity increases at once, through the app's real pool
(each call its own connection and transaction): never more signed up than the capacity, the
waitlist moves up first come first served, and nobody is lost."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest

from hub.auth.tokens import SYSTEM
from hub.db.pool import make_pools
from hub.services import activities
from hub.services.records import RecordsError
from hub.store.base import PoolDatabase
from tests.conftest import as_app, migrated_database
from tests.records.records_world import make_world

PEOPLE, CAPACITY, QUITTERS, GROWS = 48, 9, 16, 3


@pytest.fixture(scope="module")
def race_url(server_url: str) -> str:
    """A scratch database: these transactions commit."""
    return migrated_database(server_url, "hub_test_activity_race")


@pytest.fixture
async def pool_db(race_url: str) -> AsyncIterator[PoolDatabase]:
    pool, _ = make_pools(as_app(race_url), min_size=4, max_size=16, wait_s=30.0)
    await pool.open(wait=True)
    try:
        yield PoolDatabase(pool)
    finally:
        await pool.close()


async def _outcome(call: Any) -> tuple[str, Any]:
    try:
        row, _ = await call
    except RecordsError as exc:
        return exc.code, None
    return "OK", row


def _rows(url: str, activity: int, capacity: int) -> dict[int, tuple[str, int | None]]:
    with psycopg.connect(url) as conn:
        cap, counter = conn.execute("SELECT capacity, signed_up FROM activity WHERE id = %s",
                                    (activity,)).fetchone() or (0, 0)
        rows = conn.execute("SELECT volunteer_id, status, waitlist_no FROM activity_signup "
                            "WHERE activity_id = %s", (activity,)).fetchall()
    signed = sum(1 for _, status, _ in rows if status == "signed_up")
    assert (cap, counter) == (capacity, signed), "the counter is the signed-up rows"
    return {v: (status, no) for v, status, no in rows}


async def _grow(db: PoolDatabase, activity: int) -> tuple[str, Any]:
    """One more place, given to the waitlist in the same transaction (as updateActivity
    does; the UPDATE locks the activity's row first)."""
    async with db.transaction() as tx:
        await tx.fetch("UPDATE activity SET capacity = capacity + 1 WHERE id = %(a)s",
                       {"a": activity})
        return "OK", await activities.fill_from_waitlist(tx, activity_id=activity)


async def test_concurrent_sign_ups_and_cancellations_keep_capacity_and_fifo(
        race_url: str, pool_db: PoolDatabase):
    async with await psycopg.AsyncConnection.connect(race_url) as setup:
        world = await make_world(setup, volunteers=PEOPLE, capacity=CAPACITY)
        await setup.commit()
    a, people = world.future_activity, list(world.volunteers)

    # 1. Everyone at once: CAPACITY get places, the rest queue (each told their number).
    first = await asyncio.gather(*(_outcome(activities.sign_up(
        pool_db, SYSTEM, activity_id=a, volunteer_id=v)) for v in people))
    assert {code for code, _ in first} == {"OK"}
    queued = {row["volunteer_id"]: row["waitlist_no"] for _, row in first
              if row["status"] == "waitlisted"}
    assert len(queued) == PEOPLE - CAPACITY
    positions = sorted(row["waitlist_position"] for _, row in first
                       if row["status"] == "waitlisted")
    assert positions == list(range(1, PEOPLE - CAPACITY + 1)), "each told a distinct place"
    assert len(set(queued.values())) == len(queued)

    # 2. Cancellations (of places and of waitlist places) and repeated sign-ups, interleaved.
    rng = random.Random(14)
    quitters = rng.sample(people, QUITTERS)
    calls = [activities.cancel(pool_db, SYSTEM, activity_id=a, volunteer_id=v)
             for v in quitters]
    stayed = [v for v in people if v not in quitters]
    calls += [activities.sign_up(pool_db, SYSTEM, activity_id=a, volunteer_id=v)
              for v in rng.sample(stayed, 8)]  # already in: refused, nothing changes
    outcomes = [_outcome(c) for c in calls] + [_grow(pool_db, a) for _ in range(GROWS)]
    rng.shuffle(outcomes)
    second = await asyncio.gather(*outcomes)
    assert {code for code, _ in second} <= {"OK", "ALREADY_SIGNED_UP", "ALREADY_WAITLISTED"}

    rows = _rows(race_url, a, CAPACITY + GROWS)
    assert {v for v, (status, _) in rows.items() if status == "cancelled"} == set(quitters)
    assert all(rows[v][0] in {"signed_up", "waitlisted"} for v in stayed), "nobody lost"
    signed = [v for v in stayed if rows[v][0] == "signed_up"]
    waiting = [v for v in stayed if rows[v][0] == "waitlisted"]
    assert len(signed) == min(CAPACITY + GROWS, len(stayed)), "no free place while one waits"
    # FIFO: everyone moved up joined the waitlist before everyone still waiting.
    moved = [queued[v] for v in signed if v in queued]
    assert moved and waiting
    assert max(moved) < min(queued[v] for v in waiting)
    assert all(rows[v][1] == queued[v] for v in waiting), "waiting keep their numbers"
