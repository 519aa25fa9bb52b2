"""Statements on the in-app inbox (notification, notification_read, sql/0030): the relay's
rows, one per event and addressee; a reader's page, unread count and marks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import notification, notification_read, outbox_event

n, r, e = notification, notification_read, outbox_event
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_READER = sa.bindparam("reader", type_=sa.Text)

# One row per event of ``ids`` and addressee it names (a retried relay adds none).
_to = sa.func.jsonb_array_elements(e.c.recipients).table_valued("value").render_derived(name="t")
_CREATE = sql.compiled(
    pg.insert(n).from_select(
        ["event_id", "recipient_kind", "recipient_ref"],
        sa.select(e.c.id, _to.c.value.op("->>")("kind"), _to.c.value.op("->>")("id"))
        .select_from(e.join(_to, sa.true())).where(e.c.id == sa.any_(_IDS))
        .order_by(e.c.id))
    .on_conflict_do_nothing().returning(n.c.id))


@dataclass(frozen=True)
class Addressee:
    """Whose inbox a reader sees: exact addressees (kind, ref), and the region prefix whose
    region-addressed rows they see too (a dispatcher: their subtree), if any."""

    exact: tuple[tuple[str, str], ...]
    region_prefix: str | None = None


def _mine(to: Addressee) -> sa.ColumnElement[bool]:
    clauses = [sa.and_(n.c.recipient_kind == kind, n.c.recipient_ref == ref)
               for kind, ref in to.exact]
    if to.region_prefix is not None:
        clauses.append(sa.and_(n.c.recipient_kind == "region",
                               sa.func.starts_with(n.c.recipient_ref, to.region_prefix)))
    return sa.or_(*clauses) if clauses else sa.false()


def _unread() -> sa.ColumnElement[bool]:
    return ~sa.exists().where(r.c.notification_id == n.c.id, r.c.reader == _READER)


_read_at = (sa.select(r.c.read_at).where(r.c.notification_id == n.c.id, r.c.reader == _READER)
            .scalar_subquery())


def _listed() -> sa.Select[tuple[object, ...]]:
    return (sa.select(n.c.id, n.c.event_id, n.c.recipient_kind, n.c.recipient_ref,
                      n.c.created_at, e.c.kind, e.c.subject_kind, e.c.subject_id,
                      e.c.region_code, e.c.payload, e.c.created_at.label("event_at"),
                      _read_at.label("read_at"))
            .select_from(n.join(e, e.c.id == n.c.event_id)))


async def create_many(db: Database, *, event_ids: Sequence[int]) -> list[int]:
    """The inbox rows of the events ``event_ids`` (none twice); the ids of those made."""
    return [row["id"] for row in await sql.fetch(db, _CREATE, {"ids": list(event_ids)})]


async def list_(db: Database, *, to: Addressee, reader: str, first: int,
                after_id: int | None, unread_only: bool) -> list[Row]:
    """Up to ``first`` + 1 of ``to``'s rows, newest first, after ``after_id``: the event's
    kind, subject, region, payload and time, and when ``reader`` read it (None: unread)."""
    q = _listed().where(_mine(to)).order_by(n.c.id.desc()).limit(first + 1)
    if after_id is not None:
        q = q.where(n.c.id < after_id)
    if unread_only:
        q = q.where(_unread())
    return await sql.fetch(db, q, {"reader": reader})


async def get_many(db: Database, *, to: Addressee, reader: str, ids: Sequence[int]) -> list[Row]:
    """Those of ``ids`` that are ``to``'s (as :func:`list_` gives them)."""
    q = _listed().where(_mine(to), n.c.id == sa.any_(_IDS)).order_by(n.c.id.desc())
    return await sql.fetch(db, q, {"reader": reader, "ids": list(ids)})


async def count(db: Database, *, to: Addressee, reader: str, unread_only: bool) -> int:
    """How many rows ``to`` has (unread by ``reader`` only, if asked)."""
    q = sa.select(sa.func.count().label("n")).select_from(n).where(_mine(to))
    if unread_only:
        q = q.where(_unread())
    rows = await sql.fetch(db, q, {"reader": reader})
    return int(rows[0]["n"])


async def create_reads(db: Database, *, to: Addressee, reader: str,
                       ids: Sequence[int] | None) -> int:
    """Mark read for ``reader`` those of ``ids`` that are ``to``'s (None: all of them);
    returns how many were unread."""
    chosen = sa.select(n.c.id, _READER).where(_mine(to), _unread())
    if ids is not None:
        chosen = chosen.where(n.c.id == sa.any_(_IDS))
    q = (pg.insert(r).from_select(["notification_id", "reader"], chosen)
         .on_conflict_do_nothing().returning(r.c.notification_id))
    rows = await sql.fetch(db, q, {"reader": reader, "ids": list(ids or [])})
    return len(rows)
