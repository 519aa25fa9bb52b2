"""Statements on imports (import_batch): one row per file loaded, with its counts."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from hub.store import sql
from hub.store.base import Database
from hub.store.tables import import_batch

_UPDATE = sql.compiled(sa.update(import_batch).where(import_batch.c.id == sa.bindparam("id"))
                       .values(imported=sa.bindparam("imported"),
                               skipped=sa.bindparam("skipped"),
                               rejected=sa.bindparam("rejected")))


async def create(db: Database, *, values: dict[str, Any]) -> int:
    """Record an import; return its id."""
    rows = await sql.fetch(db, sa.insert(import_batch).values(values)
                           .returning(import_batch.c.id))
    return int(rows[0]["id"])


async def update(db: Database, *, batch_id: int, imported: int, skipped: int,
                 rejected: int) -> None:
    """Record how many rows an import loaded, skipped and rejected."""
    await sql.fetch(db, _UPDATE, {"id": batch_id, "imported": imported, "skipped": skipped,
                                  "rejected": rejected})
