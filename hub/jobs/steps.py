"""The periodic tasks: each background step of ``hub.services.sweeps`` as a job of its own, and
the queue's upkeep. Thin wrappers: the work and its idempotence are the services'."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import procrastinate

from hub.jobs.context import resources
from hub.services import sweeps


def step_task(step: sweeps.Step) -> Callable[[procrastinate.JobContext, int],
                                              Awaitable[int]]:
    """The task that runs ``step`` once for the period starting at ``timestamp``; returns how
    many items it handled. Idempotent as the step is (:class:`hub.services.sweeps.Step`): a
    retry, or a second run of the same period, acts only on what is still due."""

    async def run(context: procrastinate.JobContext, timestamp: int) -> int:
        hub = resources(context)
        return await sweeps.run_step(hub.db, step, ttl_s=hub.settings.dispatch_offer_ttl_s,
                                     auto_confirm_s=hub.settings.record_auto_confirm_s,
                                     outcome=hub.outcome)

    run.__name__ = run.__qualname__ = step.name
    run.__doc__ = f"Periodic: {step.what}."
    return run


async def retry_stalled_jobs(context: procrastinate.JobContext, timestamp: int) -> int:
    """Periodic: jobs left ``doing`` by a worker that died (no heartbeat for 30 s) are tried
    again; returns how many. Idempotent: a job retried is no longer stalled."""
    manager = context.app.job_manager
    stalled = list(await manager.get_stalled_jobs())
    for job in stalled:
        await manager.retry_job(job)
    return len(stalled)


async def prune_jobs(context: procrastinate.JobContext, timestamp: int) -> None:
    """Periodic: delete jobs that succeeded more than ``HUB_JOB_KEEP_HOURS`` ago (failed ones,
    the dead letters, stay until retried or deleted). Idempotent."""
    hours = resources(context).settings.jobs.keep_done_hours
    await context.app.job_manager.delete_old_jobs(nb_hours=hours)
