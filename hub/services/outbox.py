"""The outbox (issue 15.2): every event worth telling someone is recorded by :func:`record` in the
SAME transaction as the change that causes it, then relayed to delivery jobs from there.

A rollback takes the event back with the change (nothing is ever sent for it); a crash after the
commit leaves the row, which the relay (:func:`relay`, run by the job queue every second and
woken by ``NOTIFY hub_outbox``) hands to the delivery jobs and marks relayed, the jobs and the
mark in one transaction. So every committed event is delivered, none is relayed twice, and the
delivery jobs (idempotent: the inbox keeps one row per event and addressee, a webhook delivery
is sent until it succeeds once and carries the event id as its idempotency key) may be retried
freely. docs/notifications.md describes the whole path.

Services call :func:`record` and nothing else here; they never import the job queue
(``hub.jobs``): the relay is given a ``defer`` function by the job that runs it.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from hub.store import inbox as inbox_store
from hub.store import jobs as job_store
from hub.store import outbox as store
from hub.store import webhooks as hook_store
from hub.store.base import Database, Row

RELAY_BATCH = 500


class EventKind(StrEnum):
    """What happened; labels in both languages are ``notificationKind`` in
    hub/data/vocabulary.json (a test checks every member has them)."""

    OFFER_MADE = "offer_made"  # 派单: a volunteer is offered a demand
    OFFER_EXPIRING = "offer_expiring"  # an offer's deadline is near
    OFFER_EXPIRED = "offer_expired"  # nobody answered in time
    OFFER_ACCEPTED = "offer_accepted"  # 接单
    OFFER_DECLINED = "offer_declined"
    OFFER_REOFFERED = "offer_reoffered"  # a slot offered again after a decline or expiry
    OFFER_CANCELLED = "offer_cancelled"  # the demand or the offer was withdrawn
    REMINDER_24H = "reminder_24h"
    REMINDER_2H = "reminder_2h"
    HOURS_CONFIRMED = "hours_confirmed"
    CERTIFICATE_ISSUED = "certificate_issued"
    REVIEW_RECEIVED = "review_received"  # 评单
    DEMAND_UNFILLED = "demand_unfilled"
    CLAIM_APPROVED = "claim_approved"  # 抢单
    CLAIM_REJECTED = "claim_rejected"
    DEMAND_APPROVED = "demand_approved"  # a resident's demand vetted
    DEMAND_REJECTED = "demand_rejected"
    WAITLIST_PROMOTED = "waitlist_promoted"  # an activity's waitlist moved up
    TEAM_OFFER_RECEIVED = "team_offer_received"  # a team's captain is offered slots
    REGISTRATION_ATTEMPT = "registration_attempt"  # someone tried to register with your ID


class RecipientKind(StrEnum):
    """Who an event is addressed to: a person (a volunteer, an account: a resident or station
    staff) or a desk several people share (a station's staff, an organisation's admins, a
    region's dispatchers: those whose region contains it)."""

    VOLUNTEER = "volunteer"
    ACCOUNT = "account"
    STATION = "station"
    ORGANIZATION = "organization"
    REGION = "region"


@dataclass(frozen=True)
class Recipient:
    """One addressee: its kind and its id (a region's 12-digit code for ``REGION``)."""

    kind: RecipientKind
    id: str

    @classmethod
    def volunteer(cls, volunteer_id: int) -> Recipient:
        return cls(RecipientKind.VOLUNTEER, str(volunteer_id))

    @classmethod
    def account(cls, account_id: int) -> Recipient:
        return cls(RecipientKind.ACCOUNT, str(account_id))

    @classmethod
    def station(cls, station_id: int) -> Recipient:
        return cls(RecipientKind.STATION, str(station_id))

    @classmethod
    def organization(cls, organization_id: int) -> Recipient:
        return cls(RecipientKind.ORGANIZATION, str(organization_id))

    @classmethod
    def region(cls, region_code: str) -> Recipient:
        return cls(RecipientKind.REGION, region_code)

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "id": self.id}


@dataclass(frozen=True)
class EventSubject:
    """What an event is about (a dispatch, a demand, a service record…): webhooks keep the
    order of deliveries per subject."""

    kind: str
    id: int


async def record(tx: Database, *, kind: EventKind, subject: EventSubject,
                 recipients: Iterable[Recipient], payload: Mapping[str, Any],
                 region_code: str | None = None, once_key: str | None = None) -> int | None:
    """Record an event in the caller's transaction ``tx`` (never a transaction of its own:
    the event must commit or roll back with the change). ``payload`` holds what a message
    needs (titles, times, place) and no personal data the recipients may not see; partners
    receive it too, for the kinds and regions of their contract. ``once_key``: record this
    event once only (a reminder); returns the event's id, or None if recorded before."""
    unique: dict[Recipient, None] = dict.fromkeys(recipients)
    return await store.create(tx, kind=kind.value, subject_kind=subject.kind,
                              subject_id=subject.id, region_code=region_code,
                              recipients=[r.as_json() for r in unique], payload=payload,
                              once_key=once_key)


Defer = Callable[[Any, Sequence[Row], Sequence[Row]], Awaitable[None]]
"""How the relay's caller (a job of ``hub.jobs``) defers the delivery jobs, given the relay's
open connection (its transaction: the jobs commit with the marks), the events claimed and the
webhook deliveries to queue (rows with ``id``, ``webhook_id``, ``event_id``, ``subject_kind``,
``subject_id``; a replay's too)."""


async def relay(db: Database, defer: Defer, *, batch: int = RELAY_BATCH) -> int:
    """Hand every event not yet relayed on, a batch per transaction: claim the oldest
    (``FOR UPDATE SKIP LOCKED``, so relays running at once share them), write their inbox rows
    (the in-app channel), make one webhook delivery per event and matching webhook, then
    claim the deliveries not yet queued (replays too), defer the jobs on the same connection
    through ``defer``, and mark events relayed and deliveries queued: all or nothing per
    batch. Returns how many events were relayed."""
    done = 0
    while True:
        async with db.transaction() as tx:
            events = await store.list_unrelayed_locked(tx, limit=batch)
            ids = [e["id"] for e in events]
            if ids:
                await inbox_store.create_many(tx, event_ids=ids)  # the in-app inbox, at once
                await hook_store.create_deliveries(tx, event_ids=ids)
            queued = await hook_store.lock_unqueued(tx, limit=batch)
            if not ids and not queued:
                return done
            await job_store.create_jobs(tx, defer=functools.partial(_defer_all, defer, events,
                                                                    queued))
            await store.update_relayed(tx, ids=ids)
            await hook_store.update_queued(tx, ids=[q["id"] for q in queued])
        done += len(ids)
        if len(ids) < batch and len(queued) < batch:
            return done


async def _defer_all(defer: Defer, events: Sequence[Row], deliveries: Sequence[Row],
                     conn: Any) -> None:
    await defer(conn, events, deliveries)


async def count_waiting(db: Database) -> int:
    """How many recorded events wait for the relay (``/metrics``, tests)."""
    return await store.count_unrelayed(db)
