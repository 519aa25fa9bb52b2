"""Reminders (issue 15.2): 24 hours and 2 hours before a booking's window starts, and an hour
before an offer's deadline, each recorded once as an outbox event (its ``once_key``, unique:
``reminder_24h:dispatch:<id>``), by a periodic step (hub.services.sweeps.STEPS) the job queue
runs once per period across its workers. A booking made less than 2 hours before it starts
gets the 2-hour reminder only; idempotent: a second run, or two at once, records none twice
(the unique key decides)."""

from __future__ import annotations

from hub.services import tell
from hub.services.outbox import EventKind
from hub.store import outbox as store
from hub.store.base import Database

HOUR_S = 3600.0
WINDOWS = (
    (EventKind.REMINDER_24H, 2 * HOUR_S, 24 * HOUR_S),  # starts in (2 h, 24 h]
    (EventKind.REMINDER_2H, 0.0, 2 * HOUR_S),  # starts in (now, 2 h]
    (EventKind.OFFER_EXPIRING, 0.0, 1 * HOUR_S),  # the offer's deadline within the hour
)
BATCH = 500


async def remind_due(db: Database, *, batch: int = BATCH) -> int:
    """Record every reminder now due; returns how many were recorded."""
    done = 0
    for kind, from_s, to_s in WINDOWS:
        while True:
            async with db.transaction() as tx:
                due = await store.list_due_reminders(tx, kind=kind.value, from_s=from_s,
                                                     to_s=to_s, limit=batch)
                for dispatch_id in due:
                    await tell.dispatches(tx, kind, [dispatch_id],
                                          once_key=f"{kind.value}:dispatch:{dispatch_id}")
            done += len(due)
            if len(due) < batch:
                break
    return done
