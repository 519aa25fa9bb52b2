"""Statements on ``dispatch_plan``: the matcher's stored plans (a preview kept to be committed),
locked when committed and marked so. The offers a plan makes are :mod:`hub.store.dispatch`'s.
Every statement is built with SQLAlchemy Core on :mod:`hub.store.tables` and run by
:mod:`hub.store.sql`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import TIMESTAMPTZ, dispatch_plan

_BY = sa.bindparam("by", type_=sa.Text)
_PERIOD = sa.func.tstzrange(sa.bindparam("starts", type_=TIMESTAMPTZ),
                            sa.bindparam("ends", type_=TIMESTAMPTZ), type_=pg.TSTZRANGE)

p = dispatch_plan
_PLAN_ID = sa.bindparam("id", type_=pg.UUID)
_CREATE_PLAN = sql.compiled(sa.insert(p).values(
    region_code=sa.bindparam("region", type_=sa.Text), period=_PERIOD,
    options=sa.bindparam("options"), plan=sa.bindparam("plan"), stats=sa.bindparam("stats"),
    created_by=_BY).returning(sa.cast(p.c.id, sa.Text).label("id")))
_PLAN_REGION = sql.compiled(sa.select(p.c.region_code).where(p.c.id == _PLAN_ID))
_LOCK_PLAN = sql.compiled(sa.select(
    sa.cast(p.c.id, sa.Text).label("id"), p.c.region_code,
    sa.func.lower(p.c.period).label("starts_at"), sa.func.upper(p.c.period).label("ends_at"),
    p.c.plan, p.c.committed_at).where(p.c.id == _PLAN_ID).with_for_update())
_PLAN_COMMITTED = sql.compiled(sa.update(p).where(p.c.id == _PLAN_ID).values(
    committed_at=sa.func.now(), committed_by=_BY))


async def create_plan(db: Database, *, region_code: str, starts: datetime, ends: datetime,
                      options: dict[str, Any], plan: dict[str, Any], created_by: str) -> str:
    """Store a plan (not yet committed); return its id."""
    rows = await sql.fetch(db, _CREATE_PLAN, {
        "region": region_code, "starts": starts, "ends": ends, "options": Jsonb(options),
        "plan": Jsonb(plan), "stats": Jsonb(plan["stats"]), "by": created_by})
    return str(rows[0]["id"])


async def get_plan_region(db: Database, *, plan_id: str) -> str | None:
    """The division a stored plan dispatches in, or None when there is no such plan."""
    rows = await sql.fetch(db, _PLAN_REGION, {"id": plan_id})
    return str(rows[0]["region_code"]) if rows else None


async def lock_plan(db: Database, *, plan_id: str) -> Row | None:
    """A stored plan, locked for the rest of the transaction."""
    rows = await sql.fetch(db, _LOCK_PLAN, {"id": plan_id})
    return rows[0] if rows else None


async def update_plan_committed(db: Database, *, plan_id: str, by: str) -> None:
    """Record that a plan was committed."""
    await sql.fetch(db, _PLAN_COMMITTED, {"id": plan_id, "by": by})
