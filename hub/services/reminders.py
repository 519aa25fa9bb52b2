"""Reminders (issue 15.2): 24 hours and 2 hours before a booking's window starts, and an hour
before an offer's deadline, each recorded once as an outbox event (its ``once_key``, unique:
``reminder_24h:dispatch:<id>``), by a periodic step (hub.services.sweeps.STEPS) the job queue
runs once per period across its workers. A booking made less than 2 hours before it starts
gets the 2-hour reminder only; idempotent: a second run, or two at once, records none twice
(the unique key decides).

Activity sign-ups get the same two reminders (``reminder_24h:signup:<activity>:<volunteer>``)
while they are signed up (not waitlisted, not yet checked in, not cancelled) to a published
activity, with the activity's title, time and place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

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
SIGNUP_KINDS = frozenset({EventKind.REMINDER_24H, EventKind.REMINDER_2H})
BATCH = 500

Batch = Callable[[Database, EventKind, float, float, int], Awaitable[int]]
"""Record up to n reminders of a kind due in (now + from_s, now + to_s] in the transaction
given; how many."""


async def _dispatches(tx: Database, kind: EventKind, from_s: float, to_s: float,
                      n: int) -> int:
    due = await store.list_due_reminders(tx, kind=kind.value, from_s=from_s, to_s=to_s, limit=n)
    for dispatch_id in due:
        await tell.dispatches(tx, kind, [dispatch_id],
                              once_key=f"{kind.value}:dispatch:{dispatch_id}")
    return len(due)


async def _signups(tx: Database, kind: EventKind, from_s: float, to_s: float, n: int) -> int:
    if kind not in SIGNUP_KINDS:
        return 0
    due = await store.list_due_signup_reminders(tx, kind=kind.value, from_s=from_s, to_s=to_s,
                                                limit=n)
    for row in due:
        await tell.signup(tx, kind, row, once_key=(
            f"{kind.value}:signup:{row['activity_id']}:{row['volunteer_id']}"))
    return len(due)


async def _record(db: Database, batch_of: Batch, batch: int) -> int:
    done = 0
    for kind, from_s, to_s in WINDOWS:
        while True:
            async with db.transaction() as tx:
                n = await batch_of(tx, kind, from_s, to_s, batch)
            done += n
            if n < batch:
                break
    return done


async def remind_due(db: Database, *, batch: int = BATCH) -> int:
    """Record every reminder now due (bookings, offers, activity sign-ups); how many."""
    return await _record(db, _dispatches, batch) + await _record(db, _signups, batch)
