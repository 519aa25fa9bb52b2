"""From an outbox event to messages sent (issue 15.3, 15.7): the fan-out and the delivery batch.

:func:`fan_out` resolves an event's people (volunteers, accounts) to channels by their
preferences (hub.services.notify_prefs) and writes one ``notification_delivery`` row per
(event, recipient, channel), the idempotency key, in one transaction; a retried fan-out adds
nothing. It answers the open deliveries in :class:`Batch` es per channel for the job queue to
send (one queue per channel, so one that fails holds up no other).

:func:`deliver` sends a batch: it claims the rows still due (``sending``, a lease), sends each
and records each outcome as soon as it is known, so a worker killed mid-batch leaves only the
messages in flight unrecorded; their claim lapses after the lease and the job, retried, sends
them again with the same key (which the receiver sees: the e-mail's Message-ID, the WeChat
page's ``key``, the SMS SessionContext). A retryable failure waits with backoff, up to the
job settings' tries, then fails for good; a permanent one (WeChat 43101) fails at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.pii import PiiCipher
from hub.services.channels import Channel, ChannelName, Message, Outcome, Result
from hub.services.channels.templates import Templates
from hub.services.notify_prefs import EMAIL_FIELD, chosen_channels, held_until
from hub.settings import JobSettings, NotifySettings
from hub.store import deliveries as store
from hub.store import outbox as outbox_store
from hub.store.base import Database, Row

PEOPLE = ("volunteer", "account")  # the recipients external channels reach (desks: inbox only)
PHONE_FIELD = "phone"  # hub.pii associated data of volunteer.phone_enc
EMAIL_GROUP = 10  # e-mails sent over one SMTP connection before their outcomes are recorded


@dataclass(frozen=True)
class Batch:
    """Deliveries of one channel to send together, not before ``due``."""

    channel: ChannelName
    ids: tuple[int, ...]
    due: dt.datetime


@dataclass(frozen=True)
class Sent:
    """What a delivery batch did: counts, and when its open rows are next due (None: none)."""

    delivered: int
    failed: int
    retrying: int
    next_due: dt.datetime | None


def key(row: Mapping[str, Any]) -> str:
    """A delivery's idempotency key: event, recipient and channel."""
    return f"{row['event_id']}-{row['recipient_kind']}-{row['recipient_ref']}-{row['channel']}"


def _people(events: Sequence[Mapping[str, Any]]) -> list[tuple[str, int]]:
    found: dict[tuple[str, int], None] = {}
    for event in events:
        for r in event["recipients"] or []:
            ref = str(r.get("id", ""))
            if r.get("kind") in PEOPLE and ref.isdigit() and len(ref) <= 18:
                found[(r["kind"], int(ref))] = None
    return list(found)


def _batches(rows: Sequence[Row], size: int) -> list[Batch]:
    groups: dict[tuple[str, dt.datetime], list[int]] = {}
    for row in rows:
        groups.setdefault((row["channel"], row["not_before"]), []).append(row["id"])
    return [Batch(ChannelName(channel), tuple(ids[i:i + size]), due)
            for (channel, due), ids in sorted(groups.items(), key=lambda g: g[0][1])
            for i in range(0, len(ids), size)]


async def fan_out(db: Database, templates: Templates, events: Sequence[Mapping[str, Any]], *,
                  channels: Collection[ChannelName], batch: int,
                  now: dt.datetime | None = None) -> list[Batch]:
    """Write the deliveries of ``events`` (rows with id, kind, recipients) over the configured
    ``channels`` and answer every open one of them in batches of at most ``batch``."""
    now = now or dt.datetime.now(dt.UTC)
    async with db.transaction() as tx:
        contacts = await store.list_contacts(tx, recipients=_people(events))
        by_person = {(c["recipient_kind"], c["recipient_ref"]): c for c in contacts}
        rows = []
        for event in events:
            kind, t = event["kind"], templates.of(event["kind"])
            for person in _people([event]):
                c = by_person.get(person)
                if c is None or c["disabled_at"] is not None:
                    continue
                picked = chosen_channels(templates, kind, c["channels"],
                                         openid=bool(c["wechat_openid"]),
                                         phone=c["phone_enc"] is not None,
                                         email=c["email_enc"] is not None)
                due = held_until(now, c["quiet_start"], c["quiet_end"], urgent=t.urgent) or now
                rows += [{"event_id": event["id"], "recipient_kind": person[0],
                          "recipient_ref": person[1], "channel": ch.value, "kind": kind,
                          "not_before": due}
                         for ch in picked if ch in channels and templates.carries(kind, ch)]
        await store.create_many(tx, rows=rows)
        open_rows = await store.list_open_of_events(tx, event_ids=[e["id"] for e in events])
    return _batches(open_rows, batch)


async def events(db: Database, *, event_ids: Sequence[int]) -> list[Row]:
    """The outbox events of ``event_ids`` that exist."""
    return await outbox_store.get_many(db, ids=event_ids)


def _address(channel: ChannelName, contact: Row | None, cipher: PiiCipher) -> str | None:
    if contact is None or contact["disabled_at"] is not None:
        return None
    if channel is ChannelName.WECHAT:
        return contact["wechat_openid"]
    if channel is ChannelName.SMS:
        blob = contact["phone_enc"]
        return cipher.decrypt(blob, field=PHONE_FIELD) if blob is not None else None
    blob = contact["email_enc"]
    return cipher.decrypt(blob, field=EMAIL_FIELD) if blob is not None else None


def retry_wait_s(jobs: JobSettings, tries: int) -> float:
    """The wait after a delivery's ``tries``-th retryable failure (the jobs' backoff)."""
    return min(jobs.retry_base_s * 2 ** max(tries - 1, 0), jobs.retry_max_s)


Record = Callable[[int, Result], Awaitable[None]]


async def send_each(channel: Channel, messages: Sequence[Message], record: Record) -> None:
    """Send ``messages`` over ``channel`` and ``record`` each outcome as soon as it is known:
    e-mail one after another over one connection per :data:`EMAIL_GROUP` (recorded after each
    group), the others concurrently."""
    if channel.name is ChannelName.EMAIL:
        for start in range(0, len(messages), EMAIL_GROUP):
            results = await channel.send_many(messages[start:start + EMAIL_GROUP])
            await asyncio.gather(*(record(start + i, r) for i, r in enumerate(results)))
        return

    async def one(i: int, message: Message) -> None:
        await record(i, await channel.send(message))

    await asyncio.gather(*(one(i, m) for i, m in enumerate(messages)))


class _Recorder:
    """Records outcomes as soon as they are known: the first to arrive writes every outcome
    that has arrived meanwhile in one statement (so under load they go in groups, and alone
    at once); a worker that dies loses at most what was in flight or waiting here."""

    def __init__(self, db: Database, jobs: JobSettings, counts: dict[Outcome, int]) -> None:
        self.db, self.jobs, self.counts = db, jobs, counts
        self.waiting: list[dict[str, Any]] = []
        self.lock = asyncio.Lock()

    async def add(self, row: Row, result: Result) -> None:
        outcome = result.outcome
        if outcome is Outcome.RETRYABLE and row["tries"] >= self.jobs.max_attempts:
            outcome = Outcome.FAILED
        self.counts[outcome] += 1
        status = "pending" if outcome is Outcome.RETRYABLE else outcome.value
        self.waiting.append({"id": row["id"], "status": status, "provider": result.provider_id,
                             "error": result.error, "wait": retry_wait_s(self.jobs, row["tries"])})
        async with self.lock:
            taken, self.waiting = self.waiting, []
            await store.update_outcomes(self.db, outcomes=taken)


async def deliver(db: Database, cipher: PiiCipher, templates: Templates, channel: Channel,
                  ids: Sequence[int], *, notify: NotifySettings, jobs: JobSettings) -> Sent:
    """Send the due, unclaimed deliveries among ``ids`` over ``channel`` (see the module)."""
    async with db.transaction() as tx:
        claimed = await store.update_claimed(tx, ids=ids, lease_s=notify.lease_s)
    counts = {Outcome.DELIVERED: 0, Outcome.FAILED: 0, Outcome.RETRYABLE: 0}
    if claimed:
        contacts = await store.list_contacts(db, recipients=[
            (r["recipient_kind"], r["recipient_ref"]) for r in claimed])
        by_person = {(c["recipient_kind"], c["recipient_ref"]): c for c in contacts}
        payloads = await store.get_payloads(db, event_ids=[r["event_id"] for r in claimed])
        todo: list[tuple[Row, Message]] = []
        recorder = _Recorder(db, jobs, counts)
        for row in claimed:
            person = by_person.get((row["recipient_kind"], row["recipient_ref"]))
            address = _address(channel.name, person, cipher)
            if not address:
                await recorder.add(row, Result.failed("no address any more"))
                continue
            todo.append((row, templates.render(
                key=key(row), kind=row["kind"], channel=channel.name, address=address,
                payload=payloads.get(row["event_id"]) or {})))

        async def record(i: int, result: Result) -> None:
            await recorder.add(todo[i][0], result)

        await send_each(channel, [m for _, m in todo], record)
    left = await store.count_open(db, ids=ids, lease_s=notify.lease_s)
    return Sent(delivered=counts[Outcome.DELIVERED], failed=counts[Outcome.FAILED],
                retrying=counts[Outcome.RETRYABLE], next_due=left["next"] if left["n"] else None)
