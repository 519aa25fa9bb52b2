"""Background work of the dispatch lifecycle: offers that expire, claims nobody approved before
the demand started (抢单), demands whose window starts or ends with nobody acting, pending
records that confirm themselves. One pass is :func:`sweep`;
:func:`background` runs it every ``sweep_s`` while the app serves (issue 15 moves it onto the
job queue). It acts as the hub itself (``hub.services.workflow.HUB_ACTOR``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from hub.db.pool import DatabaseUnavailable
from hub.services import claims, records
from hub.services.workflow import SWEEP_BATCH, WorkflowError, change, expire, expired
from hub.store import demands
from hub.store import dispatch as store
from hub.store.base import ConnectionDatabase, Database, Row

log = logging.getLogger(__name__)
STOP_TIMEOUT_S = 10.0  # how long shutdown waits for a sweep in progress
StepOutcome = Callable[[str, str, int], None]  # (step, outcome, items handled)


async def expire_due(db: Database, *, ttl_s: int, limit: int = SWEEP_BATCH) -> int:
    """Expire offers past their deadline and offer their slots again; returns how many."""
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
    a batch per transaction: time passing changes a demand's status with nobody acting."""
    after: int | None = 0
    while after is not None:
        async with db.transaction() as tx:
            after = await demands.update_status_of_started(tx, after_id=after, limit=batch)


def _ignore(step: str, outcome: str, items: int) -> None:
    """The default :data:`StepOutcome`: nobody counts."""


async def sweep(db: Database, *, ttl_s: int, auto_confirm_s: float | None,
                stop: asyncio.Event | None = None, outcome: StepOutcome = _ignore) -> None:
    """One pass of the background work: expire overdue offers, settle started demands, and
    confirm pending records whose region's period has passed, or ``auto_confirm_s`` where no
    region above them sets one (None or 0: no default period; regions' own still apply). A
    step that fails is logged and the others still run; none starts once ``stop`` is set.
    Each step's outcome (``ok``, ``unavailable``, ``failed``) and how many items it handled go
    to ``outcome`` (the app's metrics)."""
    default_s = auto_confirm_s or None
    steps: tuple[tuple[str, str, Callable[[], Awaitable[object]]], ...] = (
        ("expire_offers", "expiring overdue offers", lambda: expire_due(db, ttl_s=ttl_s)),
        ("expire_claims", "expiring claims nobody approved",
         lambda: claims.expire_due(db)),
        ("settle_demands", "settling started demands", lambda: settle_due(db)),
        ("confirm_records", "confirming pending records",
         lambda: records.confirm_due(db, after_s=default_s)))
    for name, what, step in steps:
        if stop is not None and stop.is_set():
            return
        try:
            done = await step()
        except DatabaseUnavailable as exc:  # an outage: one line, and the next pass retries
            log.warning("%s skipped: %s", what, exc)
            outcome(name, "unavailable", 0)
        except Exception:  # logged and retried next time; the app keeps serving
            log.exception("%s failed", what)
            outcome(name, "failed", 0)
        else:
            outcome(name, "ok", done if isinstance(done, int) else 0)


@contextlib.asynccontextmanager
async def background(db: Database, *, ttl_s: int, sweep_s: float | None,
                     stop_timeout_s: float = STOP_TIMEOUT_S,
                     auto_confirm_s: float | None = None,
                     outcome: StepOutcome = _ignore) -> AsyncIterator[None]:
    """While the app runs: every ``sweep_s``, :func:`sweep` (expire overdue offers, settle
    demands, auto-confirm pending records after their region's period or ``auto_confirm_s``;
    each step's outcome to
    ``outcome``); at exit, stop the sweeper."""
    stop = asyncio.Event()

    async def sweeper() -> None:
        assert sweep_s is not None
        while not stop.is_set():
            await sweep(db, ttl_s=ttl_s, auto_confirm_s=auto_confirm_s, stop=stop,
                        outcome=outcome)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=sweep_s)

    task = asyncio.create_task(sweeper(), name="hub-offer-sweeper") if sweep_s else None
    try:
        yield
    finally:
        if task is not None:
            # Let a sweep in progress finish its transaction; cancel it only if it hangs.
            # (A bare cancel can be lost on Python 3.11: asyncio.wait_for inside psycopg_pool
            # drops one that arrives as a connection does, and the loop would go on forever.)
            stop.set()
            try:
                await asyncio.wait_for(task, timeout=stop_timeout_s)
            except TimeoutError:
                log.warning("the offer sweeper did not stop within %ss", stop_timeout_s)
