"""``hub worker``: run the queue's jobs until SIGTERM or SIGINT.

Any number of workers, on any number of machines, share one database's queue: procrastinate
hands each job to one worker (``FOR UPDATE SKIP LOCKED``), defers each periodic job once per
period whichever workers are up, and retries a job after a failure with :class:`Backoff`. Each
failed try's error is recorded (job_error) by :func:`recording_errors`, so a job that failed
its last try is listed with why (``hub jobs failed``).
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import procrastinate
import psycopg
from procrastinate import exceptions as queue_errors
from prometheus_client import start_http_server

from hub.db.pool import Availability, DatabaseUnavailable, make_pools
from hub.jobs import alive
from hub.jobs.context import Resources
from hub.jobs.notify import wake_relay
from hub.jobs.queue import make_app
from hub.metrics import Metrics
from hub.services.channels.kit import opened
from hub.services.events import Events
from hub.services.sweeps import StepOutcome
from hub.settings import Settings
from hub.store import jobs as store
from hub.store.base import Database, PoolDatabase

log = logging.getLogger(__name__)
Middleware = Callable[[Callable[[], Awaitable[Any]], procrastinate.JobContext, Any],
                      Awaitable[Any]]


class QueueNotReady(RuntimeError):
    """The database cannot hold the queue's jobs (its schema is missing)."""


def recording_errors(db: Database) -> Middleware:
    """A worker middleware (procrastinate's public hook around every job) that records why
    a try failed, then lets the failure go on to procrastinate's retry or dead letter."""

    async def middleware(call_next: Callable[[], Awaitable[Any]],
                         context: procrastinate.JobContext, worker: Any) -> Any:
        try:
            return await call_next()
        except queue_errors.JobAborted:
            raise
        except Exception as exc:
            job = context.job
            text = "".join(traceback.format_exception(exc))
            try:
                assert job.id is not None
                await store.create_error(db, job_id=job.id, attempt=job.attempts + 1,
                                         error=text)
            except (DatabaseUnavailable, psycopg.Error) as lost:
                log.warning("could not record why job %s failed: %s", job.id, lost)
            raise

    return middleware


async def run(app: procrastinate.App, resources: Resources, *, concurrency: int,
              name: str | None = None, queues: Sequence[str] | None = None,
              wait: bool = True, install_signal_handlers: bool = True,
              poll_s: float = 5.0) -> None:
    """Run a worker of ``app`` (open) until stopped (a signal, or cancelling the task), or,
    unless ``wait``, until no job is ready."""
    named: dict[str, Any] = {"name": name} if name else {}
    if queues:
        named["queues"] = list(queues)
    await app.run_worker_async(
        **named, concurrency=concurrency, wait=wait,
        install_signal_handlers=install_signal_handlers,
        fetch_job_polling_interval=poll_s, abort_job_polling_interval=poll_s,
        shutdown_graceful_timeout=resources.settings.jobs.shutdown_s,
        additional_context={"hub": resources},
        worker_middleware=[recording_errors(resources.db)])


async def serve(settings: Settings, url: str, *, concurrency: int | None = None,
                name: str | None = None, queues: Sequence[str] | None = None,
                metrics_port: int | None = None, alive_file: Path | None = None) -> None:
    """``hub worker``: connect as the app's role at ``url``, run until SIGTERM/SIGINT (jobs
    running then get ``HUB_WORKER_SHUTDOWN_S`` to finish), then close everything. With
    ``alive_file``, beat there while the queue answers (:mod:`hub.jobs.alive`)."""
    jobs = settings.jobs
    concurrency = concurrency or jobs.concurrency
    metrics = Metrics()
    outcome: StepOutcome = metrics.sweep_step
    server = None
    if metrics_port:
        server, _thread = start_http_server(metrics_port, addr=settings.host,
                                            registry=metrics.registry)
    # The steps' own pool (as the server's); procrastinate's: fetching, finishing, LISTEN.
    pool, _reads = make_pools(url, min_size=1, max_size=concurrency + 1,
                              wait_s=settings.db_wait_s)
    connector = procrastinate.PsycopgConnector(conninfo=url, min_size=1,
                                               max_size=concurrency + 2)
    app = make_app(jobs, connector)
    await pool.open()
    try:
        async with opened(settings) as kit, app.open_async():
            resources = Resources(PoolDatabase(pool, Availability(settings.db_wait_s)),
                                  settings, outcome, kit)
            if not await app.job_manager.check_connection_async():
                raise QueueNotReady("the database has no job queue yet: run `hub db migrate` "
                                    "(or `make demo`)")
            log.info("hub worker %s: %d at once, queues %s", name or "", concurrency,
                     ", ".join(queues) if queues else "all")
            live = Events()  # the outbox relay's wake-up (LISTEN hub_outbox)
            waking = asyncio.create_task(wake_relay(app, url, live))
            beats = (asyncio.create_task(alive.beating(
                alive_file, app.job_manager.check_connection_async)) if alive_file else None)
            try:
                await run(app, resources, concurrency=concurrency, name=name, queues=queues)
            finally:
                waking.cancel()
                if beats is not None:
                    beats.cancel()
                await live.close()
    finally:
        await pool.close()
        if server is not None:
            server.shutdown()
