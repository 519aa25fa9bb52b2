"""What the hub counts, for ``GET /metrics`` in Prometheus's text format (prometheus_client).

One :class:`Metrics` per app, made and closed by the lifespan (``hub/app.py``), with its own
registry: nothing is registered in prometheus_client's global one. It counts

* GraphQL operations by operation name, type, compiled or not, and outcome, with their latency
  (``hub/schema/observe.py`` records them from a schema extension every request runs through);
* HTTP responses by status and route (:class:`HttpMetrics`, an ASGI middleware);
* the connection pools' use (psycopg_pool's ``get_stats()``), refreshed every
  :data:`POOL_REFRESH_S` and on each scrape;
* the background steps' outcomes and the items each handled (in ``hub worker``'s process,
  served on its ``--metrics-port``);
* the job queue's jobs by state (``hub_jobs``), read from the database at each scrape;
* the notification backlog (``hub_outbox_unrelayed``, ``hub_notification_deliveries`` by
  channel and status, ``hub_webhook_deliveries`` by status), likewise;
* each registered document's compiled plan: runs it answered, runs it handed to graphql-core.

Operation names are labels only when the app knows them (:meth:`Metrics.know_operations`: the
registered documents) or, up to :data:`MAX_OPERATIONS` of them, when first seen in a request
that parsed and validated; anything else, unnamed operations included, is ``other``. So no
client can grow the label set without bound.

Several worker processes (``uvicorn --workers N``): set ``PROMETHEUS_MULTIPROC_DIR`` to an
empty directory before the server starts (prometheus_client reads it at import); each worker
writes its values there and ``/metrics``, whichever worker answers, adds them all up.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

OTHER = "other"  # the label of every operation name not known (unnamed ones included)
MAX_OPERATIONS = 100  # names learned from traffic, besides those the app declares
POOL_REFRESH_S = 5.0
# Every key psycopg_pool's get_stats() may give (counters appear once they are not zero).
POOL_STATS = ("pool_min", "pool_max", "pool_size", "pool_available", "requests_waiting",
              "requests_num", "requests_queued", "requests_wait_ms", "requests_errors",
              "usage_ms", "returns_bad", "connections_num", "connections_ms",
              "connections_errors", "connections_lost")
JOB_STATES = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")
# The notification backlog's label values (hub.services.channels.ChannelName; sql/0031, 0030).
CHANNELS = ("wechat", "sms", "email")
DELIVERY_STATES = ("pending", "sending", "failed")
WEBHOOK_STATES = ("pending", "failed")
ROUTES = frozenset({"graphql", "tiles", "certificates", "healthz", "readyz", "metrics"})
LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                     10.0, 30.0)


class Pool(Protocol):
    """What is read of a psycopg_pool pool (sync or async)."""

    def get_stats(self) -> dict[str, int]: ...


class OperationLabels:
    """The operation-name label of a request: a known name, else :data:`OTHER`."""

    def __init__(self, limit: int = MAX_OPERATIONS) -> None:
        self.limit = limit
        self._declared: set[str] = set()
        self._learned: set[str] = set()
        self._lock = threading.Lock()

    def declare(self, names: Iterable[str]) -> None:
        """Names that are always their own label (registered documents)."""
        with self._lock:
            self._declared.update(names)

    def label(self, name: str | None, *, valid: bool) -> str:
        """``name``'s label; a name first seen in a ``valid`` request is learned while fewer
        than :attr:`limit` are."""
        if not name:
            return OTHER
        if name in self._declared or name in self._learned:
            return name
        if not valid:
            return OTHER
        with self._lock:
            if len(self._learned) >= self.limit:
                return OTHER
            self._learned.add(name)
        return name


class Metrics:
    """The app's counters, histograms and gauges, and their exposition."""

    def __init__(self, *, multiprocess_dir: Path | None = None,
                 max_operations: int = MAX_OPERATIONS) -> None:
        self.multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        self.operations = OperationLabels(max_operations)
        self.pools: dict[str, Pool] = {}
        # (answered, fell back) by registered document (hub.schema.plans.Plans.counts).
        self.plan_counts: Callable[[], dict[str, tuple[int, int]]] | None = None
        r = self.registry
        self.graphql_requests = Counter(
            "hub_graphql_requests", "GraphQL operations answered.",
            ["operation", "type", "compiled", "outcome"], registry=r)
        self.graphql_seconds = Histogram(
            "hub_graphql_request_duration_seconds",
            "Time from receiving a GraphQL operation to its result.",
            ["operation", "compiled"], buckets=LATENCY_BUCKETS_S, registry=r)
        self.http_responses = Counter(
            "hub_http_responses", "HTTP responses sent.", ["route", "status"], registry=r)
        self.sweep_steps = Counter(
            "hub_sweep_steps", "Background sweep steps run.", ["step", "outcome"], registry=r)
        self.sweep_items = Counter(
            "hub_sweep_items", "Items the background sweep's steps handled (offers expired, "
            "records confirmed).", ["step"], registry=r)
        self.pool_stats = Gauge(
            "hub_db_pool", "psycopg_pool's get_stats() of each connection pool: sizes now, "
            "and counts and milliseconds since the pool opened.", ["pool", "stat"],
            registry=r, multiprocess_mode="livesum")
        # One count for the whole database, whichever process reads it: the latest read wins.
        self.jobs = Gauge(
            "hub_jobs", "Jobs in the queue by state (todo, doing, succeeded, failed: dead "
            "letters, cancelled, aborted), read from the database at each scrape.", ["state"],
            registry=r, multiprocess_mode="mostrecent")
        self.outbox_unrelayed = Gauge(
            "hub_outbox_unrelayed", "Outbox events recorded and not yet relayed to their "
            "deliveries, read from the database at each scrape.", registry=r,
            multiprocess_mode="mostrecent")
        self.notification_deliveries = Gauge(
            "hub_notification_deliveries", "Notification deliveries by channel and status: "
            "pending (waiting, held for quiet hours or a retry), sending (claimed by a "
            "worker), failed (given up), read from the database at each scrape.",
            ["channel", "status"], registry=r, multiprocess_mode="mostrecent")
        self.webhook_deliveries = Gauge(
            "hub_webhook_deliveries", "Partner webhook deliveries by status: pending (not yet "
            "answered 2xx, retrying), failed (given up), read from the database at each "
            "scrape.", ["status"], registry=r, multiprocess_mode="mostrecent")
        self.plan_runs = Gauge(
            "hub_compiled_plan_runs", "Runs of each registered document's compiled plan since "
            "the process started: answered by the plan, or fell back to graphql-core.",
            ["document", "result"], registry=r, multiprocess_mode="livesum")
        # Read replicas (docs/replicas.md): hub.db.replicas.ReplicaSet.stats when configured.
        self.replica_stats: Callable[[], dict[str, Any]] | None = None
        self.replica_lag = Gauge(
            "hub_replica_lag_seconds", "How far each read replica is behind the primary, as "
            "this process last measured it (-1: it did not answer).", ["replica"],
            registry=r, multiprocess_mode="max")
        self.replica_lag_bytes = Gauge(
            "hub_replica_lag_bytes", "WAL bytes the primary has written that each replica has "
            "not replayed, at the last check (-1: it did not answer).", ["replica"],
            registry=r, multiprocess_mode="max")
        self.replica_in_rotation = Gauge(
            "hub_replica_in_rotation", "1 while a replica takes stale-tolerant reads in this "
            "process, else 0.", ["replica"], registry=r, multiprocess_mode="min")
        self.reads_routed = Gauge(
            "hub_db_reads_routed", "Stale-tolerant reads (operations, tiles) since the process "
            "started by where they ran: replica or primary.", ["target"], registry=r,
            multiprocess_mode="livesum")
        self.replica_fallbacks = Gauge(
            "hub_replica_fallbacks", "Stale-tolerant reads sent to the primary since the process "
            "started, by reason: no_replica in rotation, catch_up (the replica had not replayed "
            "the caller's write within the wait), replica_lost (it failed the read).",
            ["reason"], registry=r, multiprocess_mode="livesum")

    # -- recording ------------------------------------------------------------------------
    def graphql(self, *, operation: str, kind: str, compiled: bool, ok: bool,
                seconds: float) -> None:
        """One GraphQL operation answered (``operation``: a label from :attr:`operations`)."""
        done = "yes" if compiled else "no"
        self.graphql_requests.labels(operation, kind, done, "ok" if ok else "error").inc()
        self.graphql_seconds.labels(operation, done).observe(seconds)

    def sweep_step(self, step: str, outcome: str, items: int = 0) -> None:
        """One step of the background sweep ran (``ok``, ``unavailable`` or ``failed``)."""
        self.sweep_steps.labels(step, outcome).inc()
        if items:
            self.sweep_items.labels(step).inc(items)

    def job_states(self, counts: dict[str, int]) -> None:
        """The queue's jobs by state now (states not in ``counts`` have none)."""
        for state in {*JOB_STATES, *counts}:
            self.jobs.labels(state).set(counts.get(state, 0))

    def backlog(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """The notification backlog now (hub.store.backlog rows; what has no row has none)."""
        deliveries = dict.fromkeys(itertools.product(CHANNELS, DELIVERY_STATES), 0)
        webhooks = dict.fromkeys(WEBHOOK_STATES, 0)
        unrelayed = 0
        for row in rows:
            if row["what"] == "outbox":
                unrelayed = int(row["n"])
            elif row["what"] == "notification":
                deliveries[(row["channel"], row["status"])] = int(row["n"])
            else:
                webhooks[row["status"]] = int(row["n"])
        self.outbox_unrelayed.set(unrelayed)
        for (channel, status), n in deliveries.items():
            self.notification_deliveries.labels(channel, status).set(n)
        for status, n in webhooks.items():
            self.webhook_deliveries.labels(status).set(n)

    def know_operations(self, names: Iterable[str]) -> None:
        """Operation names that are always their own label (the registered documents')."""
        self.operations.declare(names)

    # -- pools and plans --------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the pools' stats and the plans' counts into their gauges."""
        for name, pool in self.pools.items():
            stats = pool.get_stats()
            for stat in POOL_STATS:
                self.pool_stats.labels(name, stat).set(stats.get(stat, 0))
        for document, (answered, fell_back) in (self.plan_counts or dict)().items():
            self.plan_runs.labels(document, "answered").set(answered)
            self.plan_runs.labels(document, "fell_back").set(fell_back)
        if self.replica_stats is not None:
            self._replicas(self.replica_stats())

    def _replicas(self, stats: dict[str, Any]) -> None:
        for name, in_rotation, lag_s, lag_bytes in stats["replicas"]:
            self.replica_lag.labels(name).set(-1 if lag_s is None else lag_s)
            self.replica_lag_bytes.labels(name).set(-1 if lag_bytes is None else lag_bytes)
            self.replica_in_rotation.labels(name).set(1 if in_rotation else 0)
        for target, n in stats["routed"].items():
            self.reads_routed.labels(target).set(n)
        for reason, n in stats["fallbacks"].items():
            self.replica_fallbacks.labels(reason).set(n)

    @contextlib.asynccontextmanager
    async def watching(self, pools: dict[str, Pool]) -> AsyncIterator[None]:
        """While the block runs, the pools' stats (and plans' counts) are refreshed every
        :data:`POOL_REFRESH_S`."""
        self.pools = dict(pools)
        self.refresh()

        async def refresh() -> None:
            while True:
                await asyncio.sleep(POOL_REFRESH_S)
                self.refresh()

        task = asyncio.create_task(refresh(), name="hub-metrics-pools")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self.pools = {}

    # -- exposition -----------------------------------------------------------------------
    def exposition(self) -> bytes:
        """Every metric in the Prometheus text format (all workers' in multiprocess mode)."""
        self.refresh()
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        every_worker = CollectorRegistry()
        MultiProcessCollector(every_worker, path=str(self.multiprocess_dir))
        return generate_latest(every_worker)

    def close(self) -> None:
        """This process stops: its live gauges leave the sums (multiprocess mode)."""
        if self.multiprocess_dir is not None:
            mark_process_dead(os.getpid(), str(self.multiprocess_dir))


async def metrics_endpoint(request: Request) -> Response:
    """``GET /metrics``."""
    metrics: Metrics = request.app.state.metrics
    job_counts = getattr(request.app.state, "job_counts", None)
    counts = await job_counts() if job_counts is not None else None
    if counts is not None:  # None: the database did not answer; the last counts stand
        metrics.job_states(counts)
    backlog_rows = getattr(request.app.state, "backlog_rows", None)
    backlog = await backlog_rows() if backlog_rows is not None else None
    if backlog is not None:  # likewise
        metrics.backlog(backlog)
    body = await asyncio.to_thread(metrics.exposition)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


class HttpMetrics:
    """Counts HTTP responses by route (the path's first segment, when it is one of
    :data:`ROUTES`; else ``console``) and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        first = scope["path"].lstrip("/").split("/", 1)[0]
        route = first if first in ROUTES else "console"
        state: Any = getattr(scope.get("app"), "state", None)

        started = False

        def count(status: int) -> None:
            metrics: Metrics | None = getattr(state, "metrics", None)
            if metrics is not None:
                metrics.http_responses.labels(route, str(status)).inc()

        async def counted(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                count(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, counted)
        except Exception:
            if not started:  # starlette's outermost middleware answers it with a 500
                count(500)
            raise
