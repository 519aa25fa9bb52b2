"""Dead letters: jobs that failed their last try, with why; and trying one again.

procrastinate keeps such a job in its ``failed`` state (listed through its job manager); the
hub's workers recorded each failed try's error (job_error).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import procrastinate

from hub.store import jobs as store
from hub.store.base import Database

MAX_LISTED = 1000


@dataclass(frozen=True)
class DeadLetter:
    """A job that failed its last try."""

    job_id: int
    task: str
    queue: str
    args: dict[str, Any]
    attempts: int
    error: str | None  # the last try's (None: not recorded, e.g. the database was down)
    failed_at: dt.datetime | None


async def failed(app: procrastinate.App, db: Database, *,
                 limit: int = 100) -> list[DeadLetter]:
    """The newest ``limit`` (at most :data:`MAX_LISTED`) dead letters, newest first."""
    if not 1 <= limit <= MAX_LISTED:
        raise ValueError(f"limit must be 1..{MAX_LISTED}, got {limit}")
    jobs = sorted(await app.job_manager.list_jobs_async(status="failed"),
                  key=lambda job: job.id or 0, reverse=True)[:limit]
    errors = await store.list_last_errors(db, job_ids=[job.id for job in jobs if job.id])
    out = []
    for job in jobs:
        assert job.id is not None
        error = errors.get(job.id) or {}
        out.append(DeadLetter(job.id, job.task_name, job.queue, dict(job.task_kwargs),
                              job.attempts, error.get("error"), error.get("failed_at")))
    return out


async def retry(app: procrastinate.App, job_id: int) -> bool:
    """Try dead letter ``job_id`` once more, now (False: no such job, or it is not failed).
    It keeps its attempts, so a failure now leaves it failed again, with the new error."""
    found = list(await app.job_manager.list_jobs_async(id=job_id))
    if not found or found[0].status != "failed":
        return False
    await app.job_manager.retry_job_by_id_async(job_id, dt.datetime.now(dt.UTC))
    return True
