"""Read replicas kept by PostgreSQL's streaming replication: their pools, their health, and
whether one has replayed a given point of the primary's WAL (docs/replicas.md).

Each replica has its own pools (:func:`hub.db.pool.make_pools`: the request pool and the pool
of threaded large reads) and its own :class:`Availability`. Every :attr:`ReplicaSet.check_s`
one task per process measures each replica's lag against the primary: the primary's
``pg_current_wal_lsn()`` is sampled at each check, and a replica's lag is how long ago the
primary first stood past what the replica has replayed (``pg_last_wal_replay_lsn()``).
On an idle primary a caught-up replica is 0 s behind, however long ago the last transaction
was (``now() - pg_last_xact_replay_timestamp()`` would grow without bound). A replica more
than :attr:`ReplicaSet.max_lag_s` behind, or that does not answer, or that is no standby,
leaves the rotation; it comes back at the first check that finds it healthy.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from hub.db.pool import Availability, make_pools

log = logging.getLogger(__name__)
PRIMARY_LSN = "SELECT pg_current_wal_lsn()::text"
REPLAYED = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text"
CAUGHT_UP = "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn"
POLL_S = 0.005  # how often a read waiting for a replica to catch up asks again
CHECK_TIMEOUT_S = 2.0  # a replica that does not answer a check within this is down


def parse_lsn(text: str) -> int:
    """``16/B374D848`` as a byte position."""
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def format_lsn(position: int) -> str:
    """A byte position as PostgreSQL writes an LSN."""
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"


def describe(url: str) -> str:
    """A replica's name in logs and metric labels: host:port/dbname, never a password."""
    params = conninfo_to_dict(url)
    return f"{params.get('host', 'localhost')}:{params.get('port', 5432)}/" \
           f"{params.get('dbname', '')}"


@dataclass
class Replica:
    """One standby: its pools, and what the last check found."""

    name: str
    pool: AsyncConnectionPool
    reads: ConnectionPool
    availability: Availability
    in_rotation: bool = False  # until a check finds it healthy
    lag_s: float | None = None
    lag_bytes: int | None = None
    reason: str = "unchecked"  # why it is out of rotation: unchecked, down, lag, not_standby


@dataclass
class ReadCounts:
    """Reads routed since the process started, and fallbacks by reason (for /metrics)."""

    routed: dict[str, int] = field(default_factory=lambda: {"primary": 0, "replica": 0})
    fallbacks: dict[str, int] = field(
        default_factory=lambda: {"no_replica": 0, "catch_up": 0, "replica_lost": 0})


class ReplicaSet:
    """The replicas of one primary, and the task that keeps their health."""

    def __init__(self, urls: tuple[str, ...], *, primary: AsyncConnectionPool, max_lag_s: float,
                 wait_ms: int, check_s: float, min_size: int, max_size: int,
                 wait_s: float) -> None:
        self.primary = primary
        self.max_lag_s = max_lag_s
        self.wait_s = wait_ms / 1000
        self.check_s = check_s
        self.replicas: list[Replica] = []
        for url in urls:
            pool, reads = make_pools(url, min_size=min_size, max_size=max_size, wait_s=wait_s)
            self.replicas.append(Replica(describe(url), pool, reads, Availability(wait_s)))
        self.counts = ReadCounts()
        # (monotonic time, primary LSN) of recent checks, oldest first.
        self._samples: deque[tuple[float, int]] = deque()
        self._turn = itertools.count()

    # -- choosing ---------------------------------------------------------------------------
    def pick(self) -> Replica | None:
        """A replica in rotation (each in turn), or None."""
        healthy = [r for r in self.replicas if r.in_rotation]
        if not healthy:
            return None
        return healthy[next(self._turn) % len(healthy)]

    async def caught_up(self, replica: Replica, lsn: str) -> bool:
        """Whether ``replica`` replays the primary's WAL up to ``lsn`` within the wait bound
        (asked every :data:`POLL_S`); False at once when it does not answer."""
        deadline = time.monotonic() + self.wait_s
        try:
            async with replica.pool.connection(timeout=max(self.wait_s, 0.05)) as conn:
                while True:
                    row = await (await conn.execute(CAUGHT_UP, (lsn,))).fetchone()
                    if row and row[0]:
                        return True
                    if time.monotonic() >= deadline:
                        return False
                    await asyncio.sleep(POLL_S)
        except (TimeoutError, psycopg.Error, OSError) as exc:
            self.lost(replica, exc)
            return False

    def lost(self, replica: Replica, exc: BaseException) -> None:
        """A replica failed a request: out of rotation until a check finds it healthy."""
        if replica.in_rotation:
            log.warning("replica %s out of rotation: %s", replica.name,
                        str(exc).strip().splitlines()[0][:200] if str(exc).strip() else exc)
        replica.in_rotation, replica.reason = False, "down"

    async def primary_lsn(self) -> str:
        """The primary's WAL position now: what a read must see to see a write just made."""
        async with self.primary.connection() as conn:
            row = await (await conn.execute(PRIMARY_LSN)).fetchone()
        return str(row[0]) if row else "0/0"

    # -- health -----------------------------------------------------------------------------
    async def check(self) -> None:
        """Measure every replica against the primary once; update the rotation."""
        now = time.monotonic()
        try:
            primary = parse_lsn(await asyncio.wait_for(self.primary_lsn(), CHECK_TIMEOUT_S))
        except (TimeoutError, psycopg.Error, OSError) as exc:
            # Without the primary nothing can be measured; replicas keep their state.
            log.info("replica check: the primary does not answer (%s)", exc)
            return
        self._samples.append((now, primary))
        while len(self._samples) > 1 and self._samples[1][0] < now - 2 * self.max_lag_s - 1:
            self._samples.popleft()
        await asyncio.gather(*(self._check_one(r, primary, now) for r in self.replicas))

    async def _check_one(self, replica: Replica, primary: int, now: float) -> None:
        try:
            row = await asyncio.wait_for(self._replayed(replica), CHECK_TIMEOUT_S)
        except (TimeoutError, psycopg.Error, OSError) as exc:
            replica.lag_s = replica.lag_bytes = None
            self.lost(replica, exc)
            return
        if not row or not row[0] or row[1] is None:
            replica.in_rotation, replica.reason = False, "not_standby"
            return
        replayed = parse_lsn(row[1])
        replica.lag_bytes = max(primary - replayed, 0)
        # Behind since the first sample whose primary position it has not replayed.
        behind = next((t for t, lsn in self._samples if lsn > replayed), None)
        replica.lag_s = 0.0 if behind is None else now - behind
        healthy = replica.lag_s <= self.max_lag_s
        if healthy != replica.in_rotation:
            log.warning("replica %s %s rotation (lag %.1f s)", replica.name,
                        "back in" if healthy else "out of", replica.lag_s)
        replica.in_rotation, replica.reason = healthy, "" if healthy else "lag"

    @staticmethod
    async def _replayed(replica: Replica) -> tuple[Any, ...] | None:
        async with replica.pool.connection(timeout=CHECK_TIMEOUT_S) as conn:
            row: tuple[Any, ...] | None = await (await conn.execute(REPLAYED)).fetchone()
            return row

    async def _checking(self) -> None:
        while True:
            try:
                await self.check()
            except Exception:  # the loop must outlive any surprise; the next check retries
                log.exception("replica check failed")
            await asyncio.sleep(self.check_s)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[ReplicaSet]:
        """The replicas' pools open and checked every :attr:`check_s` while the block runs."""
        for replica in self.replicas:
            await replica.pool.open()
            await asyncio.to_thread(replica.reads.open)
        task = asyncio.create_task(self._checking(), name="hub-replica-checks")
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            for replica in self.replicas:
                await replica.pool.close()
                await asyncio.to_thread(replica.reads.close)

    def stats(self) -> dict[str, Any]:
        """What /metrics shows of the replicas and the routing."""
        return {"replicas": [(r.name, r.in_rotation, r.lag_s, r.lag_bytes)
                             for r in self.replicas],
                "routed": dict(self.counts.routed), "fallbacks": dict(self.counts.fallbacks)}
