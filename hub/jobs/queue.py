"""The hub's procrastinate app: every task, its queue, retries and schedule, in one place.

:func:`make_app` builds a fresh :class:`procrastinate.App` (nothing is registered at import),
so a worker, the CLI and each test make their own. Tasks reach the hub's database and settings
through the worker's context (:class:`hub.jobs.context.Resources`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import procrastinate
from procrastinate.jobs import Job

from hub.jobs import deliveries, fanout, notify, steps
from hub.services.sweeps import STEPS
from hub.settings import JobSettings

PERIODIC_QUEUE = "periodic"  # the background steps and the queue's own upkeep
PREFIX = "hub."  # every task's name: hub.<step>; a job names its task, so names never change


class Backoff(procrastinate.BaseRetryStrategy):
    """Retry a failed job after ``base_s``, then twice as long each time (at most ``max_s``),
    until it has been tried ``max_attempts`` times; then it stays ``failed``: a dead letter."""

    def __init__(self, *, max_attempts: int, base_s: float, max_s: float) -> None:
        self.max_attempts, self.base_s, self.max_s = max_attempts, base_s, max_s

    def wait_s(self, tried: int) -> float:
        """The wait after the ``tried``-th failed try (1 for the first)."""
        return min(self.base_s * 2 ** (tried - 1), self.max_s)

    def get_retry_decision(self, *, exception: BaseException,
                           job: Job) -> procrastinate.RetryDecision | None:
        tried = job.attempts + 1  # procrastinate counts the tries before this one
        if tried >= self.max_attempts:
            return None
        later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=self.wait_s(tried))
        return procrastinate.RetryDecision(retry_at=later)


def backoff(jobs: JobSettings) -> Backoff:
    """The retry strategy of every hub task."""
    return Backoff(max_attempts=jobs.max_attempts, base_s=jobs.retry_base_s,
                   max_s=jobs.retry_max_s)


def every(period_s: int) -> str:
    """A cron line (procrastinate's, seconds in a 6th column) for every ``period_s``: a
    divisor of a minute, or whole minutes dividing an hour (``JobSettings`` checks)."""
    if period_s < 60:
        return f"* * * * * */{period_s}"
    return f"*/{period_s // 60} * * * *"


def make_app(jobs: JobSettings, connector: procrastinate.BaseConnector, *,
             periodic: bool = True) -> procrastinate.App:
    """The hub's app on ``connector``: every task, and unless ``periodic`` is false (tests
    that run tasks of their own), their schedules."""
    app = procrastinate.App(connector=connector)
    retry = backoff(jobs)
    schedule: list[tuple[str, Callable[..., Any]]] = [
        *((every(jobs.sweep_s), steps.step_task(step)) for step in STEPS),
        ("*/1 * * * *", steps.retry_stalled_jobs),
        ("7 * * * *", steps.prune_jobs),
    ]
    for cron, function in schedule:
        name = PREFIX + function.__name__
        # lock: one run of a step at a time across workers; queueing_lock: at most one
        # waiting, so a slow or retrying step is not queued again every period.
        task = app.task(name=name, queue=PERIODIC_QUEUE, retry=retry, pass_context=True,
                        lock=name, queueing_lock=name)(function)
        if periodic:
            app.periodic(cron=cron, periodic_id=name)(task)
    deliveries.register(app, retry)  # notifications: fan-out, one queue per channel
    notify.register(app, retry, periodic=periodic)  # the outbox's relay, partner webhooks
    fanout.register(app, retry)  # parts of a fanned-out dispatch (docs/matching.md)
    return app
