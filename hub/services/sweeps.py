"""Background work of the dispatch lifecycle: offers that expire, claims nobody approved before
the demand started (抢单), demands whose window starts or ends with nobody acting, pending
records that confirm themselves. Each is a :data:`STEPS` entry; the job queue's workers run
each as a periodic job, once per period across all of them (``hub.jobs``, docs/jobs.md), and
:func:`sweep` runs them all once in this process. They act as the hub itself
(``hub.services.workflow.HUB_ACTOR``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from hub.db.pool import DatabaseUnavailable
from hub.services import claims, escalation, fanout, records, reminders, teams
from hub.services.workflow import SWEEP_BATCH, WorkflowError, change, expire, expired
from hub.store import demands
from hub.store import dispatch as store
from hub.store.base import ConnectionDatabase, Database, Row

log = logging.getLogger(__name__)
StepOutcome = Callable[[str, str, int], None]  # (step, outcome, items handled)


async def expire_due(db: Database, *, ttl_s: int, limit: int = SWEEP_BATCH) -> int:
    """Expire offers past their deadline and offer their slots again; returns how many.
    Idempotent: each offer is locked and checked again (still offered, still past its
    deadline) before it expires, so a second run at once or a retry expires none twice."""
    done = 0
    for dispatch_id in await _due(db, limit):
        try:
            await change(db, dispatch_id, "expired",
                          lambda tx, row: _expire_quietly(tx, row, ttl_s))
            done += 1
        except WorkflowError as exc:  # answered or expired by another process meanwhile
            log.debug("offer %s not expired: %s", dispatch_id, exc)
    return done


async def _due(db: Database, limit: int) -> list[int]:
    async with db.transaction() as tx:
        return await store.lock_due_offers(tx, limit=limit)


async def _expire_quietly(tx: ConnectionDatabase, row: Row, ttl_s: int) -> None:
    if expired(row):
        await expire(tx, row, ttl_s)


async def settle_due(db: Database, *, batch: int = SWEEP_BATCH) -> None:
    """Settle every demand whose window has started (in progress, or done once it ended),
    a batch per transaction: time passing changes a demand's status with nobody acting.
    Idempotent: a settled demand no longer matches, and rows another run holds are skipped."""
    after: int | None = 0
    while after is not None:
        async with db.transaction() as tx:
            after = await demands.update_status_of_started(tx, after_id=after, limit=batch)


def _ignore(step: str, outcome: str, items: int) -> None:
    """The default :data:`StepOutcome`: nobody counts."""


@dataclass(frozen=True)
class Step:
    """One step of the background work: its name (the job's), what it does (for logs), and
    how it runs given the database, the offers' time to live and the hub's default
    auto-confirm period (None: none; regions' own periods still apply). Each is idempotent:
    it re-checks under row locks that an item is still due before acting, so two runs at once
    (two workers, or a retry after a lost reply) act on each item once."""

    name: str
    what: str
    run: Callable[[Database, int, float | None], Awaitable[object]]


STEPS: tuple[Step, ...] = (
    Step("expire_offers", "expiring overdue offers",
         lambda db, ttl_s, _auto: expire_due(db, ttl_s=ttl_s)),
    Step("expire_claims", "expiring claims nobody approved",
         lambda db, _ttl, _auto: claims.expire_due(db)),
    Step("settle_demands", "settling started demands",
         lambda db, _ttl, _auto: settle_due(db)),
    Step("confirm_records", "confirming pending records",
         lambda db, _ttl, auto_s: records.confirm_due(db, after_s=auto_s or None)),
    # Team dispatch and escalation (issue 15.5-15.6): team offers past their deadline return
    # their unassigned slots, then demands still short take their next escalation step.
    Step("expire_team_offers", "returning overdue team offers' unassigned slots",
         lambda db, _ttl, _auto: teams.expire_due(db)),
    Step("escalate_demands", "escalating short demands up the team tree",
         lambda db, _ttl, _auto: escalation.escalate_due(db)),
    # Reminders (issue 15.2): 24 h and 2 h before a booking, an hour before an offer's
    # deadline, each recorded once in the outbox.
    Step("remind", "recording reminders due", lambda db, _ttl, _auto: reminders.remind_due(db)),
    # Fanned-out matching (issue 17.3): parts whose coordinator died before deleting them.
    Step("match_parts", "deleting fanned-out parts of coordinators that died",
         lambda db, _ttl, _auto: fanout.delete_orphans(db)),
)
"""Every step, in the order :func:`sweep` runs them; the job queue runs each as a periodic job
of its own (``hub.jobs.steps``), so one failing step does not hold up the others."""


async def run_step(db: Database, step: Step, *, ttl_s: int, auto_confirm_s: float | None,
                   outcome: StepOutcome = _ignore) -> int:
    """Run one step; its outcome (``ok``, ``unavailable``, ``failed``) and how many items it
    handled go to ``outcome``. A failure is counted and raised again."""
    try:
        done = await step.run(db, ttl_s, auto_confirm_s)
    except DatabaseUnavailable:
        outcome(step.name, "unavailable", 0)
        raise
    except Exception:
        outcome(step.name, "failed", 0)
        raise
    items = done if isinstance(done, int) else 0
    outcome(step.name, "ok", items)
    return items


async def sweep(db: Database, *, ttl_s: int, auto_confirm_s: float | None,
                stop: asyncio.Event | None = None, outcome: StepOutcome = _ignore) -> None:
    """One pass of every step in this process (tests; the worker runs them as jobs): expire
    overdue offers and unapproved claims, settle started demands, and confirm pending records
    whose region's period has passed, or ``auto_confirm_s`` where no region above them sets
    one (None or 0: no default period). A step that fails is logged and the others still
    run; none starts once ``stop`` is set. Each step's outcome goes to ``outcome``
    (:func:`run_step`)."""
    for step in STEPS:
        if stop is not None and stop.is_set():
            return
        try:
            await run_step(db, step, ttl_s=ttl_s, auto_confirm_s=auto_confirm_s,
                           outcome=outcome)
        except DatabaseUnavailable as exc:  # an outage: one line, and the next pass retries
            log.warning("%s skipped: %s", step.what, exc)
        except Exception:  # logged and retried next time
            log.exception("%s failed", step.what)
