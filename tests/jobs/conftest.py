"""Fixtures for the job queue: a scratch database of its own (workers commit on their own
connections), emptied of jobs before each test, and in-process workers made as `hub worker`
makes them (hub.jobs.worker.run), each with its own procrastinate connector and pool."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

import procrastinate
import psycopg
import pytest

from hub.db.pool import Availability, make_pools
from hub.jobs import worker
from hub.jobs.context import Resources
from hub.jobs.queue import make_app
from hub.services.channels.kit import opened
from hub.settings import JobSettings, Settings
from hub.store.base import PoolDatabase
from tests.conftest import as_app, migrated_database

FAST = JobSettings(sweep_s=1, max_attempts=3, retry_base_s=0.2, retry_max_s=5.0,
                   concurrency=2, keep_done_hours=1, shutdown_s=2.0)
POLL_S = 0.05


@pytest.fixture(scope="session")
def jobs_url(server_url: str) -> str:
    """The owner's URL of a migrated scratch database for the queue's tests."""
    return migrated_database(server_url, "hub_test_jobs")


@pytest.fixture
def fast(settings: Settings) -> Settings:
    """Settings with short periods and retries."""
    return replace(settings, jobs=FAST, db_wait_s=5.0)


@pytest.fixture
def empty_queue(jobs_url: str) -> str:
    """No jobs, defers, workers or errors left by an earlier test; the app role's URL."""
    with psycopg.connect(jobs_url, autocommit=True) as conn:
        conn.execute("TRUNCATE procrastinate_jobs, procrastinate_periodic_defers, "
                     "procrastinate_events, procrastinate_workers, job_error CASCADE")
    return as_app(jobs_url)


@dataclass
class Worker:
    """One worker's app (open), resources and the step outcomes it counted."""

    app: procrastinate.App
    resources: Resources
    outcomes: list[tuple[str, str, int]] = field(default_factory=list)

    async def run(self, *, name: str, wait: bool = True, concurrency: int = 2) -> None:
        await worker.run(self.app, self.resources, concurrency=concurrency, name=name,
                         wait=wait, install_signal_handlers=False, poll_s=POLL_S)


@contextlib.asynccontextmanager
async def a_worker(url: str, settings: Settings, *, periodic: bool) -> AsyncIterator[Worker]:
    """A worker's app and resources on ``url`` (the app role's), open while the block runs."""
    pool, _reads = make_pools(url, min_size=1, max_size=4, wait_s=settings.db_wait_s)
    connector = procrastinate.PsycopgConnector(conninfo=url, min_size=1, max_size=5)
    app = make_app(settings.jobs, connector, periodic=periodic)
    await pool.open()
    try:
        outcomes: list[tuple[str, str, int]] = []
        async with opened(settings) as kit, app.open_async():
            resources = Resources(PoolDatabase(pool, Availability(settings.db_wait_s)),
                                  settings, lambda *seen: outcomes.append(seen), kit)
            yield Worker(app, resources, outcomes)
    finally:
        await pool.close()


@contextlib.asynccontextmanager
async def running(*runs: Any) -> AsyncIterator[None]:
    """Workers (coroutines of :meth:`Worker.run`) running while the block runs; cancelled
    (procrastinate's documented way to stop a worker task) at its end."""
    tasks = [asyncio.create_task(run) for run in runs]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def until(condition: Any, *, timeout_s: float = 15.0) -> None:
    """Wait until ``await condition()`` is true (fails the test after ``timeout_s``)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not await condition():
        assert loop.time() < deadline, "timed out waiting"
        await asyncio.sleep(POLL_S)
