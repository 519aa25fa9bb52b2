"""Notification delivery tasks (issue 15.3, 15.7): the fan-out of outbox events to deliveries,
and one delivery task per channel, each on its own queue (``notify``, ``wechat``, ``sms``,
``email``), so a channel that fails or is slow holds up no other and ``hub worker --queue``
can give channels workers of their own. Thin wrappers: the work and its idempotence are
hub.services.deliveries'."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from typing import Any

import procrastinate

from hub.jobs.context import resources
from hub.services import deliveries
from hub.services.channels import ChannelName
from hub.settings import NotifySettings

FAN_OUT = "hub.notify_fan_out"
FAN_OUT_QUEUE = "notify"
_TURNS = itertools.count()  # batches take the lanes in turn
DELIVER = {c: f"hub.deliver_{c.value}" for c in ChannelName}
"""Each channel's task; its queue is the channel's name."""


def lane(batch: deliveries.Batch, notify: NotifySettings) -> str:
    """The lock of a batch's job: one of its channel's lanes (``HUB_NOTIFY_LANES``), so that
    at most that many of the channel's jobs run at once and a slow provider's jobs never take
    every worker's slots from the other channels."""
    return f"deliver:{batch.channel.value}:{next(_TURNS) % notify.lanes_of(batch.channel)}"


async def _defer(app: procrastinate.App, batches: Sequence[deliveries.Batch],
                 notify: NotifySettings, connection: Any = None) -> None:
    now = dt.datetime.now(dt.UTC)
    for batch in batches:
        options: dict[str, Any] = {}
        if batch.due > now:  # held or waiting to retry: in no lane (procrastinate runs no
            options["schedule_at"] = batch.due  # job of a lock while an earlier one waits)
        else:
            options["lock"] = lane(batch, notify)
        if connection is not None:
            options["connection"] = connection
        await app.configure_task(DELIVER[batch.channel], **options).defer_async(
            ids=list(batch.ids))


async def defer_fan_out(app: procrastinate.App, event_ids: Sequence[int], *,
                        connection: Any = None) -> None:
    """Defer the fan-out of ``event_ids`` (the relay's glue: on its connection, so the job
    commits with the events' relayed mark)."""
    options = {"connection": connection} if connection is not None else {}
    await app.configure_task(FAN_OUT, **options).defer_async(event_ids=list(event_ids))


async def notify_fan_out(context: procrastinate.JobContext, event_ids: list[int]) -> int:
    """The deliveries of these outbox events, written once, and their channels' jobs deferred;
    returns how many batches. Idempotent: a retry writes nothing new and defers the batches
    still open again (a batch sent twice is claimed once)."""
    hub = resources(context)
    tools = hub.channels()
    events = await deliveries.events(hub.db, event_ids=event_ids)
    batches = await deliveries.fan_out(hub.db, tools.templates, events,
                                       channels=set(tools.channels),
                                       batch=hub.settings.notify.batch)
    await _defer(context.app, batches, hub.settings.notify)
    return len(batches)


def deliver_task(channel: ChannelName) -> Any:
    """The task that sends a batch of ``channel``'s deliveries; what stays open (retrying,
    held, or claimed by a worker that died) is deferred again for when it is due."""

    async def run(context: procrastinate.JobContext, ids: list[int]) -> int:
        hub = resources(context)
        tools = hub.channels()
        found = tools.channels.get(channel)
        if found is None:
            raise RuntimeError(f"the {channel.value} channel is not configured on this worker")
        sent = await deliveries.deliver(hub.db, tools.cipher, tools.templates, found, ids,
                                        notify=hub.settings.notify, jobs=hub.settings.jobs)
        if sent.next_due is not None:
            await _defer(context.app, [deliveries.Batch(channel, tuple(ids), sent.next_due)],
                         hub.settings.notify)
        return sent.delivered

    run.__name__ = run.__qualname__ = f"deliver_{channel.value}"
    run.__doc__ = f"Send a batch of {channel.value} deliveries."
    return run


def register(app: procrastinate.App, retry: procrastinate.BaseRetryStrategy) -> None:
    """Add the fan-out and the channels' tasks to ``app``."""
    app.task(name=FAN_OUT, queue=FAN_OUT_QUEUE, retry=retry, pass_context=True)(notify_fan_out)
    for channel, name in DELIVER.items():
        app.task(name=name, queue=channel.value, retry=retry,
                 pass_context=True)(deliver_task(channel))
