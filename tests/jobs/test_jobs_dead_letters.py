"""A job that keeps failing is retried with exponential backoff, then stays failed with its
error (a dead letter): listed with why, counted on /metrics, and tried again on request."""

from __future__ import annotations

import itertools
import time

import psycopg
import pytest

from hub.app import job_counts
from hub.jobs import dead_letters
from hub.jobs.queue import Backoff, backoff, every
from hub.metrics import Metrics
from hub.settings import Settings
from tests.jobs.conftest import FAST, a_worker, running, until


def test_backoff_doubles_up_to_its_bound_and_stops_after_the_last_try():
    retry = Backoff(max_attempts=4, base_s=2.0, max_s=5.0)
    assert [retry.wait_s(n) for n in (1, 2, 3)] == [2.0, 4.0, 5.0]
    assert every(1) == "* * * * * */1" and every(30) == "* * * * * */30"
    assert every(60) == "*/1 * * * *" and every(900) == "*/15 * * * *"


async def test_a_failing_job_is_retried_with_backoff_then_dead_lettered_with_its_error(
        fast: Settings, empty_queue: str, jobs_url: str):
    tries: list[float] = []

    async def flaky(**_kwargs: object) -> None:
        tries.append(time.monotonic())
        raise RuntimeError(f"the gateway refused, try {len(tries)}")

    async with a_worker(empty_queue, fast, periodic=False) as w:
        task = w.app.task(name="test.flaky", retry=backoff(fast.jobs))(flaky)
        job_id = await task.defer_async(notice=7)

        async def failed() -> bool:
            [job] = await w.app.job_manager.list_jobs_async(id=job_id)
            return job.status == "failed"

        async with running(w.run(name="w1")):
            await until(failed)
        assert len(tries) == FAST.max_attempts == 3
        gaps = [b - a for a, b in itertools.pairwise(tries)]
        # Each retry waits at least its backoff (0.2 s, then 0.4 s); polling adds a little.
        assert gaps[0] >= 0.19 and gaps[1] >= 0.39, gaps
        assert gaps[1] > gaps[0]

        [letter] = await dead_letters.failed(w.app, w.resources.db)
        assert (letter.job_id, letter.task, letter.attempts) == (job_id, "test.flaky", 3)
        assert letter.args == {"notice": 7}
        assert letter.error is not None
        assert "RuntimeError: the gateway refused, try 3" in letter.error
        assert "Traceback" in letter.error
        with psycopg.connect(jobs_url) as conn:
            attempts = conn.execute("SELECT attempt FROM job_error WHERE job_id = %s "
                                    "ORDER BY attempt", (job_id,)).fetchall()
        assert attempts == [(1,), (2,), (3,)]  # every try's error was kept

        counts = await job_counts(w.resources.db)
        assert counts == {"failed": 1}
        metrics = Metrics()
        metrics.job_states(counts)
        text = metrics.exposition().decode()
        assert 'hub_jobs{state="failed"} 1.0' in text and 'hub_jobs{state="todo"} 0.0' in text

        # Retried on request: it runs once more (it keeps its attempts) and fails again.
        assert await dead_letters.retry(w.app, job_id)
        assert not await dead_letters.retry(w.app, job_id)  # queued now, not failed
        assert not await dead_letters.retry(w.app, 10**12)
        async with running(w.run(name="w1")):
            await until(lambda: _tried(tries, 4))
            await until(failed)
        [again] = await dead_letters.failed(w.app, w.resources.db)
        assert again.error is not None and "try 4" in again.error


async def _tried(tries: list[float], n: int) -> bool:
    return len(tries) >= n


async def test_the_listing_is_bounded(fast: Settings, empty_queue: str):
    async with a_worker(empty_queue, fast, periodic=False) as w:
        assert await dead_letters.failed(w.app, w.resources.db) == []
        with pytest.raises(ValueError, match=r"limit must be 1\.\.1000, got 0"):
            await dead_letters.failed(w.app, w.resources.db, limit=0)
