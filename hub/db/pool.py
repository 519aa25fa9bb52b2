"""The app's connection pools, and what an unreachable database looks like to a request.

A request waits at most ``HUB_DB_WAIT_S`` for a connection; a lost connection or a wait that
runs out raises :class:`DatabaseUnavailable`, which the HTTP layer answers with 503, code
``DATABASE_UNAVAILABLE`` and ``Retry-After``. While the database is known to be down, requests
wait only :data:`DOWN_WAIT_S`, so a request that reads several times still answers quickly.
The pools try to reconnect about every :data:`RECONNECT_S` while requests ask (a pool gives up
an attempt after its reconnect timeout and the next request starts another, instead of waiting
out psycopg_pool's growing backoff), so service returns by itself within about that long of
the database coming back. Connections the server closed while idle (a restart) are noticed
before use, without a round trip, and replaced.
"""

from __future__ import annotations

import select
from typing import Any

import orjson
import psycopg
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool, ConnectionPool, PoolTimeout

RETRY_AFTER_S = 1
DOWN_WAIT_S = 0.1  # how long a request waits for a connection while the database is down
RECONNECT_S = 1.0  # the pools' reconnect_timeout: how long one reconnection attempt lasts
CONNECT_TIMEOUT_S = 2  # libpq's connect_timeout (it counts whole seconds, at least 2)
# Server errors that end the session: admin_shutdown, crash_shutdown, cannot_connect_now.
_SESSION_ENDED = {"57P01", "57P02", "57P03"}


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached now; retrying later may work."""

    code = "DATABASE_UNAVAILABLE"

    def __init__(self, reason: str) -> None:
        super().__init__(f"the database is unavailable ({reason}); retry in a moment")
        # graphql-core copies these onto the GraphQL error of a resolver that raised this.
        self.extensions = {"code": self.code, "retryAfterS": RETRY_AFTER_S,
                           "messageZh": "数据库暂时无法访问，请稍后重试"}


class Availability:
    """Whether the database answered the last time a connection was wanted."""

    def __init__(self, wait_s: float) -> None:
        self.wait_s = wait_s
        self.down = False

    def budget_s(self) -> float:
        """How long the next request waits for a connection."""
        return min(self.wait_s, DOWN_WAIT_S) if self.down else self.wait_s

    def lost(self, exc: BaseException) -> DatabaseUnavailable:
        """Note the database as down; the error to raise."""
        waited_s, self.down = self.budget_s(), True
        if isinstance(exc, PoolTimeout):
            return DatabaseUnavailable(f"no connection within {waited_s:g} s")
        return DatabaseUnavailable(str(exc).strip().splitlines()[0][:200] or "connection lost")

    def answered(self) -> None:
        """A working connection was had."""
        self.down = False


def lost_connection(exc: BaseException, conn: Any) -> bool:
    """Whether ``exc`` means the server is gone, not that it refused a statement."""
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, psycopg.OperationalError):
        return False
    return bool(conn.closed or conn.broken) or (exc.sqlstate or "").startswith("08") \
        or exc.sqlstate in _SESSION_ENDED


def has_news(conn: Any) -> bool:
    """Whether the server wrote to, or closed, an idle connection: after a restart it has
    (a FATAL message and end of file), and the connection is dead."""
    if conn.closed:
        return True
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def parse_json_with_orjson(conn: psycopg.Connection[Any] | psycopg.AsyncConnection[Any]) -> None:
    """json/jsonb values (skills, plans, map layers) read on ``conn`` are parsed with orjson.

    Set on the connection's own adapters: psycopg's process-wide ones stay as they are.
    """
    set_json_loads(orjson.loads, conn)


async def _configure(conn: psycopg.AsyncConnection[Any]) -> None:
    parse_json_with_orjson(conn)


def make_pools(url: str, *, min_size: int, max_size: int,
               wait_s: float) -> tuple[AsyncConnectionPool, ConnectionPool]:
    """The request pool (async) and the pool of threaded large reads, not yet open."""
    # Autocommit: reads run without a transaction; services open one when they write.
    options: dict[str, Any] = {"min_size": min_size, "max_size": max_size, "open": False,
                               "timeout": wait_s, "reconnect_timeout": RECONNECT_S,
                               "kwargs": {"autocommit": True,
                                          "connect_timeout": CONNECT_TIMEOUT_S}}
    return (AsyncConnectionPool(url, name="hub", configure=_configure, **options),
            ConnectionPool(url, name="hub-reads", configure=parse_json_with_orjson,
                           **{**options, "min_size": 1}))
