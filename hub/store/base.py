"""Database access for the request path: one choke point that runs and counts statements.

Every store function takes a :class:`Database` and calls :meth:`Database.fetch`, so tests can
count statements (N+1 checks) and swap the pool for a single connection inside a rolled-back
transaction.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from time import monotonic
from typing import Any, Protocol

import psycopg
from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, ConnectionPool, PoolTimeout

from hub.db.pool import (
    Availability,
    DatabaseUnavailable,
    has_news,
    lost_connection,
    parse_json_with_orjson,
)

Params = Mapping[str, Any] | Sequence[Any] | None
Row = dict[str, Any]


class ValueReader(Protocol):
    """Runs a statement that returns one row of large values (a vector tile, a map layer)."""

    async def fetch_value(self, sql: str, params: Params = None, *,
                          binary: bool = False) -> Any:
        """Run one statement and return the first column of its first row (None if none).

        ``binary`` asks PostgreSQL for the binary format: a bytea (a vector tile) then
        arrives as its bytes, neither hex-encoded by the server nor decoded here.
        """
        ...

    async def fetch_one(self, sql: str, params: Params = None, *,
                        binary: bool = False) -> tuple[Any, ...] | None:
        """Run one statement and return its first row as a tuple (None if none)."""
        ...


class Database(ValueReader, Protocol):
    """Where store functions run SQL."""

    statements: int

    def connection(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection[Any]]:
        """A connection for a short unit of work."""
        ...

    async def fetch(self, sql: str, params: Params = None, *,
                    binary: bool = False) -> list[Row]:
        """Run one statement and return its rows as dicts (``binary``: in PostgreSQL's
        binary format, which psycopg parses faster for many rows of numbers and dates)."""
        ...

    def transaction(self) -> contextlib.AbstractAsyncContextManager[ConnectionDatabase]:
        """One connection in a transaction: committed at the end, rolled back on error."""
        ...

    def last_read(self) -> Database:
        """Where the request's last read may run (without a snapshot of its own)."""
        ...

    def savepoint(self) -> contextlib.AbstractAsyncContextManager[None]:
        """A savepoint inside :meth:`transaction`: an error in the block rolls back to it
        and leaves the transaction usable (``TypeError`` outside a transaction)."""
        ...


class _FirstValue:
    """``fetch_value`` from ``fetch_one``, for every reader."""

    async def fetch_one(self, sql: str, params: Params = None, *,
                        binary: bool = False) -> tuple[Any, ...] | None:
        raise NotImplementedError

    async def fetch_value(self, sql: str, params: Params = None, *,
                          binary: bool = False) -> Any:
        row = await self.fetch_one(sql, params, binary=binary)
        return None if row is None else row[0]


class _Counting(_FirstValue):
    statements: int = 0
    router: Any = None  # the primary's: hub.store.replicas.ReadRouter when replicas are set

    def connection(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection[Any]]:
        raise NotImplementedError

    async def fetch(self, sql: str, params: Params = None, *,
                    binary: bool = False) -> list[Row]:
        self.statements += 1
        async with self.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(sql, params, binary=binary)
            if cur.description is None:
                return []
            return await cur.fetchall()

    async def fetch_one(self, sql: str, params: Params = None, *,
                        binary: bool = False) -> tuple[Any, ...] | None:
        self.statements += 1
        async with self.connection() as conn, conn.cursor() as cur:
            await cur.execute(sql, params, binary=binary)
            row: tuple[Any, ...] | None = await cur.fetchone()
            return row

    def _writing(self) -> contextlib.AbstractAsyncContextManager[AsyncConnection[Any]]:
        """The connection a write transaction runs on."""
        return self.connection()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[ConnectionDatabase]:
        async with self._writing() as conn, conn.transaction():
            inner = ConnectionDatabase(conn)
            try:
                yield inner
            finally:
                self.statements += inner.statements

    def savepoint(self) -> contextlib.AbstractAsyncContextManager[None]:
        raise TypeError("a savepoint belongs to a transaction: use it on db.transaction()'s")

    def last_read(self) -> Database:
        """Where a request's last read may run: here (see :meth:`RequestDatabase.last_read`)."""
        return self


def _remaining(deadline: float) -> float:
    return max(deadline - monotonic(), 0.001)


class PoolDatabase(_Counting):
    """The server's database: a psycopg pool; each statement borrows a connection.

    A connection lost, or none free within the wait, raises
    :class:`hub.db.pool.DatabaseUnavailable` (``hub/db/pool.py`` says how long and why).
    """

    def __init__(self, pool: AsyncConnectionPool,
                 availability: Availability | None = None) -> None:
        self.pool = pool
        self.availability = availability or Availability(pool.timeout)
        self.statements = 0

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        conn = await self.borrow()
        try:
            yield conn
        except psycopg.Error as exc:
            raise self.unavailable(exc, conn) from exc
        finally:
            await self.pool.putconn(conn)

    def unavailable(self, exc: psycopg.Error, conn: AsyncConnection[Any]) -> Exception:
        """What to raise for ``exc`` on ``conn``: :class:`DatabaseUnavailable` when the
        connection is lost, else ``exc`` itself (a refusal)."""
        return self.availability.lost(exc) if lost_connection(exc, conn) else exc

    async def borrow(self) -> AsyncConnection[Any]:
        """A working connection (give it back with ``pool.putconn``); one the server closed
        while idle goes back to be replaced."""
        deadline = monotonic() + self.availability.budget_s()
        while True:
            try:
                conn = await self.pool.getconn(timeout=_remaining(deadline))
            except PoolTimeout as exc:
                raise self.availability.lost(exc) from exc
            try:
                if has_news(conn):
                    await self.pool.check_connection(conn)
            except psycopg.Error:
                await self.pool.putconn(conn)  # broken: the pool closes it and opens another
                continue
            self.availability.answered()
            return conn


class ConnectionDatabase(_Counting):
    """One connection shared by a request or a test (its transaction is the caller's)."""

    def __init__(self, conn: AsyncConnection[Any]) -> None:
        parse_json_with_orjson(conn)  # as the pools' connections do
        self.conn = conn
        self.statements = 0
        self._lock = asyncio.Lock()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        async with self._lock:
            yield self.conn

    @contextlib.asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """A savepoint on this connection's transaction (psycopg nests ``transaction()``)."""
        async with self.conn.transaction():
            yield


@contextlib.asynccontextmanager
async def connect(url: str, *, autocommit: bool = False) -> AsyncIterator[ConnectionDatabase]:
    """One new connection to ``url`` as a :class:`ConnectionDatabase` (the CLI's), closed at
    the end; without ``autocommit`` its work is committed only if the block succeeds."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=autocommit) as conn:
        yield ConnectionDatabase(conn)


SNAPSHOT_BEGIN = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"


class RequestDatabase(_Counting):
    """A per-request view of a shared database that counts this request's statements only.

    Inside :meth:`one_snapshot`, reads see one snapshot: the first read borrows a pool
    connection and begins a read-only REPEATABLE READ transaction on it, and every later
    read runs there (one at a time) until the block ends. A write transaction
    (:meth:`transaction`) ends the snapshot first, so reads after it see what it wrote; a
    failed read ends it too (the next read begins another). Over one connection
    (:class:`ConnectionDatabase`: a test's transaction) reads are that transaction's.
    """

    # Set by :meth:`read_from`: the primary, while reads go to a replica (``inner``).
    _primary: PoolDatabase | ConnectionDatabase | None = None
    _on_lost: Callable[[BaseException], None] | None = None

    def __init__(self, inner: PoolDatabase | ConnectionDatabase) -> None:
        self.inner = inner
        self.statements = 0
        self._snapshots = False
        self._held: AsyncConnection[Any] | None = None
        self._lock = asyncio.Lock()

    @property
    def read_router(self) -> Any:
        """The app's read router (hub.store.replicas) when replicas are configured, else None."""
        return getattr(self._primary or self.inner, "router", None)

    def read_from(self, replica: PoolDatabase, on_lost: Callable[[BaseException], None]) -> bool:
        """Reads from now on go to ``replica`` (a write transaction goes to the primary and
        sends later reads there too); ``on_lost`` hears of the replica failing, and reads
        then go to the primary. False, and nothing changes, once a read has begun."""
        if self._held is not None or self._primary is not None:
            return False
        self._primary, self.inner, self._on_lost = self.inner, replica, on_lost
        return True

    def _to_primary(self, lost: BaseException | None = None) -> None:
        if self._primary is None:
            return
        if lost is not None and self._on_lost is not None:
            self._on_lost(lost)
        self.inner, self._primary = self._primary, None

    async def _borrow(self) -> AsyncConnection[Any]:
        """A connection of ``inner`` (a pool's); when a replica does not give one, the
        primary's."""
        assert isinstance(self.inner, PoolDatabase)
        try:
            return await self.inner.borrow()
        except DatabaseUnavailable as exc:
            if self._primary is None:
                raise
            self._to_primary(exc)
            assert isinstance(self.inner, PoolDatabase)
            return await self.inner.borrow()

    @contextlib.asynccontextmanager
    async def one_snapshot(self) -> AsyncIterator[RequestDatabase]:
        """Reads in this block share one snapshot (see the class)."""
        self._snapshots = isinstance(self.inner, PoolDatabase)
        try:
            yield self
        finally:
            self._snapshots = False
            async with self._lock:
                await self._end_snapshot()

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        if not self._snapshots:
            if self._primary is None:
                async with self.inner.connection() as conn:
                    yield conn
                return
            conn = await self._borrow()
            inner = self.inner
            assert isinstance(inner, PoolDatabase)
            try:
                yield conn
            except psycopg.Error as exc:
                raise inner.unavailable(exc, conn) from exc
            finally:
                await inner.pool.putconn(conn)
            return
        async with self._lock:
            conn = self._held or await self._begin_snapshot()
            try:
                yield conn
            except psycopg.Error as exc:
                await self._end_snapshot()
                assert isinstance(self.inner, PoolDatabase)
                raise self.inner.unavailable(exc, conn) from exc

    def last_read(self) -> Database:
        """Where a read that is the request's last may run: alone, with no snapshot's BEGIN and
        COMMIT around it, when no snapshot has begun (one statement sees one snapshot by
        itself); else the snapshot. The caller promises that no read follows."""
        if self._snapshots and self._held is None:
            self._snapshots = False
        return self

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection[Any]]:
        async with self._lock:
            await self._end_snapshot()
        self._to_primary()
        async with self.inner.connection() as conn:
            yield conn

    async def _begin_snapshot(self) -> AsyncConnection[Any]:
        conn = await self._borrow()
        assert isinstance(self.inner, PoolDatabase)
        try:
            await conn.execute(SNAPSHOT_BEGIN)
        except psycopg.Error as exc:
            await self.inner.pool.putconn(conn)
            raise self.inner.unavailable(exc, conn) from exc
        self._held = conn
        return conn

    async def _end_snapshot(self) -> None:
        """Commit the snapshot's read-only transaction and give its connection back."""
        conn, self._held = self._held, None
        if conn is None:
            return
        assert isinstance(self.inner, PoolDatabase)
        try:
            if not conn.broken:
                await conn.execute("ROLLBACK" if conn.info.transaction_status
                                   == psycopg.pq.TransactionStatus.INERROR else "COMMIT")
        except psycopg.Error:
            pass  # a broken connection goes back to the pool, which replaces it
        finally:
            await self.inner.pool.putconn(conn)


class ThreadedReads(_FirstValue):
    """Large single-value reads on a thread with a blocking connection.

    Measured under uvicorn: psycopg's async connection wakes the event loop for every chunk
    of a large result, which cost a 60 KB vector tile about 5 ms over the bare statement;
    libpq reading on a worker thread (the GIL released while it waits) costs about 0.5 ms.
    """

    def __init__(self, pool: ConnectionPool, availability: Availability | None = None) -> None:
        self.pool = pool
        self.availability = availability or Availability(pool.timeout)
        self.statements = 0

    def _fetch_one(self, sql: str, params: Params, binary: bool) -> tuple[Any, ...] | None:
        conn = self._borrow()
        try:
            row: tuple[Any, ...] | None = conn.execute(sql, params, binary=binary).fetchone()
            return row
        except psycopg.Error as exc:
            if lost_connection(exc, conn):
                raise self.availability.lost(exc) from exc
            raise
        finally:
            self.pool.putconn(conn)

    def _borrow(self) -> psycopg.Connection[Any]:
        """As :meth:`PoolDatabase.borrow`, on this thread."""
        deadline = monotonic() + self.availability.budget_s()
        while True:
            try:
                conn = self.pool.getconn(timeout=_remaining(deadline))
            except PoolTimeout as exc:
                raise self.availability.lost(exc) from exc
            try:
                if has_news(conn):
                    self.pool.check_connection(conn)
            except psycopg.Error:
                self.pool.putconn(conn)
                continue
            self.availability.answered()
            return conn

    async def fetch_one(self, sql: str, params: Params = None, *,
                        binary: bool = False) -> tuple[Any, ...] | None:
        self.statements += 1
        return await asyncio.to_thread(self._fetch_one, sql, params, binary)
