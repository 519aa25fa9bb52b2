"""Revoked access tokens, refused by every hub process (issue 17.2).

An access token issued at sign-in names its refresh family (``fam``). Signing out, or a rotated
refresh token presented again, revokes the family in the database (``refresh_token.revoked_at``,
hub.services.accounts), and from then on any process refuses the family's access tokens.

Each process asks the database once whether a family is revoked, and keeps the answer in
:class:`Revocations`, a cache of its own that is safe to lose (it is asked again). A "revoked"
answer is kept for good (a family is never un-revoked). A "not revoked" answer is trusted
only while all of these hold:

* it is younger than :data:`RECHECK_S`, the bound on how stale it can ever be;
* the process's LISTEN on ``hub_revoked`` (announced at commit by sql/0034's trigger) is up,
  and has stayed up on the same connection since the answer was read (its ``generation``):
  a revocation heard there marks the family revoked at once, so a token signed out on one
  process is refused on the others within the notification's delay (milliseconds), and
  after :data:`RECHECK_S` at worst if the notification is lost.

:meth:`Revocations.until_revoked` waits for a family's revocation (a WebSocket whose sign-in is
revoked is closed then: hub/schema/ws_guard.py): woken as the listener hears it, and asking
again when its remembered answer is too old to trust, so within :data:`RECHECK_S` at worst.

Tokens with no family (issued by ``hub token`` for operators and partners) cannot be revoked:
they expire (``HUB_TOKEN_MAX_TTL_S``). See docs/processes.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any
from uuid import UUID

from hub.db.pool import DatabaseUnavailable
from hub.services.events import Events, Listener, conninfo_of
from hub.store import accounts as store
from hub.store.base import Database

log = logging.getLogger(__name__)
CHANNEL = "hub_revoked"
RECHECK_S = 30.0
"""How long a "not revoked" answer may be used at most, whatever the listener heard."""
MAX_FAMILIES = 100_000
"""Families remembered per process (emptied when full: only costs queries)."""
RETRY_S = 5.0
"""How long :meth:`Revocations.until_revoked` waits after the database could not answer."""


class Revocations:
    """Whether a token family is revoked: the database's answer, remembered within bounds."""

    def __init__(self, db: Database, events: Events, *, recheck_s: float = RECHECK_S,
                 limit: int = MAX_FAMILIES) -> None:
        self._db, self._events = db, events
        self.recheck_s, self.limit = recheck_s, limit
        # family -> (revoked, monotonic time it was read, listener generation then)
        self._known: dict[UUID, tuple[bool, float, int]] = {}
        self._listener: Listener | None = None
        self._task: asyncio.Task[None] | None = None
        # family -> events set when its revocation is heard (until_revoked's waiters)
        self._waiting: dict[UUID, set[asyncio.Event]] = {}

    async def revoked(self, family: UUID) -> bool:
        """Whether the family is revoked (a query unless a trusted answer is remembered)."""
        listener = await self._listening()
        known = self._known.get(family)
        if known is not None:
            revoked, read_at, generation = known
            if revoked or (listener.ready.is_set() and generation == listener.generation
                           and time.monotonic() - read_at < self.recheck_s):
                return revoked
        generation, read_at = listener.generation, time.monotonic()  # before the query
        revoked = await store.get_family_revoked(self._db, family=family)
        now_known = self._known.get(family)
        if now_known is not None and now_known[0]:  # heard revoked while the query ran
            return True
        if len(self._known) >= self.limit:
            self._known.clear()
        self._known[family] = (revoked, read_at, generation)
        return revoked

    async def until_revoked(self, family: UUID) -> None:
        """Return once the family is revoked: as soon as the listener hears it, and at the
        latest when the remembered "not revoked" must be asked again (:attr:`recheck_s` after
        it was read). While the database cannot answer, it is asked again every
        :data:`RETRY_S`."""
        heard = asyncio.Event()
        self._waiting.setdefault(family, set()).add(heard)
        try:
            while True:
                try:
                    if await self.revoked(family):
                        return
                    wait_s = self._trusted_for(family)
                except DatabaseUnavailable:
                    wait_s = RETRY_S
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(heard.wait(), timeout=wait_s)
        finally:
            waiting = self._waiting.get(family, set())
            waiting.discard(heard)
            if not waiting:
                self._waiting.pop(family, None)

    def _trusted_for(self, family: UUID) -> float:
        """Seconds until the remembered answer about ``family`` is asked again."""
        known = self._known.get(family)
        if known is None:  # forgotten meanwhile (the memory was full)
            return self.recheck_s
        return max(0.01, known[1] + self.recheck_s - time.monotonic())

    def _heard(self, event: dict[str, Any]) -> bool:
        """A revocation announced at commit: remember the family revoked. Handled here, as the
        listener hands it over, so nothing is queued (and nothing can be dropped)."""
        try:
            family = UUID(str(event["family"]))
        except (KeyError, ValueError):
            log.warning("ignoring a malformed %s payload: %.200s", CHANNEL, event)
            return False
        if family in self._known or len(self._known) < self.limit:
            self._known[family] = (True, time.monotonic(), 0)
        for waiter in self._waiting.get(family, ()):
            waiter.set()
        return False

    async def _listening(self) -> Listener:
        if self._listener is None:
            conninfo = await conninfo_of(self._db)
            if self._listener is None:  # another request may have started it meanwhile
                self._listener = self._events.listener(conninfo, CHANNEL)
                self._task = asyncio.create_task(self._listen(self._listener),
                                                 name=f"hub-listener-{CHANNEL}-subscriber")
        return self._listener

    async def _listen(self, listener: Listener) -> None:
        while True:  # the listener reconnects by itself; subscribe waits for it at most 10 s
            with contextlib.suppress(TimeoutError):
                async with listener.subscribe(wants=self._heard):
                    await asyncio.Event().wait()  # until cancelled by close()

    async def close(self) -> None:
        """Stop listening (the app's Events closes the listener itself)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait({self._task}, timeout=5)
            self._task = None
