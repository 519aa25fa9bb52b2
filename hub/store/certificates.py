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
from hub.store.tables import certificate, demand, organization, service_record, station

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


_r, _d, _s, _o = service_record, demand, station, organization
_ORGANISERS = sql.compiled(
    sa.select(_r.c.id, _r.c.region_code,
              sa.func.coalesce(_o.c.name, _s.c.name).label("organization"))
    .select_from(_r.outerjoin(_o, _o.c.id == _r.c.organization_id)
                 .outerjoin(_d, _d.c.id == _r.c.demand_id)
                 .outerjoin(_s, _s.c.id == _d.c.station_id))
    .where(_r.c.id == sa.any_(sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger)))))


async def list_record_organisers(db: Database, *, record_ids: Sequence[int]) -> list[Row]:
    """Per record: its region and organiser (组织单位), the recording organisation or else the
    station of its demand (None when it has neither)."""
    return await sql.fetch(db, _ORGANISERS, {"ids": list(record_ids)})
