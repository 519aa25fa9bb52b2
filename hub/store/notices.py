"""Statements on owner notices (owner_notice, migration 0014): what a volunteer must be told."""

from __future__ import annotations

from hub.store.base import Database


async def create(db: Database, *, volunteer_id: int, kind: str) -> int:
    """Record something the volunteer must be told through their own channel."""
    rows = await db.fetch(
        "INSERT INTO owner_notice (volunteer_id, kind) VALUES (%(v)s, %(k)s) RETURNING id",
        {"v": volunteer_id, "k": kind})
    return int(rows[0]["id"])
