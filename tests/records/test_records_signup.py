"""活动报名: capacity is never exceeded, also under concurrency (the rest are waitlisted:
tests/activities/ holds the waitlist); attendance gives hours."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.auth.tokens import SYSTEM
from hub.services import activities
from hub.services.records import RecordsError
from hub.store.base import ConnectionDatabase
from tests.conftest import migrated_database
from tests.records.records_world import World, make_world

PEOPLE, CAPACITY = 40, 7


@pytest.fixture(scope="module")
def scratch_url(server_url: str) -> Iterator[str]:
    """A database of its own, so concurrent commits leave the shared seeded one untouched."""
    url = migrated_database(server_url, "hub_test_records_signup")
    yield url


async def _code(call: Any) -> str:
    try:
        await call
    except RecordsError as exc:
        return exc.code
    return "OK"


async def test_concurrent_sign_ups_never_exceed_capacity(scratch_url: str):
    async with await psycopg.AsyncConnection.connect(scratch_url) as setup:
        world = await make_world(setup, volunteers=PEOPLE, capacity=CAPACITY)
        await setup.commit()
    conns = [await psycopg.AsyncConnection.connect(scratch_url, autocommit=True)
             for _ in range(PEOPLE)]
    try:
        codes = await asyncio.gather(*(
            _code(activities.sign_up(ConnectionDatabase(c), SYSTEM,
                                     activity_id=world.future_activity, volunteer_id=v))
            for c, v in zip(conns, world.volunteers, strict=True)))
    finally:
        for c in conns:
            await c.close()
    assert Counter(codes) == {"OK": PEOPLE}  # those after the last place are waitlisted
    with psycopg.connect(scratch_url) as conn:
        row = conn.execute("SELECT signed_up, (SELECT count(*) FROM activity_signup s WHERE "
                           "s.activity_id = a.id AND s.status = 'signed_up'), (SELECT count(*) "
                           "FROM activity_signup s WHERE s.activity_id = a.id AND s.status = "
                           "'waitlisted') FROM activity a WHERE id = %s",
                           (world.future_activity,)).fetchone()
        assert row == (CAPACITY, CAPACITY, PEOPLE - CAPACITY)
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("UPDATE activity SET signed_up = signed_up + 1 WHERE id = %s",
                         (world.future_activity,))


async def test_sign_up_cancel_and_sign_up_again(db: ConnectionDatabase, world: World):
    activity, volunteer = world.future_activity, world.volunteers[0]
    row, after = await activities.sign_up(db, SYSTEM, activity_id=activity, volunteer_id=volunteer)
    assert row["status"] == "signed_up" and after["signed_up"] == 1
    with pytest.raises(RecordsError, match="already"):
        await activities.sign_up(db, SYSTEM, activity_id=activity, volunteer_id=volunteer)
    row, after = await activities.cancel(db, SYSTEM, activity_id=activity, volunteer_id=volunteer)
    assert row["status"] == "cancelled" and after["signed_up"] == 0
    with pytest.raises(RecordsError) as caught:
        await activities.cancel(db, SYSTEM, activity_id=activity, volunteer_id=volunteer)
    assert caught.value.code == "NOT_SIGNED_UP"
    _, after = await activities.sign_up(db, SYSTEM, activity_id=activity, volunteer_id=volunteer)
    assert after["signed_up"] == 1


async def test_a_started_activity_takes_attendance_not_sign_ups(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    activity = world.future_activity
    for volunteer in world.volunteers[:2]:
        await activities.sign_up(db, SYSTEM, activity_id=activity, volunteer_id=volunteer)
    with pytest.raises(RecordsError) as caught:
        await activities.record_attendance(db, SYSTEM, activity_id=activity,
                                           volunteer_id=world.volunteers[0], attended=True,
                                           hours=None)
    assert caught.value.code == "ACTIVITY_NOT_STARTED"
    await aconn.execute("UPDATE activity SET time_window = tstzrange(now() - interval '4 hours',"
                        " now() - interval '90 minutes') WHERE id = %s", (activity,))
    with pytest.raises(RecordsError) as caught:
        await activities.sign_up(db, SYSTEM, activity_id=activity,
                                 volunteer_id=world.volunteers[2])
    assert caught.value.code == "ACTIVITY_CLOSED"
    captain = Caller(Role.ORG_ADMIN, "captain", org=world.org)
    row, record = await activities.record_attendance(
        db, captain, activity_id=activity, volunteer_id=world.volunteers[0], attended=True,
        hours=None)
    assert row["status"] == "attended" and record is not None
    assert record["hours"] == Decimal("2.50") and record["recorded_by"] == "captain"
    row, record = await activities.record_attendance(
        db, captain, activity_id=activity, volunteer_id=world.volunteers[1], attended=False,
        hours=None)
    assert row["status"] == "absent" and record is None
    with pytest.raises(RecordsError) as caught:
        await activities.record_attendance(db, SYSTEM, activity_id=activity,
                                           volunteer_id=world.volunteers[0], attended=True,
                                           hours=Decimal(1))
    assert caught.value.code == "ALREADY_RECORDED"
