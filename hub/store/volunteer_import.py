"""A file's volunteers loaded in bulk (集体注册): COPY into a temporary stage, then one statement
moves the new ones into ``volunteer`` and links their teams.

SQL text: bench_import's 100,000-row lines measure this path (the COPY and the one statement
that inserts volunteers, memberships and captains together); its columns are
:data:`hub.store.volunteers.WRITABLE`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from hub.store.base import Database
from hub.store.volunteers import WRITABLE

STAGE = "registration_stage"
STAGE_COLUMNS = ("row_number", "team_id", "team_role", *WRITABLE)


async def create_stage(db: Database) -> None:
    """A temporary stage for :func:`copy_stage` rows, dropped at commit (in a transaction; a
    second import in the same transaction reuses it, emptied by :func:`copy_stage`)."""
    await db.fetch(
        f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} ON COMMIT DROP AS SELECT 0::int AS row_number, "
        "0::bigint AS team_id, ''::text AS team_role, "
        f"{', '.join(WRITABLE)} FROM volunteer WITH NO DATA")


async def copy_stage(db: Database, *, rows: Iterable[Sequence[Any]]) -> None:
    """Empty the stage and COPY rows of :data:`STAGE_COLUMNS` into it."""
    await db.fetch(f"TRUNCATE {STAGE}")
    async with db.connection() as conn, conn.cursor() as cur, cur.copy(
            f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            await copy.write_row(row)


async def create_from_stage(db: Database) -> tuple[int, int]:
    """Move the stage into ``volunteer`` (new ID numbers only) and link the new ones' teams.

    Returns (volunteers inserted, memberships inserted).
    """
    cols = ", ".join(WRITABLE)
    rows = await db.fetch(
        f"WITH ins AS (INSERT INTO volunteer ({cols}) SELECT {cols} FROM {STAGE} "
        "ORDER BY row_number ON CONFLICT (id_number_hash) DO NOTHING "
        "RETURNING id, id_number_hash), "
        "mem AS (INSERT INTO membership (volunteer_id, organization_id, role) "
        f"SELECT ins.id, s.team_id, s.team_role FROM ins JOIN {STAGE} s "
        "ON s.id_number_hash = ins.id_number_hash WHERE s.team_id IS NOT NULL "
        "ON CONFLICT DO NOTHING RETURNING volunteer_id, organization_id, role), "
        "cap AS (UPDATE organization o SET captain_id = mem.volunteer_id FROM mem "
        "WHERE mem.role = 'captain' AND o.id = mem.organization_id AND o.captain_id IS NULL "
        "RETURNING 1) "
        "SELECT (SELECT count(*) FROM ins) AS volunteers, (SELECT count(*) FROM mem) AS members")
    return (int(rows[0]["volunteers"]), int(rows[0]["members"])) if rows else (0, 0)
