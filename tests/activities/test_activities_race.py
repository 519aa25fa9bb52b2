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
from hub.services import activities, suspension
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


async def _another_world(url: str, *, volunteers: int, capacity: int) -> Any:
    """A world beside those earlier tests of the module committed (their team renamed)."""
    async with await psycopg.AsyncConnection.connect(url) as setup:
        await setup.execute("UPDATE organization SET name = name || '-' || id WHERE name = "
                            "'记录测试科技志愿服务队'")
        world = await make_world(setup, volunteers=volunteers, capacity=capacity)
        await setup.commit()
    return world


async def test_promotion_waits_for_a_status_change_in_progress(race_url: str,
                                                                pool_db: PoolDatabase):
    """A waitlisted volunteer whose status is being changed (an exit or suspension not yet
    committed) is not moved up on the stale 'active': the promotion waits for the change,
    reads the status again and takes the next one."""
    world = await _another_world(race_url, volunteers=3, capacity=1)
    a, (holder, first, second) = world.future_activity, world.volunteers
    for v in (holder, first, second):
        await activities.sign_up(pool_db, SYSTEM, activity_id=a, volunteer_id=v)
    async with await psycopg.AsyncConnection.connect(race_url) as changing:
        await changing.execute("UPDATE volunteer SET status = 'suspended' WHERE id = %s",
                               (first,))
        cancel = asyncio.ensure_future(activities.cancel(pool_db, SYSTEM, activity_id=a,
                                                         volunteer_id=holder))
        await asyncio.sleep(0.5)
        assert not cancel.done(), "the promotion waits for the status change to commit"
        await changing.commit()
    await cancel
    rows = _rows(race_url, a, 1)
    assert rows[first][0] == "waitlisted" and rows[second][0] == "signed_up"


async def test_suspensions_racing_promotions_leave_no_suspended_volunteer_a_place(
        race_url: str, pool_db: PoolDatabase):
    """Places freed while waitlisted volunteers are suspended: every place goes to someone
    still active, and no suspended volunteer keeps a place or a waitlist entry."""
    world = await _another_world(race_url, volunteers=24, capacity=6)
    a, people = world.future_activity, list(world.volunteers)
    for v in people:  # in order: the first 6 hold places, 18 wait
        await activities.sign_up(pool_db, SYSTEM, activity_id=a, volunteer_id=v)
    quitters, suspended = people[:4], people[6:14:2] + people[15:18]
    calls: list[Any] = [_outcome(activities.cancel(pool_db, SYSTEM, activity_id=a,
                                                   volunteer_id=v)) for v in quitters]
    calls += [suspension.suspend(pool_db, SYSTEM, volunteer_id=v, reason="并发测试", ttl_s=60)
              for v in suspended]
    random.Random(4).shuffle(calls)
    done = await asyncio.gather(*calls)
    assert all(r[0] == "OK" for r in done if isinstance(r, tuple))
    rows = _rows(race_url, a, 6)
    assert all(rows[v][0] == "cancelled" for v in (*quitters, *suspended))
    signed = [v for v, (status, _) in rows.items() if status == "signed_up"]
    assert len(signed) == 6 and not set(signed) & set(suspended)
    with psycopg.connect(race_url) as conn:
        assert conn.execute("SELECT count(*) FROM volunteer WHERE id = ANY(%s) AND status <> "
                            "'active'", (signed,)).fetchone() == (0,)
    # FIFO among those still waiting: every active one moved up came before every one waiting.
    waiting = [v for v in people if rows[v][0] == "waitlisted"]
    assert waiting and max(people.index(v) for v in signed) < min(people.index(v) for v in waiting)
