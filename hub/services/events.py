"""Live dispatch events: one LISTEN connection per app and database, fanned out to subscribers.

The ``dispatch_log`` trigger (sql/0005_workflow.sql) NOTIFYs channel ``hub_dispatch`` at
commit, so every hub process behind a load balancer hears every change whichever process
made it. The listener starts with the first subscriber, reconnects after a lost connection,
and stops when the app's :class:`Events` (made and closed by the lifespan) closes. A
subscriber too slow to keep up loses its oldest events rather than holding back everyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from hub.store import events as store
from hub.store.base import Database

log = logging.getLogger(__name__)
CHANNEL = "hub_dispatch"
QUEUE_SIZE = 256
RETRY_S = 1.0
CLOSE_ATTEMPTS = 5


Wants = Callable[[dict[str, Any]], bool]
"""Whether a subscriber wants an event (a channel's payload, parsed)."""


@dataclass(eq=False)
class _Subscriber:
    wants: Wants
    queue: asyncio.Queue[dict[str, Any]] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE))

    def offer(self, event: dict[str, Any]) -> None:
        if not self.wants(event):
            return
        if self.queue.full():  # drop the oldest: a slow client must not stall the others
            self.queue.get_nowait()
        self.queue.put_nowait(event)


class Listener:
    """LISTENs on one connection and hands each event to the subscribers it concerns."""

    def __init__(self, conninfo: str, channel: str = CHANNEL) -> None:
        self.conninfo = conninfo
        self.channel = channel
        self.subscribers: set[_Subscriber] = set()
        self.ready = asyncio.Event()
        self.generation = 0
        """How many times it started listening: a change means notifications may have been
        missed between two connections (hub.services.revocation trusts nothing from before)."""
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self.ready.clear()
            self._closing = False
            self._task = asyncio.create_task(self._run(), name=f"hub-listener-{self.channel}")

    async def _run(self) -> None:
        while True:
            try:
                async for payload in store.stream_notifications(self.conninfo,
                                                                channel=self.channel,
                                                                listening=self._listening):
                    self._fan_out(payload)
            except psycopg.Error as exc:
                self.ready.clear()
                if self._closing:  # an error while closing ends the task, no retry
                    return
                log.warning("%s listener lost its connection (%s); retrying", self.channel, exc)
                await asyncio.sleep(RETRY_S)

    def _listening(self) -> None:
        self.generation += 1
        self.ready.set()

    def _fan_out(self, payload: str) -> None:
        try:
            event = json.loads(payload)
        except ValueError:
            log.warning("ignoring a malformed %s payload: %.200s", self.channel, payload)
            return
        for subscriber in list(self.subscribers):
            subscriber.offer(event)

    @contextlib.asynccontextmanager
    async def subscribe(self, region_prefix: str = "", *, wants: Wants | None = None
                        ) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """A queue of events in a region subtree ("" for all), or those ``wants`` takes,
        until the block exits."""
        subscriber = _Subscriber(wants or (
            lambda event: str(event.get("regionCode", "")).startswith(region_prefix)))
        self.subscribers.add(subscriber)
        self._start()
        try:
            await asyncio.wait_for(self.ready.wait(), timeout=10)
            yield subscriber.queue
        finally:
            self.subscribers.discard(subscriber)

    async def close(self) -> None:
        """Stop listening."""
        if self._task is not None:
            self._closing = True
            # A cancellation can be lost on Python 3.11 (asyncio.wait_for inside a connect), so
            # cancel again until the task is done rather than wait on it unboundedly.
            for _ in range(CLOSE_ATTEMPTS):
                self._task.cancel()
                await asyncio.wait({self._task}, timeout=RETRY_S)
                if self._task.done():
                    break
            else:
                log.warning("the dispatch listener did not stop")
            self._task = None


class Events:
    """The app's listeners, one per database (created on first use); the lifespan makes this
    and closes it, which stops every listener's task."""

    def __init__(self) -> None:
        self.listeners: dict[tuple[str, str], Listener] = {}

    def listener(self, conninfo: str, channel: str = CHANNEL) -> Listener:
        """The listener for a database's channel."""
        if (conninfo, channel) not in self.listeners:
            self.listeners[conninfo, channel] = Listener(conninfo, channel)
        return self.listeners[conninfo, channel]

    async def stream(self, conninfo: str, region_prefix: str) -> AsyncIterator[dict[str, Any]]:
        """Dispatch events of a region subtree, as they are committed."""
        async with self.listener(conninfo).subscribe(region_prefix) as queue:
            while True:
                yield await queue.get()

    async def matching(self, conninfo: str, channel: str, wants: Wants
                       ) -> AsyncIterator[dict[str, Any]]:
        """The payloads NOTIFYed on a database's ``channel`` that ``wants`` takes, as they
        are committed (the in-app inbox's ``hub_notification``)."""
        async with self.listener(conninfo, channel).subscribe(wants=wants) as queue:
            while True:
                yield await queue.get()

    async def close(self) -> None:
        """Stop listening."""
        listeners, self.listeners = list(self.listeners.values()), {}
        for one in listeners:
            await one.close()


async def conninfo_of(db: Database) -> str:
    """How to open another connection to the database ``db`` uses."""
    return await store.get_conninfo(db)
