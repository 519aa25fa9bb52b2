"""Where a stale-tolerant read runs: a replica in rotation that has replayed the caller's last
write, else the primary (docs/replicas.md). The replicas' health is
:class:`hub.db.replicas.ReplicaSet`'s; which reads may be stale is decided by the schema
(``hub/schema/read_routing.py``).

Read-your-writes: after a mutation the primary's WAL position is taken
(:meth:`ReadRouter.written`) and handed back to the caller in a signed token (a response
header and a cookie, so a client reaching another hub process next carries it there), and kept
in this process by the caller's subject for :attr:`ReadRouter.remember_s`. A stale-tolerant
read with such a position waits up to the bound for a replica to replay it, else reads from the
primary.
"""

from __future__ import annotations

import hmac
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import psycopg

from hub.db.pool import DatabaseUnavailable
from hub.db.replicas import Replica, ReplicaSet, format_lsn, parse_lsn
from hub.store.base import Params, PoolDatabase, ThreadedReads, ValueReader

MAX_REMEMBERED = 10_000  # subjects whose last write this process keeps
MAC_BYTES = 12


@dataclass(frozen=True)
class Target:
    """A replica to read from: its request pool and its threaded reads."""

    replica: Replica
    db: PoolDatabase
    reads: ValueReader


class FallbackReads:
    """Large reads (tiles, map layers) on a replica's threads; on the primary's when the
    replica does not answer (and it leaves the rotation)."""

    def __init__(self, replica: ThreadedReads, primary: ValueReader, on_lost: Any) -> None:
        self.replica, self.primary, self.on_lost = replica, primary, on_lost
        self.statements = 0

    async def fetch_one(self, sql: str, params: Params = None, *,
                        binary: bool = False) -> tuple[Any, ...] | None:
        self.statements += 1
        try:
            return await self.replica.fetch_one(sql, params, binary=binary)
        except DatabaseUnavailable as exc:
            self.on_lost(exc)
            return await self.primary.fetch_one(sql, params, binary=binary)

    async def fetch_value(self, sql: str, params: Params = None, *,
                          binary: bool = False) -> Any:
        row = await self.fetch_one(sql, params, binary=binary)
        return None if row is None else row[0]


class ReadRouter:
    """The replicas of the app's primary, as the request path uses them."""

    def __init__(self, replicas: ReplicaSet, *, primary_reads: ValueReader,
                 mac_key: bytes) -> None:
        self.replicas = replicas
        self.primary_reads = primary_reads
        self.mac_key = mac_key
        # A write is visible on every replica in rotation at most about this long after.
        self.remember_s = 2 * replicas.max_lag_s + replicas.check_s
        self._targets: dict[str, Target] = {}
        for replica in replicas.replicas:
            db = PoolDatabase(replica.pool, replica.availability)
            reads = FallbackReads(ThreadedReads(replica.reads, replica.availability),
                                  primary_reads, self.lost_callback(replica))
            self._targets[replica.name] = Target(replica, db, reads)
        self._written: OrderedDict[str, tuple[float, str]] = OrderedDict()

    def lost_callback(self, replica: Replica) -> Any:
        """What a request calls when ``replica`` fails it: out of rotation, counted."""
        def lost(exc: BaseException) -> None:
            self.replicas.lost(replica, exc)
            self.count_fallback("replica_lost")
        return lost

    def count_fallback(self, reason: str) -> None:
        counts = self.replicas.counts
        counts.fallbacks[reason] += 1
        counts.routed["replica"] -= 1
        counts.routed["primary"] += 1

    # -- choosing ---------------------------------------------------------------------------
    async def choose(self, lsn: str | None) -> Target | None:
        """A replica for a stale-tolerant read that must see ``lsn`` (None: any), or None
        for the primary."""
        counts = self.replicas.counts
        replica = self.replicas.pick()
        if replica is None:
            counts.routed["primary"] += 1
            counts.fallbacks["no_replica"] += 1
            return None
        if lsn is not None and not await self.replicas.caught_up(replica, lsn):
            counts.routed["primary"] += 1
            counts.fallbacks["catch_up"] += 1
            return None
        counts.routed["replica"] += 1
        return self._targets[replica.name]

    def tile_reads(self) -> ValueReader:
        """Where a map tile is read: a replica in rotation, else the primary."""
        replica = self.replicas.pick()
        self.replicas.counts.routed["primary" if replica is None else "replica"] += 1
        if replica is None:
            return self.primary_reads
        return self._targets[replica.name].reads

    # -- read-your-writes -------------------------------------------------------------------
    async def written(self, subject: str | None) -> str | None:
        """The primary's WAL position after a write by ``subject``, kept for it here; None
        when the primary does not say (the write's answer is sent all the same)."""
        try:
            lsn = await self.replicas.primary_lsn()
        except (psycopg.Error, OSError):
            return None
        if subject is not None:
            self._written[subject] = (time.monotonic() + self.remember_s, lsn)
            self._written.move_to_end(subject)
            while len(self._written) > MAX_REMEMBERED:
                self._written.popitem(last=False)
        return lsn

    def must_see(self, subject: str | None, token: str | None) -> str | None:
        """The furthest position the caller must see: its last write kept here, or the one in
        its token (checked), whichever is further; None when neither is known or current."""
        known = []
        kept = self._written.get(subject) if subject is not None else None
        if kept is not None:
            if kept[0] > time.monotonic():
                known.append(kept[1])
            else:
                self._written.pop(subject, None)  # type: ignore[arg-type]
        opened = self.open_token(token) if token else None
        if opened is not None:
            known.append(opened)
        return max(known, key=parse_lsn) if known else None

    def token(self, lsn: str) -> str:
        """``lsn`` signed, for the caller to carry (Hub-Read-After): the position in hex, a
        dot, its MAC (characters a cookie takes unquoted)."""
        position = f"{parse_lsn(lsn):x}"
        return f"{position}.{self._mac(position)}"

    def open_token(self, token: str) -> str | None:
        """The position in a token this deployment signed, else None."""
        position, _, mac = token.strip().rpartition(".")
        if not position or not hmac.compare_digest(mac, self._mac(position)):
            return None
        try:
            return format_lsn(int(position, 16))
        except ValueError:
            return None

    def _mac(self, position: str) -> str:
        return hmac.digest(self.mac_key, b"read-after:" + position.encode(), "sha256")[
            :MAC_BYTES].hex()
