"""Owner notices: what a volunteer must hear through a channel only they hold (their phone),
never in the answer to whoever caused it — e.g. that someone tried to register with their ID
number. The notice is written in the transaction of the event (``owner_notice``, sql/0014); until
the notification channels deliver it, the demo's channel is the server log (one line, no
personal data)."""

from __future__ import annotations

import logging

from hub.store import notices as store
from hub.store.base import Database

log = logging.getLogger(__name__)


async def tell_owner(tx: Database, *, volunteer_id: int, kind: str) -> int:
    """Record a notice for ``volunteer_id``; returns its id."""
    notice = await store.create(tx, volunteer_id=volunteer_id, kind=kind)
    log.info("owner notice %d for volunteer %d: %s", notice, volunteer_id, kind)
    return notice
