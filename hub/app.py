"""The ASGI application: ``create_app(settings)``; the lifespan owns the connection pool."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from multiprocessing import get_context
from pathlib import Path

import orjson
import psycopg
from psycopg_pool import AsyncConnectionPool
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from hub import unavailable_http, vocabulary
from hub.auth import TokenVerifier, load_or_create_secret
from hub.certs import attendance_code
from hub.certs.signing import load_or_create_key_text
from hub.db.pool import Availability, DatabaseUnavailable, make_pools
from hub.db.replicas import ReplicaSet
from hub.gc_tuning import tuned_gc
from hub.metrics import HttpMetrics, Metrics, metrics_endpoint
from hub.pii import load_or_create_key
from hub.services import events, revocation
from hub.settings import Settings
from hub.store import backlog as backlog_store
from hub.store import jobs as job_store
from hub.store.base import ConnectionDatabase, Database, PoolDatabase, Row, ThreadedReads
from hub.store.replicas import ReadRouter

CONSOLE_DIR = Path(__file__).resolve().parent / "static" / "console"


async def healthz(request: Request) -> Response:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def vocabulary_json(request: Request) -> Response:
    """The one vocabulary (``hub/vocabulary.py``): every code's Chinese and English label, for
    the console and anyone else. Public (no personal data); cacheable for an hour."""
    return Response(_vocabulary_body(), media_type="application/json",
                    headers={"Cache-Control": "public, max-age=3600"})


@functools.cache
def _vocabulary_body() -> bytes:
    return orjson.dumps(vocabulary.public())


async def readyz(request: Request) -> Response:
    """Readiness: the database answers and has PostGIS and the hub's schema."""
    try:
        rows = await request.app.state.db.fetch(
            "SELECT postgis_lib_version() AS postgis, "
            "(SELECT max(version) FROM schema_migration) AS version")
    except DatabaseUnavailable as exc:
        return unavailable_http.json_response(exc, status="unavailable")
    except Exception as exc:  # any failure means "not ready"; the reason is reported
        return JSONResponse({"status": "unavailable", "code": "NOT_READY",
                             "reason": str(exc)[:300]}, status_code=503)
    return JSONResponse({"status": "ready", "postgis": rows[0]["postgis"],
                         "schemaVersion": rows[0]["version"]})


async def job_counts(db: Database) -> dict[str, int] | None:
    """The job queue's jobs by state, for ``/metrics``; None when the database does not
    answer (the scrape still succeeds, with the last counts)."""
    try:
        return await job_store.count_by_status(db)
    except (DatabaseUnavailable, psycopg.Error):
        return None


async def backlog_rows(db: Database) -> list[Row] | None:
    """The notification backlog (hub.store.backlog), for ``/metrics``; None when the database
    does not answer."""
    try:
        return await backlog_store.count_backlog(db)
    except (DatabaseUnavailable, psycopg.Error):
        return None


def dev_settings(settings: Settings) -> Settings:
    """Settings with the persistent generated token secret and certificate signing key under
    ``home`` (the demo's) in place of those not set, read once."""
    if not (settings.jwt_secret or settings.jwt_public_key):
        settings = replace(settings, jwt_secret=load_or_create_secret(settings.home))
    if not settings.certificate_signing_key:
        settings = replace(settings,
                           certificate_signing_key=load_or_create_key_text(settings.home))
    if not settings.attendance_code_key:
        settings = replace(settings, attendance_code_key=load_or_create_secret(
            settings.home, attendance_code.KEY_FILE_NAME))
    return settings


def create_app(settings: Settings, *, database_url: str | None = None,
               database: ConnectionDatabase | None = None) -> Starlette:
    """Build the application; nothing connects until the lifespan starts.

    ``database`` (one connection, for tests) replaces the pool built from ``database_url``.
    """
    from hub import certificates_http, tiles
    from hub.schema.http import AuthMiddleware, HubGraphQL
    from hub.schema.http_request import internal_error
    from hub.schema.observe import TraceRequests

    settings = dev_settings(settings)
    verifier = TokenVerifier(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.settings = settings
        app.state.cipher = load_or_create_key(configured=settings.data_key, home=settings.home)
        app.state.metrics = metrics = Metrics(multiprocess_dir=settings.metrics_dir)
        metrics.know_operations(document.name for document in graphql.hub_schema.trusted)
        metrics.plan_counts = graphql.hub_schema.plans.counts
        app.state.tile_cache = tiles.TileCache()
        app.state.job_counts = lambda: job_counts(app.state.db)
        app.state.backlog_rows = lambda: backlog_rows(app.state.db)
        # The matcher runs in its own process (started on first use), so a long solve never
        # holds this process's GIL and the event loop keeps serving.
        with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as executor:
            app.state.executor = executor
            app.state.events = live = events.Events()
            revoked = None
            try:
                async with serving(app, metrics):
                    # Shared through the database; remembered here within bounds (docs/processes.md)
                    app.state.revocations = revoked = revocation.Revocations(app.state.db, live)
                    yield
            finally:
                if revoked is not None:
                    await revoked.close()
                await live.close()
                metrics.close()

    @contextlib.asynccontextmanager
    async def serving(app: Starlette, metrics: Metrics) -> AsyncIterator[None]:
        # Background work (offer expiry, auto-confirm…) is the job queue's: `hub worker`.
        if database is not None:
            app.state.db = app.state.reads = database
            yield
            return
        if database_url is None:
            raise ValueError("create_app needs database_url or database")
        # Tiles and map layers are read on threads (hub.store.base.ThreadedReads), from
        # their own pool. Both wait for a connection at most settings.db_wait_s and share
        # what they know of the database being down (hub/db/pool.py).
        pool, reads = make_pools(database_url, min_size=settings.pool_min_size,
                                 max_size=settings.pool_max_size, wait_s=settings.db_wait_s)
        await pool.open()
        await asyncio.to_thread(reads.open)
        availability = Availability(settings.db_wait_s)
        app.state.db = PoolDatabase(pool, availability)
        app.state.reads = ThreadedReads(reads, availability)
        try:
            async with metrics.watching({"requests": pool, "reads": reads}), \
                    replicated(app, pool, metrics):
                with tuned_gc(settings.gc_gen0_threshold):
                    yield
        finally:
            await pool.close()
            await asyncio.to_thread(reads.close)

    @contextlib.asynccontextmanager
    async def replicated(app: Starlette, pool: AsyncConnectionPool,
                         metrics: Metrics) -> AsyncIterator[None]:
        """With HUB_REPLICA_URLS: stale-tolerant reads routed to the replicas while the block
        runs (docs/replicas.md); without, nothing."""
        if not settings.replicas.urls:
            yield
            return
        config = settings.replicas
        replicas = ReplicaSet(config.urls, primary=pool, max_lag_s=config.max_lag_s,
                              wait_ms=config.read_your_writes_wait_ms, check_s=config.check_s,
                              min_size=settings.pool_min_size, max_size=settings.pool_max_size,
                              wait_s=settings.db_wait_s)
        async with replicas.running():
            app.state.db.router = ReadRouter(
                replicas, primary_reads=app.state.reads,
                mac_key=app.state.cipher.blind_index("replica", field="read_after_key"))
            metrics.replica_stats = replicas.stats
            for replica in replicas.replicas:  # hub_db_pool{pool="replica <name>"…}
                metrics.pools[f"replica {replica.name}"] = replica.pool
                metrics.pools[f"replica-reads {replica.name}"] = replica.reads
            graphql.hub_schema.routes_reads = True
            try:
                yield
            finally:
                graphql.hub_schema.routes_reads = False
                metrics.replica_stats = None
                app.state.db.router = None

    graphql = HubGraphQL(verifier, max_body_bytes=settings.max_body_bytes)
    routes: list[BaseRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/vocabulary.json", vocabulary_json, methods=["GET", "HEAD"]),
        Route("/metrics", metrics_endpoint),
        Route("/graphql", graphql),  # other methods: a coded 405 from the view
        WebSocketRoute("/graphql", graphql),
        *tiles.routes,
        *certificates_http.routes,
        Mount("/", StaticFiles(directory=CONSOLE_DIR, html=True, check_dir=False), name="console"),
    ]
    return Starlette(routes=routes, lifespan=lifespan,
                     middleware=[Middleware(HttpMetrics), Middleware(TraceRequests),
                                 Middleware(AuthMiddleware, verifier=verifier)],
                     exception_handlers={DatabaseUnavailable: unavailable_http.handler,
                                         Exception: internal_error})
