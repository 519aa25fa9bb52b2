"""Workers share the queue: each job runs to completion once whichever workers are up, a
periodic step is deferred once per period however many workers defer it, and a step run twice
at once acts on each due item once."""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import logging
from typing import Any

import procrastinate
import psycopg
import pytest

from hub.jobs.queue import PREFIX
from hub.services import sweeps
from hub.settings import Settings
from tests.jobs.conftest import a_worker, running, until
from tests.records import race_world as race

JOBS = 50


async def test_two_workers_share_fifty_jobs_each_run_once_to_completion(
        fast: Settings, empty_queue: str, jobs_url: str):
    ran: list[tuple[str | None, int]] = []

    async def count(context: procrastinate.JobContext, n: int) -> None:
        await asyncio.sleep(0.01)  # long enough for the other worker to take its share
        ran.append((context.worker_name, n))

    async with a_worker(empty_queue, fast, periodic=False) as one, \
            a_worker(empty_queue, fast, periodic=False) as two:
        tasks = [w.app.task(name="test.count", pass_context=True)(count) for w in (one, two)]
        for n in range(JOBS):
            await tasks[n % 2].defer_async(n=n)
        # Both drain the queue at once and stop when nothing is left (wait=False).
        await asyncio.gather(one.run(name="one", wait=False, concurrency=3),
                             two.run(name="two", wait=False, concurrency=3))
    assert sorted(n for _, n in ran) == list(range(JOBS)), "a job ran twice or never"
    by_worker = collections.Counter(name for name, _ in ran)
    assert set(by_worker) == {"one", "two"} and sum(by_worker.values()) == JOBS, by_worker
    with psycopg.connect(jobs_url) as conn:
        states = conn.execute("SELECT status::text, count(*) FROM procrastinate_jobs "
                              "GROUP BY 1").fetchall()
    assert states == [("succeeded", JOBS)]


async def test_each_periodic_step_runs_once_per_period_across_two_workers(
        fast: Settings, empty_queue: str, jobs_url: str, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG, logger="procrastinate.periodic")
    async with a_worker(empty_queue, fast, periodic=True) as one, \
            a_worker(empty_queue, fast, periodic=True) as two:

        async def periods_done() -> bool:
            with psycopg.connect(jobs_url) as conn:
                row = conn.execute(
                    "SELECT min(n) FROM (SELECT count(*) AS n FROM procrastinate_jobs "
                    "WHERE status = 'succeeded' AND task_name = ANY(%s) GROUP BY task_name) t "
                    "HAVING count(*) = %s", ([PREFIX + s.name for s in sweeps.STEPS],
                                             len(sweeps.STEPS))).fetchone()
            return row is not None and row[0] >= 3

        async with running(one.run(name="one"), two.run(name="two")):
            await until(periods_done, timeout_s=20)
    with psycopg.connect(jobs_url) as conn:
        twice = conn.execute(
            "SELECT task_name, args->>'timestamp', count(*) FROM procrastinate_jobs "
            "GROUP BY 1, 2 HAVING count(*) > 1").fetchall()
        ran = conn.execute(
            "SELECT task_name, count(*) FROM procrastinate_jobs WHERE status = 'succeeded' "
            "GROUP BY 1").fetchall()
        failed = conn.execute("SELECT count(*) FROM procrastinate_jobs "
                              "WHERE status = 'failed'").fetchone()
    assert twice == [], "a period was deferred twice"
    # Both workers tried to defer the same periods: the database let one through each time.
    actions = collections.Counter(getattr(r, "action", None) for r in caplog.records)
    assert actions["periodic_task_deferred"] == sum(n for _, n in ran), actions
    assert actions["periodic_task_already_deferred"] >= len(sweeps.STEPS), actions
    assert failed == (0,)
    # Each step ran once per job, in one of the two workers, and counted its outcome there.
    outcomes = collections.Counter(step for step, outcome, _ in one.outcomes + two.outcomes
                                   if outcome == "ok")
    for step in sweeps.STEPS:
        assert outcomes[step.name] == dict(ran)[PREFIX + step.name] >= 3, (outcomes, ran)
    # Once per minute for both workers (twice if the test straddles a minute).
    assert dict(ran)[PREFIX + "retry_stalled_jobs"] in (1, 2)


async def test_a_step_run_twice_at_once_confirms_a_due_record_once(
        fast: Settings, empty_queue: str, jobs_url: str):
    async with await psycopg.AsyncConnection.connect(jobs_url) as conn:
        world: dict[str, Any] = await race.make_world(conn, pending=1, checkouts=0)
        [record] = world["pending"]
        await conn.execute("UPDATE service_record_pending SET since = since - interval '2 days',"
                           " due_at = NULL WHERE record_id = %s", (record,))
        await conn.commit()
    confirm = next(s for s in sweeps.STEPS if s.name == "confirm_records")
    async with a_worker(empty_queue, fast, periodic=False) as one, \
            a_worker(empty_queue, fast, periodic=False) as two:
        done = await asyncio.gather(*(sweeps.run_step(
            w.resources.db, confirm, ttl_s=600,
            auto_confirm_s=dt.timedelta(days=1).total_seconds()) for w in (one, two)))
    assert sorted(done) == [0, 1]
    with psycopg.connect(jobs_url) as conn:
        confirmations = conn.execute("SELECT count(*) FROM service_record_confirmation "
                                     "WHERE record_id = %s", (record,)).fetchone()
        postings = conn.execute("SELECT count(*) FROM ledger_transaction "
                                "WHERE service_record_id = %s", (record,)).fetchone()
    assert confirmations == (1,) and postings == (1,)


async def test_a_job_left_doing_by_a_dead_worker_is_tried_again_and_completed(
        fast: Settings, empty_queue: str, jobs_url: str):
    ran: list[int] = []

    async def count(n: int) -> None:
        ran.append(n)

    # A worker that died mid-job: its job is `doing`, its heartbeat a minute old.
    with psycopg.connect(jobs_url, autocommit=True) as conn:
        row = conn.execute("INSERT INTO procrastinate_workers (last_heartbeat) VALUES "
                           "(now() - interval '1 minute') RETURNING id").fetchone()
        assert row is not None
        conn.execute("INSERT INTO procrastinate_jobs (queue_name, task_name, status, args, "
                     "worker_id) VALUES ('default', 'test.count', 'doing', '{\"n\": 7}', %s)",
                     (row[0],))
    async with a_worker(empty_queue, fast, periodic=False) as w:
        w.app.task(name="test.count")(count)
        await w.app.configure_task(PREFIX + "retry_stalled_jobs").defer_async(timestamp=0)

        async def completed() -> bool:
            jobs = await w.app.job_manager.list_jobs_async(task="test.count")
            return [job.status for job in jobs] == ["succeeded"]

        async with running(w.run(name="survivor")):
            await until(completed)
    assert ran == [7]
