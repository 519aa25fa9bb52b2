"""SQL for certificates (志愿服务证明): the signed payload bytes, signature and key id."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from hub.store.base import Database, Row

COLUMNS = ("code, volunteer_id, lower(period) AS period_from, upper(period) - 1 AS period_to, "
           "payload, signature, key_id, issued_by, issued_at")


async def create(db: Database, *, code: str, volunteer_id: int, first: date, last: date,
                 payload: bytes, signature: bytes, key_id: str, issued_by: str,
                 issued_at: datetime) -> Row:
    """Store an issued certificate."""
    rows = await db.fetch(
        "INSERT INTO certificate (code, volunteer_id, period, payload, signature, key_id, "
        "issued_by, issued_at) VALUES (%(code)s, %(v)s, daterange(%(first)s, %(last)s, '[]'), "
        f"%(payload)s, %(sig)s, %(key)s, %(by)s, %(at)s) RETURNING {COLUMNS}",
        {"code": code, "v": volunteer_id, "first": first, "last": last, "payload": payload,
         "sig": signature, "key": key_id, "by": issued_by, "at": issued_at})
    return rows[0]


async def get(db: Database, *, code: str) -> Row | None:
    """A certificate by its canonical code."""
    rows = await db.fetch(f"SELECT {COLUMNS} FROM certificate WHERE code = %(code)s",
                          {"code": code})
    return rows[0] if rows else None


async def list_of_volunteers(db: Database, *, volunteer_ids: Sequence[int]) -> list[Row]:
    """Certificates issued to these volunteers, newest first."""
    return await db.fetch(f"SELECT {COLUMNS} FROM certificate WHERE volunteer_id = ANY(%(ids)s) "
                          "ORDER BY issued_at DESC, code", {"ids": list(volunteer_ids)})
