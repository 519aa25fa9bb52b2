"""LISTEN for a channel's notifications on a connection of its own (not the pool's)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from hub.store.base import Database


async def stream_notifications(conninfo: str, *, channel: str,
                               listening: Callable[[], None]) -> AsyncIterator[str]:
    """The payloads NOTIFYed on ``channel``, from a connection that LISTENs to it; calls
    ``listening`` once it does. Ends with ``psycopg.Error`` when the connection is lost."""
    async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
        await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        listening()
        async for note in conn.notifies():
            yield note.payload


async def get_conninfo(db: Database) -> str:
    """How to open another connection to the database ``db`` uses."""
    async with db.connection() as conn:
        params = conn.info.get_parameters()
        if conn.info.password:
            params["password"] = conn.info.password
    return make_conninfo(**params)
