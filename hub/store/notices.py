"""Statements on owner notices (owner_notice, migration 0014): what a volunteer must be told."""

from __future__ import annotations

import sqlalchemy as sa

from hub.store import sql
from hub.store.base import Database
from hub.store.tables import owner_notice

_CREATE = sql.compiled(sa.insert(owner_notice).values(
    volunteer_id=sa.bindparam("v"), kind=sa.bindparam("k", type_=sa.Text))
    .returning(owner_notice.c.id))


async def create(db: Database, *, volunteer_id: int, kind: str) -> int:
    """Record something the volunteer must be told through their own channel."""
    rows = await sql.fetch(db, _CREATE, {"v": volunteer_id, "k": kind})
    return int(rows[0]["id"])
