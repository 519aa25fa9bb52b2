"""Statements on the outbox (outbox_event, sql/0030): events recorded in the transaction of the
change that causes them, claimed by the relay and marked relayed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import outbox_event

e = outbox_event
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_COLUMNS = (e.c.id, e.c.kind, e.c.subject_kind, e.c.subject_id, e.c.region_code, e.c.recipients,
            e.c.payload, e.c.created_at, e.c.relayed_at)
_ins = pg.insert(e).values(
    kind=sa.bindparam("kind", type_=sa.Text),
    subject_kind=sa.bindparam("subject_kind", type_=sa.Text),
    subject_id=sa.bindparam("subject_id", type_=sa.BigInteger),
    region_code=sa.bindparam("region_code", type_=sa.Text),
    recipients=sa.bindparam("recipients", type_=pg.JSONB),
    payload=sa.bindparam("payload", type_=pg.JSONB),
    once_key=sa.bindparam("once_key", type_=sa.Text))
_CREATE = sql.compiled(_ins.on_conflict_do_nothing(index_elements=[e.c.once_key])
                       .returning(e.c.id))
_GET_MANY = sql.compiled(sa.select(*_COLUMNS).where(e.c.id == sa.any_(_IDS)).order_by(e.c.id))
# The relay's claim: the oldest rows not yet relayed that no other relay holds.
_CLAIM = sql.compiled(sa.select(*_COLUMNS).where(e.c.relayed_at.is_(None)).order_by(e.c.id)
                      .limit(sa.bindparam("n", type_=sa.Integer))
                      .with_for_update(skip_locked=True))
_MARK = sql.compiled(sa.update(e).where(e.c.id == sa.any_(_IDS)).values(relayed_at=sa.func.now()))
_COUNT_WAITING = sql.compiled(sa.select(sa.func.count().label("n"))
                              .where(e.c.relayed_at.is_(None)))


async def create(db: Database, *, kind: str, subject_kind: str, subject_id: int,
                 region_code: str | None, recipients: Sequence[Mapping[str, str]],
                 payload: Mapping[str, Any], once_key: str | None = None) -> int | None:
    """Record an event; its id, or None when ``once_key`` was recorded before."""
    rows = await sql.fetch(db, _CREATE, {
        "kind": kind, "subject_kind": subject_kind, "subject_id": subject_id,
        "region_code": region_code, "recipients": Jsonb(list(recipients)),
        "payload": Jsonb(dict(payload)), "once_key": once_key})
    return int(rows[0]["id"]) if rows else None


async def get_many(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """The events of ``ids`` (those that exist), by id."""
    return await sql.fetch(db, _GET_MANY, {"ids": list(ids)})


async def list_unrelayed_locked(db: Database, *, limit: int) -> list[Row]:
    """Lock and return up to ``limit`` events not yet relayed, oldest first, skipping those
    another transaction holds (``FOR UPDATE SKIP LOCKED``)."""
    return await sql.fetch(db, _CLAIM, {"n": limit})


async def update_relayed(db: Database, *, ids: Sequence[int]) -> None:
    """Mark events relayed (their delivery jobs deferred)."""
    await sql.fetch(db, _MARK, {"ids": list(ids)})


async def count_unrelayed(db: Database) -> int:
    """How many events wait for the relay."""
    rows = await sql.fetch(db, _COUNT_WAITING)
    return int(rows[0]["n"])
