"""``hub worker`` and ``hub jobs failed|retry``: the job queue from the command line."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

import procrastinate
from procrastinate import exceptions as queue_errors

from hub.db import app_database_url
from hub.db.pool import Availability, make_pools
from hub.jobs import alive, dead_letters
from hub.jobs.queue import make_app
from hub.jobs.worker import QueueNotReady, serve
from hub.settings import Settings
from hub.store.base import PoolDatabase

MAX_CONCURRENCY = 1000  # jobs one worker runs at once (each may hold a connection)


def worker_command(settings: Settings, *, concurrency: int | None, name: str | None,
                   queues: Sequence[str] | None, metrics_port: int | None,
                   alive_file: str | None = None) -> int:
    """Run a worker until SIGTERM/SIGINT; 0 once it stopped cleanly."""
    for option, value, top in (("--concurrency", concurrency, MAX_CONCURRENCY),
                               ("--metrics-port", metrics_port, 65535)):
        if value is not None and not 1 <= value <= top:
            print(f"hub worker: {option} must be 1..{top}, got {value}", file=sys.stderr)
            return 2
    url = app_database_url(settings, start=False)
    print(f"hub worker: running jobs ({concurrency or settings.jobs.concurrency} at once); "
          "stop with SIGTERM or Ctrl-C", file=sys.stderr, flush=True)
    try:
        asyncio.run(serve(settings, url, concurrency=concurrency, name=name, queues=queues,
                          metrics_port=metrics_port,
                          alive_file=Path(alive_file) if alive_file else None))
    except (QueueNotReady, queue_errors.ConnectorException) as exc:
        print(f"hub worker: {exc}".strip(), file=sys.stderr)
        return 1
    print("hub worker: stopped", file=sys.stderr, flush=True)
    return 0


def check_command(alive_file: str | None, max_age_s: float) -> int:
    """``hub worker --check``: 0 when the worker writing ``alive_file`` beat lately."""
    if not alive_file:
        print("hub worker --check: give the worker's --alive-file", file=sys.stderr)
        return 2
    problem = alive.check(Path(alive_file), max_age_s=max_age_s)
    if problem is not None:
        print(f"hub worker: unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


def jobs_command(settings: Settings, action: str, *, job_id: int | None, limit: int) -> int:
    """``failed``: print the dead letters, newest first; ``retry``: try one again."""
    if action == "retry" and job_id is None:
        print("hub jobs retry: give the job's id (hub jobs failed lists them)", file=sys.stderr)
        return 2
    if not 1 <= limit <= dead_letters.MAX_LISTED:
        print(f"hub jobs failed: --limit must be 1..{dead_letters.MAX_LISTED}, got {limit}",
              file=sys.stderr)
        return 2
    try:
        return asyncio.run(_jobs(settings, action, job_id=job_id, limit=limit))
    except queue_errors.ConnectorException as exc:
        print(f"hub jobs: {exc}".strip(), file=sys.stderr)
        return 1


async def _jobs(settings: Settings, action: str, *, job_id: int | None, limit: int) -> int:
    url = app_database_url(settings, start=False)
    app = make_app(settings.jobs, procrastinate.PsycopgConnector(conninfo=url, min_size=1,
                                                                 max_size=2), periodic=False)
    async with app.open_async():
        if action == "retry":
            assert job_id is not None
            if not await dead_letters.retry(app, job_id):
                print(f"hub jobs retry: job {job_id} is not a failed job", file=sys.stderr)
                return 1
            print(f"job {job_id} queued to be tried again")
            return 0
        pool, _reads = make_pools(url, min_size=1, max_size=1, wait_s=settings.db_wait_s)
        async with pool:
            letters = await dead_letters.failed(
                app, PoolDatabase(pool, Availability(settings.db_wait_s)), limit=limit)
    if not letters:
        print("no failed jobs")
    for letter in letters:
        when = letter.failed_at.isoformat(timespec="seconds") if letter.failed_at else "?"
        last = (letter.error or "(no error recorded)").strip().splitlines()[-1]
        print(f"{letter.job_id}\t{letter.task}\t{letter.attempts} tries\t{when}\t{last}")
    return 0
