"""The outbox: an event commits or rolls back with the change that causes it, once-only events
are recorded once, and the relay hands each committed event on exactly once."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from hub.services import outbox
from hub.services.outbox import EventKind, EventSubject, Recipient
from hub.store.base import PoolDatabase, Row

pytestmark = pytest.mark.asyncio
SUBJECT = EventSubject("dispatch", 7)


class Boom(Exception):
    pass


async def _record(tx: Any, **extra: Any) -> int | None:
    return await outbox.record(tx, kind=EventKind.OFFER_MADE, subject=SUBJECT,
                               recipients=[Recipient.volunteer(3), Recipient.volunteer(3)],
                               payload={"title": "科普讲座"}, region_code="410102000000",
                               **extra)


async def test_rolled_back_change_leaves_no_event(db: PoolDatabase) -> None:
    with pytest.raises(Boom):
        async with db.transaction() as tx:
            assert await _record(tx) is not None
            raise Boom
    assert await outbox.count_waiting(db) == 0


async def test_committed_event_waits_for_the_relay_with_its_recipients_once(
        db: PoolDatabase) -> None:
    async with db.transaction() as tx:
        event_id = await _record(tx)
    assert event_id is not None
    rows = await db.fetch("SELECT kind, subject_kind, subject_id, recipients, payload "
                          "FROM outbox_event")
    assert rows == [{"kind": "offer_made", "subject_kind": "dispatch", "subject_id": 7,
                     "recipients": [{"kind": "volunteer", "id": "3"}],
                     "payload": {"title": "科普讲座"}}]
    assert await outbox.count_waiting(db) == 1


async def test_once_key_records_once(db: PoolDatabase) -> None:
    async with db.transaction() as tx:
        first = await _record(tx, once_key="reminder_24h:dispatch:7")
        second = await _record(tx, once_key="reminder_24h:dispatch:7")
    assert first is not None and second is None


async def test_relay_hands_each_event_on_once_and_a_failed_defer_relays_none(
        db: PoolDatabase) -> None:
    async with db.transaction() as tx:
        ids = [await _record(tx) for _ in range(5)]
    seen: list[int] = []

    async def failing(conn: Any, events: Sequence[Row], deliveries: Sequence[Row]) -> None:
        raise Boom

    with pytest.raises(Boom):
        await outbox.relay(db, failing)
    assert await outbox.count_waiting(db) == 5

    async def defer(conn: Any, events: Sequence[Row], deliveries: Sequence[Row]) -> None:
        seen.extend(e["id"] for e in events)

    assert await outbox.relay(db, defer, batch=2) == 5
    assert await outbox.relay(db, defer) == 0
    assert seen == ids
    assert await outbox.count_waiting(db) == 0


async def test_relays_running_at_once_hand_each_event_on_exactly_once(db: PoolDatabase) -> None:
    async with db.transaction() as tx:
        for n in range(300):
            await outbox.record(tx, kind=EventKind.OFFER_MADE, subject=EventSubject("dispatch", n),
                                recipients=[Recipient.volunteer(n % 7)], payload={},
                                region_code="410102000000")
    seen: list[int] = []

    async def defer(conn: Any, events: Sequence[Row], deliveries: Sequence[Row]) -> None:
        await asyncio.sleep(0.01)  # hold the batch's locks a little while the others run
        seen.extend(e["id"] for e in events)

    done = await asyncio.gather(*(outbox.relay(db, defer, batch=25) for _ in range(5)))
    assert sum(done) == 300 and len(seen) == 300 and len(set(seen)) == 300
    rows = await db.fetch("SELECT count(*) AS n, count(DISTINCT event_id) AS events "
                          "FROM notification")
    assert rows == [{"n": 300, "events": 300}]  # one inbox row per event and addressee
