"""Statements on certificates (志愿服务证明): the signed payload bytes, signature and key id.

Built with SQLAlchemy Core on :mod:`hub.store.tables` and run by :mod:`hub.store.sql`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import certificate

c = certificate
COLUMNS = (c.c.code, c.c.volunteer_id, sa.func.lower(c.c.period).label("period_from"),
           (sa.func.upper(c.c.period, type_=sa.Date) - 1).label("period_to"), c.c.payload,
           c.c.signature, c.c.key_id, c.c.issued_by, c.c.issued_at)
_CREATE = sql.compiled(sa.insert(c).values(
    code=sa.bindparam("code", type_=sa.Text), volunteer_id=sa.bindparam("v"),
    period=sa.func.daterange(sa.bindparam("first", type_=sa.Date),
                             sa.bindparam("last", type_=sa.Date), "[]", type_=pg.DATERANGE),
    payload=sa.bindparam("payload"), signature=sa.bindparam("sig"),
    key_id=sa.bindparam("key", type_=sa.Text), issued_by=sa.bindparam("by", type_=sa.Text),
    issued_at=sa.bindparam("at")).returning(*COLUMNS))
_GET = sql.compiled(sa.select(*COLUMNS).where(c.c.code == sa.bindparam("code", type_=sa.Text)))
_OF_VOLUNTEERS = sql.compiled(sa.select(*COLUMNS).where(
    c.c.volunteer_id == sa.any_(sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))))
    .order_by(c.c.issued_at.desc(), c.c.code))


async def create(db: Database, *, code: str, volunteer_id: int, first: date, last: date,
                 payload: bytes, signature: bytes, key_id: str, issued_by: str,
                 issued_at: datetime) -> Row:
    """Store an issued certificate."""
    rows = await sql.fetch(db, _CREATE, {
        "code": code, "v": volunteer_id, "first": first, "last": last, "payload": payload,
        "sig": signature, "key": key_id, "by": issued_by, "at": issued_at})
    return rows[0]


async def get(db: Database, *, code: str) -> Row | None:
    """A certificate by its canonical code."""
    rows = await sql.fetch(db, _GET, {"code": code})
    return rows[0] if rows else None


async def list_of_volunteers(db: Database, *, volunteer_ids: Sequence[int]) -> list[Row]:
    """Certificates issued to these volunteers, newest first."""
    return await sql.fetch(db, _OF_VOLUNTEERS, {"ids": list(volunteer_ids)})
