"""Statements on partner webhooks (sql/0030): partners' contracts, their endpoints, and the
delivery log (one row per event and webhook; a replay is a row of its own)."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import outbox_event, partner_contract, webhook, webhook_delivery

e, w, c, d = outbox_event, webhook, partner_contract, webhook_delivery
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))


def _in_regions(codes: sa.ColumnElement[list[str]]) -> sa.ColumnElement[bool]:
    """The event's region lies beneath one of ``codes`` (region codes, by their prefix)."""
    r = sa.func.unnest(codes).table_valued("code").render_derived(name="r")
    return sa.exists(sa.select(sa.literal(1)).select_from(r).where(
        sa.func.starts_with(e.c.region_code, sa.func.hub_region_prefix(r.c.code))))


# Every active webhook whose kinds and regions take the event, within its partner's contract.
_MATCHES = (sa.select(w.c.id.label("webhook_id"), e.c.id.label("event_id"))
            .select_from(e.join(w, e.c.kind == sa.any_(w.c.kinds))
                         .join(c, c.c.partner == w.c.partner))
            .where(e.c.id == sa.any_(_IDS), w.c.active, w.c.deleted_at.is_(None),
                   e.c.region_code.is_not(None), e.c.kind == sa.any_(c.c.kinds),
                   _in_regions(w.c.regions), _in_regions(c.c.regions))
            .order_by(e.c.id, w.c.id))
_made = (pg.insert(d).from_select(["webhook_id", "event_id"], _MATCHES)
         .on_conflict_do_nothing().returning(d.c.id, d.c.webhook_id, d.c.event_id).cte("made"))
_CREATE_DELIVERIES = sql.compiled(
    sa.select(_made.c.id, _made.c.webhook_id, _made.c.event_id, e.c.subject_kind, e.c.subject_id)
    .select_from(_made.join(e, e.c.id == _made.c.event_id)).order_by(_made.c.id))


async def create_deliveries(db: Database, *, event_ids: Sequence[int]) -> list[Row]:
    """One pending delivery per event of ``event_ids`` and webhook that takes it (none twice);
    the rows made, in order (``id``, ``webhook_id``, ``event_id``, ``subject_kind``,
    ``subject_id``)."""
    return await sql.fetch(db, _CREATE_DELIVERIES, {"ids": list(event_ids)})
