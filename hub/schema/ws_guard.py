"""WebSockets the hub closes itself while strawberry serves them (docs/processes.md).

strawberry's graphql-transport-ws handler closes a refused ``connection_init`` with 4403
"Forbidden" whatever the reason, and nothing outside it can end a connection it serves. So the
hub hands strawberry the ASGI ``receive`` and ``send`` of a :class:`SocketGuard`: its
:meth:`~SocketGuard.close` sends the close frame with the hub's code and reason, then gives
strawberry a disconnect, as if the client had left (strawberry ends every operation on the
socket), and drops whatever strawberry sends after it (its own close frame included).

Two things close a socket so:

* ``connection_init`` whose token's revocation cannot be checked (the database is unavailable):
  1013 ``DATABASE_UNAVAILABLE``, as :class:`hub.schema.http.AuthMiddleware` closes a handshake;
* the revocation of the sign-in the socket's caller came with (``signOut``, a refresh token
  reused): 4401 ``revoked``, once :meth:`Revocations.until_revoked` returns (the listener heard
  it, or at the latest ``RECHECK_S`` after it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from starlette.types import Message, Receive, Send

from hub.auth import Caller
from hub.services.revocation import Revocations

log = logging.getLogger(__name__)
GUARD_KEY = "hub.ws_guard"
REVOKED_CLOSE = 4401
REVOKED_REASON = "revoked"
UNAVAILABLE_CLOSE = 1013  # "try again later"


class SocketGuard:
    """One WebSocket connection's ``receive`` and ``send``, which the hub can close."""

    def __init__(self, receive: Receive, send: Send, revocations: Revocations | None) -> None:
        self._receive, self._send = receive, send
        self._revocations = revocations
        self._closed = asyncio.Event()
        self._closed_code = 1000
        self._closing: asyncio.Task[Any] | None = None  # waits for _closed
        self._pending: asyncio.Task[Message] | None = None  # a receive not yet answered
        self._watch: asyncio.Task[None] | None = None

    async def receive(self) -> Message:
        """The client's next message; a disconnect once the hub closed the socket."""
        if not self._closed.is_set():
            if self._closing is None:
                self._closing = asyncio.ensure_future(self._closed.wait())
            if self._pending is None:
                self._pending = asyncio.ensure_future(self._receive())
            await asyncio.wait({self._pending, self._closing},
                               return_when=asyncio.FIRST_COMPLETED)
            if self._pending.done():
                pending, self._pending = self._pending, None
                return pending.result()
        return {"type": "websocket.disconnect", "code": self._closed_code}

    async def send(self, message: Message) -> None:
        if not self._closed.is_set():  # after the hub closed the socket, nothing goes out
            await self._send(message)

    async def close(self, code: int, reason: str) -> None:
        """Close the socket with ``code`` and ``reason`` (at most 123 bytes)."""
        if self._closed.is_set():
            return
        self._closed_code = code
        self._closed.set()
        with contextlib.suppress(OSError):  # the client may have gone meanwhile
            await self._send({"type": "websocket.close", "code": code,
                              "reason": reason.encode()[:123].decode(errors="ignore")})

    def watch(self, caller: Caller) -> None:
        """Close the socket when ``caller``'s sign-in is revoked (the caller it serves now:
        a caller from ``connection_init`` replaces the handshake's)."""
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        if caller.family is not None and self._revocations is not None:
            self._watch = asyncio.create_task(self._close_when_revoked(
                self._revocations, caller.family), name="hub-ws-revocation")

    async def _close_when_revoked(self, revocations: Revocations, family: Any) -> None:
        try:
            await revocations.until_revoked(family)
        except Exception:  # a bug: logged, and the socket left as it is
            log.exception("watching a WebSocket's sign-in for its revocation failed")
            return
        log.info("closing a WebSocket: its sign-in (family %s) was revoked", family)
        await self.close(REVOKED_CLOSE, REVOKED_REASON)

    async def stop(self) -> None:
        """The connection ended: stop watching and waiting."""
        tasks = [t for t in (self._watch, self._pending, self._closing) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
