"""SQL for activity sign-ups (活动报名): the sign-up rows and the activity's counter."""

from __future__ import annotations

from hub.store.base import Database, Row


async def lock(db: Database, *, activity_id: int, volunteer_id: int) -> Row | None:
    """A volunteer's sign-up for an activity, locked for the transaction."""
    rows = await db.fetch(
        "SELECT activity_id, volunteer_id, status, signed_up_at FROM activity_signup "
        "WHERE activity_id = %(a)s AND volunteer_id = %(v)s FOR UPDATE",
        {"a": activity_id, "v": volunteer_id})
    return rows[0] if rows else None


async def set_status(db: Database, *, activity_id: int, volunteer_id: int, status: str) -> Row:
    """Create the sign-up or set its status."""
    rows = await db.fetch(
        "INSERT INTO activity_signup (activity_id, volunteer_id, status) VALUES (%(a)s, %(v)s, "
        "%(status)s) ON CONFLICT (activity_id, volunteer_id) DO UPDATE SET status = "
        "excluded.status, signed_up_at = CASE WHEN excluded.status = 'signed_up' THEN now() "
        "ELSE activity_signup.signed_up_at END RETURNING activity_id, volunteer_id, status, "
        "signed_up_at", {"a": activity_id, "v": volunteer_id, "status": status})
    return rows[0]


async def update_count(db: Database, *, activity_id: int, delta: int) -> int:
    """Add ``delta`` to the activity's sign-up counter (its CHECK refuses overbooking)."""
    rows = await db.fetch("UPDATE activity SET signed_up = signed_up + %(d)s WHERE id = %(a)s "
                          "RETURNING signed_up", {"a": activity_id, "d": delta})
    return int(rows[0]["signed_up"])
