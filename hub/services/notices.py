"""Owner notices: what a volunteer must hear through a channel only they hold (their phone),
never in the answer to whoever caused it — e.g. that someone tried to register with their ID
number. The notice is written in the transaction of the event (``owner_notice``, sql/0014), and
so is its outbox event (sql/0030), which the notification channels deliver; the server log
keeps its one line (no personal data)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from hub.services.outbox import EventKind, EventSubject, Recipient, record
from hub.store import notices as store
from hub.store.base import Database

log = logging.getLogger(__name__)


OUTBOX_KINDS = {"registration_attempt": EventKind.REGISTRATION_ATTEMPT,
                "activity_waitlist_promoted": EventKind.WAITLIST_PROMOTED}
"""Each notice's outbox event (issue 15.2): the notice is also an event of the outbox,
recorded in the same transaction, so the volunteer is told through their channels (the inbox,
WeChat, SMS) rather than the server log alone."""


async def tell_owner(tx: Database, *, volunteer_id: int, kind: str,
                     about: EventSubject | None = None,
                     payload: Mapping[str, Any] | None = None) -> int:
    """Record a notice for ``volunteer_id`` (and its outbox event: about ``about``, default
    the volunteer, with ``payload``); returns the notice's id."""
    notice = await store.create(tx, volunteer_id=volunteer_id, kind=kind)
    if kind in OUTBOX_KINDS:
        await record(tx, kind=OUTBOX_KINDS[kind],
                     subject=about or EventSubject("volunteer", volunteer_id),
                     recipients=[Recipient.volunteer(volunteer_id)], payload=payload or {})
    log.info("owner notice %d for volunteer %d: %s", notice, volunteer_id, kind)
    return notice
