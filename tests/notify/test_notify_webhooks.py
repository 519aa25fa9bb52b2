"""Partner webhooks end to end: events recorded with their changes are relayed, signed and
POSTed by real workers to a real local receiver that fails the first tries (500, a timeout, an
answer lost after the effect); each event's effect happens exactly once, in order per subject;
the signature verifies with the documented algorithm; a logged delivery replays with the same
idempotency key; a partner cannot register outside its contract."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.auth.actions import Denied
from hub.auth.tokens import SYSTEM, Caller, Role
from hub.jobs import notify
from hub.services import events, outbox, webhooks
from hub.services.outbox import EventKind, EventSubject, Recipient
from hub.services.webhook_delivery import body_of, sign, verify
from hub.services.workflow_errors import WorkflowError
from hub.settings import Settings, WebhookSettings
from hub.store.base import Database, Row
from tests.jobs.conftest import FAST, Worker, a_worker, running, until
from tests.notify.receiver import FAIL, LOST, SLOW, Receiver, Server

pytestmark = pytest.mark.asyncio
PARTNER = Caller(Role.PARTNER, "partner-1")
ZHENGZHOU, WUHAN = "410100000000", "420100000000"
HOOKS = WebhookSettings(http_hosts=("127.0.0.1",), timeout_s=0.3)


@pytest.fixture
def fast(settings: Settings) -> Settings:
    return replace(settings, jobs=replace(FAST, max_attempts=6), webhooks=HOOKS,
                   db_wait_s=5.0)


@pytest.fixture
async def worker(clean: str, fast: Settings) -> AsyncIterator[Worker]:
    async with a_worker(clean, fast, periodic=False) as found:
        yield found


async def _contract(db: Database) -> None:
    await webhooks.set_contract(db, SYSTEM, partner=PARTNER.sub or "",
                                kinds=["offer_made", "offer_accepted", "hours_confirmed"],
                                regions=[ZHENGZHOU])


async def _event(db: Database, kind: EventKind, subject_id: int, region: str = "410102000000",
                 *, commit: bool = True) -> int | None:
    class Rollback(Exception):
        pass

    try:
        async with db.transaction() as tx:
            made = await outbox.record(tx, kind=kind, subject=EventSubject("dispatch", subject_id),
                                       recipients=[Recipient.volunteer(subject_id)],
                                       payload={"title": f"讲座 {subject_id}"},
                                       region_code=region)
            if not commit:
                raise Rollback
    except Rollback:
        return None
    return made


async def _relay(worker: Worker) -> int:
    """What the relay job does, on the worker's app (webhook jobs only)."""
    async def defer(conn: Any, events: Any, delivered: Any) -> None:
        await notify.defer_webhooks(worker.app, delivered, connection=conn)

    return await outbox.relay(worker.resources.db, defer)


async def _deliveries(db: Database) -> list[Row]:
    return await db.fetch("SELECT id, event_id, status, attempts, replay_of FROM "
                          "webhook_delivery ORDER BY id")


async def test_retried_deliveries_take_effect_once_in_order_per_subject(
        worker: Worker) -> None:
    db = worker.resources.db
    await _contract(db)
    receiver = Receiver(script=(FAIL, SLOW, LOST), slow_s=0.8)
    with Server(receiver) as server:
        hook, secret = await webhooks.register(db, PARTNER, HOOKS, url=server.url,
                                               kinds=["offer_made", "offer_accepted"],
                                               regions=None, description="test")
        receiver.secret = secret
        assert hook["regions"] == [ZHENGZHOU] and secret.startswith("whsec_")
        made = [await _event(db, EventKind.OFFER_MADE, 1),
                await _event(db, EventKind.OFFER_MADE, 2),
                await _event(db, EventKind.OFFER_ACCEPTED, 1),
                await _event(db, EventKind.OFFER_ACCEPTED, 2)]
        await _event(db, EventKind.OFFER_MADE, 3, region="420102000000")  # outside the regions
        await _event(db, EventKind.HOURS_CONFIRMED, 1)  # a kind the hook did not ask for
        await _event(db, EventKind.OFFER_MADE, 4, commit=False)  # rolled back: never sent
        assert await _relay(worker) == 6
        assert [d["event_id"] for d in await _deliveries(db)] == made

        async def finished() -> bool:
            return all(d["status"] != "pending" for d in await _deliveries(db))

        async with running(worker.run(name="w1", wait=True, concurrency=4)):
            await until(finished, timeout_s=60)
    assert {d["status"] for d in await _deliveries(db)} == {"delivered"}
    assert [d["attempts"] for d in await _deliveries(db)] == [4, 4, 4, 4]
    assert receiver.bad_signatures == 0
    assert sorted(e["key"] for e in receiver.effects) == sorted(str(m) for m in made)
    for subject in ("1", "2"):  # per subject, the effects follow the events' order
        seen = [e for e in receiver.effects if e["subject"]["id"] == subject]
        assert [e["kind"] for e in seen] == ["offer_made", "offer_accepted"]
        assert [int(e["key"]) for e in seen] == sorted(int(e["key"]) for e in seen)
    assert receiver.effects[0]["data"] == {"title": f"讲座 {receiver.effects[0]['subject']['id']}"}


async def test_a_committed_event_is_delivered_by_a_later_relay_and_replayed_once(
        worker: Worker) -> None:
    db = worker.resources.db
    await _contract(db)
    receiver = Receiver()
    with Server(receiver) as server:
        hook, receiver.secret = await webhooks.register(
            db, PARTNER, HOOKS, url=server.url, kinds=["hours_confirmed"], regions=[ZHENGZHOU],
            description="")
        event = await _event(db, EventKind.HOURS_CONFIRMED, 9)  # committed; no worker up yet
        assert await outbox.count_waiting(db) == 1
        # The worker comes up later and runs the relay task itself (as its schedule would).
        await worker.app.configure_task(notify.RELAY).defer_async(timestamp=0)

        async def delivered(n: int) -> bool:
            return [d["status"] for d in await _deliveries(db)] == ["delivered"] * n

        async with running(worker.run(name="w1", wait=True)):
            await until(lambda: delivered(1), timeout_s=30)
            log = await webhooks.deliveries(db, PARTNER, webhook_id=hook["id"], first=10,
                                            after_id=None)
            again = await webhooks.replay(db, PARTNER, delivery_id=log[0]["id"])
            assert again["replay_of"] == log[0]["id"] and again["status"] == "pending"
            await worker.app.configure_task(notify.RELAY).defer_async(timestamp=1)
            await until(lambda: delivered(2), timeout_s=30)
    assert [r["key"] for r in receiver.requests] == [str(event), str(event)]
    assert len({r["delivery"] for r in receiver.requests}) == 2  # a replay is its own delivery
    assert len(receiver.effects) == 1  # the receiver deduplicated the replay by its key


async def test_the_signature_is_the_documented_hmac_over_timestamp_and_body() -> None:
    body = b'{"id":"7","kind":"offer_made"}'
    header = sign("whsec_test", 1_700_000_000, body)
    import hashlib
    import hmac
    expected = hmac.new(b"whsec_test", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert header == f"t=1700000000,v1={expected}"
    assert verify("whsec_test", header, body, now=1_700_000_100)
    assert not verify("whsec_test", header, body, now=1_700_000_000 + 301)  # replay window
    assert not verify("whsec_other", header, body, now=1_700_000_000)
    assert not verify("whsec_test", header, body + b" ", now=1_700_000_000)
    assert not verify("whsec_test", "t=abc,v1=00", body)


async def test_a_partner_cannot_register_outside_its_contract(db: Database) -> None:
    await _contract(db)
    with pytest.raises(Denied, match="review_received") as kinds:
        await webhooks.register(db, PARTNER, HOOKS, url="https://example.org/h",
                                kinds=["review_received"], regions=None, description="")
    assert kinds.value.code == "FORBIDDEN"
    with pytest.raises(Denied, match=WUHAN):
        await webhooks.register(db, PARTNER, HOOKS, url="https://example.org/h",
                                kinds=["offer_made"], regions=[WUHAN], description="")
    with pytest.raises(Denied, match="no contract"):
        await webhooks.register(db, Caller(Role.PARTNER, "stranger"), HOOKS,
                                url="https://example.org/h", kinds=["offer_made"],
                                regions=None, description="")
    with pytest.raises(WorkflowError) as http:
        await webhooks.register(db, PARTNER, HOOKS, url="http://example.org/h",
                                kinds=["offer_made"], regions=None, description="")
    assert http.value.field == "url" and "https" in http.value.message
    with pytest.raises(WorkflowError) as unknown:
        await webhooks.register(db, PARTNER, HOOKS, url="https://example.org/h",
                                kinds=["nonsense"], regions=None, description="")
    assert unknown.value.field == "kinds" and "nonsense" in unknown.value.message
    hook, _ = await webhooks.register(db, PARTNER, HOOKS, url="https://example.org/h",
                                      kinds=["offer_made"], regions=["410102000000"],
                                      description="")
    with pytest.raises(Denied):  # another partner's webhook
        await webhooks.delete(db, Caller(Role.PARTNER, "stranger"), webhook_id=hook["id"])
    with pytest.raises(Denied):  # widening it beyond the contract
        await webhooks.update(db, PARTNER, HOOKS, webhook_id=hook["id"], regions=[WUHAN])
    changed, secret = await webhooks.update(db, PARTNER, HOOKS, webhook_id=hook["id"],
                                            kinds=["offer_made", "hours_confirmed"],
                                            rotate_secret=True)
    assert changed["kinds"] == ["hours_confirmed", "offer_made"] and secret


async def test_a_committed_event_wakes_the_relay_without_waiting_for_its_schedule(
        worker: Worker, clean: str) -> None:
    db = worker.resources.db
    live = events.Events()
    waking = asyncio.create_task(notify.wake_relay(worker.app, clean, live))
    try:
        for _ in range(300):  # listening
            if live.listeners and all(x.ready.is_set() for x in live.listeners.values()):
                break
            await asyncio.sleep(0.01)
        # No schedule runs here (periodic=False): only the wake-up can relay these.
        for n in range(20):
            await _event(db, EventKind.OFFER_MADE, n)

        async def relayed() -> bool:
            return await outbox.count_waiting(db) == 0

        async with running(worker.run(name="w1", wait=True)):
            await until(relayed, timeout_s=10)
        jobs = await db.fetch("SELECT count(*) AS n FROM procrastinate_jobs "
                              "WHERE task_name = %s", (notify.RELAY,))
        assert 1 <= jobs[0]["n"] < 20  # a burst wakes the relay once or a few times, not 20
    finally:
        waking.cancel()
        await live.close()


async def test_a_partner_is_not_sent_a_volunteers_own_words() -> None:
    row = {"event_id": 5, "kind": "offer_declined", "subject_kind": "dispatch", "subject_id": 9,
           "region_code": "410102000000", "event_at": datetime(2026, 12, 5, tzinfo=UTC),
           "payload": {"title": "讲座", "reason": "家里有事"}}
    assert json.loads(body_of(row)) == {
        "id": "5", "kind": "offer_declined", "subject": {"kind": "dispatch", "id": "9"},
        "regionCode": "410102000000", "createdAt": "2026-12-05T00:00:00+00:00",
        "data": {"title": "讲座"}}
