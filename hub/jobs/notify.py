"""The outbox's relay and partner webhooks' deliveries (issue 15.2, 15.4). Thin wrappers: the
work and its idempotence are hub.services.outbox's and hub.services.webhooks'.

``hub.relay_outbox`` runs every second (periodic, one run at a time across workers), and at
once when an event commits (each worker LISTENs to ``hub_outbox``: :func:`wake_relay`): it claims
the events not yet relayed and, on the relay's own transaction (so the jobs commit with the
events' relayed mark, or neither does), defers the channels' fan-out
(``hub.notify_fan_out``, hub.jobs.deliveries) and one ``hub.deliver_webhook`` job per webhook
delivery. A webhook's jobs carry the lock ``webhook:<id>:<subject>``: procrastinate runs no
job while an earlier one with its lock waits or runs (a retry waiting for its time included),
so one subject's events reach a webhook in order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import procrastinate
from procrastinate import exceptions as queue_errors

from hub.jobs import deliveries
from hub.jobs.context import resources
from hub.services import outbox, webhook_delivery
from hub.services.events import Events
from hub.store.base import Row

RELAY = "hub.relay_outbox"
DELIVER_WEBHOOK = "hub.deliver_webhook"
WEBHOOK_QUEUE = "webhooks"
RELAY_CRON = "* * * * * */1"  # every second
WAKE_CHANNEL = "hub_outbox"  # NOTIFYed at the commit of each outbox event (sql/0030)
log = logging.getLogger(__name__)


def webhook_lock(delivery: Row) -> str:
    """The lock of a webhook delivery's job: one webhook and one subject at a time, in order."""
    return f"webhook:{delivery['webhook_id']}:{delivery['subject_kind']}:{delivery['subject_id']}"


async def defer_webhooks(app: procrastinate.App, delivered: Sequence[Row], *,
                         connection: Any = None) -> None:
    """Defer one job per webhook delivery (rows with ``id``, ``webhook_id`` and the event's
    ``subject_kind`` and ``subject_id``), in order, on ``connection`` if given."""
    options = {"connection": connection} if connection is not None else {}
    for row in delivered:
        await app.configure_task(DELIVER_WEBHOOK, lock=webhook_lock(row), **options
                                 ).defer_async(delivery_id=row["id"])


async def relay_outbox(context: procrastinate.JobContext, timestamp: int) -> int:
    """Periodic: relay every committed event not yet relayed; returns how many. Idempotent:
    a relayed event is never claimed again, and a failed batch relays nothing."""
    hub, app = resources(context), context.app

    async def defer(conn: Any, events: Sequence[Row], delivered: Sequence[Row]) -> None:
        await deliveries.defer_fan_out(app, [e["id"] for e in events], connection=conn)
        await defer_webhooks(app, delivered, connection=conn)

    return await outbox.relay(hub.db, defer)


async def deliver_webhook(context: procrastinate.JobContext, delivery_id: int) -> str:
    """POST one event to one webhook, signed; raises (and is retried with backoff) until the
    receiver answers 2xx or the last try has failed. Idempotent: a delivery already
    delivered is not sent again."""
    hub = resources(context)
    tried = context.job.attempts + 1
    return await webhook_delivery.deliver(hub.db, delivery_id, settings=hub.settings.webhooks,
                                  last_try=tried >= hub.settings.jobs.max_attempts)


async def wake_relay(app: procrastinate.App, conninfo: str, live: Events) -> None:
    """Until cancelled: defer the relay as soon as an outbox event commits (``LISTEN
    hub_outbox``), rather than at the next second. The relay's queueing lock keeps at most one
    waiting, so a burst of events wakes it once; the schedule stays the safety net."""
    async for _ in live.matching(conninfo, WAKE_CHANNEL, lambda _note: True):
        try:
            await app.configure_task(RELAY, queueing_lock=RELAY).defer_async(
                timestamp=int(time.time()))
        except queue_errors.AlreadyEnqueued:
            pass  # one relay already waits; it will see this event too
        except Exception as exc:  # a lost connection: the schedule still relays
            log.warning("could not wake the outbox relay: %s", exc)


def register(app: procrastinate.App, retry: procrastinate.BaseRetryStrategy, *,
             periodic: bool) -> None:
    """Add the relay (and its schedule, unless not ``periodic``) and the webhook task."""
    task = app.task(name=RELAY, queue="periodic", retry=retry, pass_context=True, lock=RELAY,
                    queueing_lock=RELAY)(relay_outbox)
    if periodic:
        app.periodic(cron=RELAY_CRON, periodic_id=RELAY)(task)
    app.task(name=DELIVER_WEBHOOK, queue=WEBHOOK_QUEUE, retry=retry,
             pass_context=True)(deliver_webhook)
