"""Database access for the request path: one choke point that runs and counts statements.

Every store function takes a :class:`Database` and calls :meth:`Database.fetch`, so tests can
count statements (N+1 checks) and swap the pool for a single connection inside a rolled-back
transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Protocol

import orjson
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool

# json/jsonb values (skills, plans, map layers) are parsed with orjson.
set_json_loads(orjson.loads)

Params = Mapping[str, Any] | Sequence[Any] | None
Row = dict[str, Any]


class Database(Protocol):
    """Where store functions run SQL."""

    statements: int

    def connection(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection[Any]]:
        """A connection for a short unit of work."""
        ...

    async def fetch(self, sql: str, params: Params = None) -> list[Row]:
        """Run one statement and return its rows as dicts."""
        ...

    def transaction(self) -> contextlib.AbstractAsyncContextManager[ConnectionDatabase]:
        """One connection in a transaction: committed at the end, rolled back on error."""
        ...


class _Counting:
    statements: int = 0

    def connection(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection[Any]]:
        raise NotImplementedError

    async def fetch(self, sql: str, params: Params = None) -> list[Row]:
        self.statements += 1
        async with self.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(sql, params)
            if cur.description is None:
                return []
            return await cur.fetchall()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[ConnectionDatabase]:
        async with self.connection() as conn, conn.transaction():
            inner = ConnectionDatabase(conn)
            try:
                yield inner
            finally:
                self.statements += inner.statements


class PoolDatabase(_Counting):
    """The server's database: a psycopg pool; each statement borrows a connection."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool
        self.statements = 0

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        async with self.pool.connection() as conn:
            yield conn


class ConnectionDatabase(_Counting):
    """One connection shared by a request or a test (its transaction is the caller's)."""

    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self.conn = conn
        self.statements = 0
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        async with self._lock:
            yield self.conn


class RequestDatabase(_Counting):
    """A per-request view of a shared database that counts this request's statements only."""

    def __init__(self, inner: PoolDatabase | ConnectionDatabase) -> None:
        self.inner = inner
        self.statements = 0

    def connection(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection[Any]]:
        return self.inner.connection()
