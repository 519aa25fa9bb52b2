"""SQL for registration (注册): volunteers, teams, memberships, exits and erasures, batches."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from psycopg.types.json import Jsonb

from hub.store.base import Database, Row

VOLUNTEER_COLUMNS = (
    "real_name", "id_number_enc", "id_number_hash", "id_number_masked", "phone_enc",
    "phone_hash", "phone_masked", "birth_date", "gender", "education", "cohorts", "skills",
    "home_geom", "region_code", "weekly_availability", "insured_until", "registered_by",
    "import_batch_id", "profile",
)
"""The columns a registration writes, in the order :func:`copy_volunteers` expects."""

UPDATABLE = frozenset({
    "real_name", "phone_enc", "phone_hash", "phone_masked", "education", "cohorts", "skills",
    "home_geom", "region_code", "weekly_availability", "insured_until", "profile",
})
_ERASED = (
    "real_name = %(label)s, id_number_enc = NULL, id_number_hash = NULL, "
    "id_number_masked = NULL, phone_enc = NULL, phone_hash = NULL, phone_masked = NULL, "
    "birth_date = NULL, home_geom = NULL, profile = '{}', erased_at = now()"
)


def _adapt(values: dict[str, Any]) -> dict[str, Any]:
    return {k: Jsonb(v) if k in {"skills", "profile"} else v for k, v in values.items()}


def _point(column: str) -> str:
    return f"ST_GeomFromEWKT(%({column})s)"


async def holder_of(db: Database, *, id_hash: bytes) -> int | None:
    """The id of the volunteer registered with this ID-number hash, if any."""
    rows = await db.fetch("SELECT id FROM volunteer WHERE id_number_hash = %(h)s", {"h": id_hash})
    return int(rows[0]["id"]) if rows else None


async def create_volunteer(db: Database, *, values: dict[str, Any]) -> int | None:
    """Insert one volunteer; ``None`` when the ID number is already registered."""
    cols = [c for c in VOLUNTEER_COLUMNS if c in values]
    placeholders = [_point(c) if c == "home_geom" else f"%({c})s" for c in cols]
    rows = await db.fetch(
        f"INSERT INTO volunteer ({', '.join(cols)}) VALUES ({', '.join(placeholders)}) "
        "ON CONFLICT (id_number_hash) DO NOTHING RETURNING id", _adapt(values))
    return int(rows[0]["id"]) if rows else None


async def update_volunteer(db: Database, *, volunteer_id: int, values: dict[str, Any]) -> bool:
    """Set ``values`` (a subset of :data:`UPDATABLE`) on an active volunteer."""
    bad = set(values) - UPDATABLE
    if bad:
        raise ValueError(f"not updatable: {sorted(bad)}")
    if not values:
        return True
    sets = ", ".join(f"{c} = {_point(c) if c == 'home_geom' else f'%({c})s'}" for c in values)
    rows = await db.fetch(
        f"UPDATE volunteer SET {sets} WHERE id = %(volunteer_id)s AND status <> 'exited' "
        "RETURNING id", {**_adapt(values), "volunteer_id": volunteer_id})
    return bool(rows)


async def volunteer_facts(db: Database, *, volunteer_id: int) -> Row | None:
    """Status, region and the paths of the teams of one volunteer (for authorisation)."""
    rows = await db.fetch(
        "SELECT v.id, v.status, v.region_code, v.erased_at, COALESCE(array_agg(o.path::text) "
        "FILTER (WHERE o.id IS NOT NULL), '{}') AS org_paths FROM volunteer v "
        "LEFT JOIN membership m ON m.volunteer_id = v.id "
        "LEFT JOIN organization o ON o.id = m.organization_id "
        "WHERE v.id = %(id)s GROUP BY v.id", {"id": volunteer_id})
    return rows[0] if rows else None


async def exit_volunteer(db: Database, *, volunteer_id: int) -> int:
    """退出: mark the volunteer exited and cancel their open dispatches; return how many."""
    await db.fetch(
        "UPDATE volunteer SET status = 'exited', exited_at = now() "
        "WHERE id = %(id)s AND status <> 'exited'", {"id": volunteer_id})
    rows = await db.fetch(
        "UPDATE dispatch SET status = 'cancelled', responded_at = now(), "
        "decline_reason = 'volunteer exited' WHERE volunteer_id = %(id)s "
        "AND status IN ('offered', 'accepted') RETURNING id", {"id": volunteer_id})
    return len(rows)


async def erase_volunteer(db: Database, *, volunteer_id: int) -> None:
    """Erase an exited volunteer's personal data; service records keep the anonymised row."""
    await db.fetch(
        f"UPDATE volunteer SET {_ERASED} WHERE id = %(id)s AND status = 'exited'",
        {"id": volunteer_id, "label": f"已注销志愿者 #{volunteer_id}"})


async def known_regions(db: Database, *, codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` (12 digits) are in the region table."""
    wanted = sorted(set(codes))
    if not wanted:
        return set()
    rows = await db.fetch("SELECT code FROM region WHERE code = ANY(%(c)s)", {"c": wanted})
    return {r["code"] for r in rows}


async def registered_hashes(db: Database, *, hashes: Sequence[bytes]) -> set[bytes]:
    """Which of these ID-number hashes are registered already."""
    rows = await db.fetch(
        "SELECT id_number_hash AS h FROM volunteer WHERE id_number_hash = ANY(%(h)s)",
        {"h": list(hashes)})
    return {bytes(r["h"]) for r in rows}


async def create_batch(db: Database, *, values: dict[str, Any]) -> int:
    """Record an import; return its id."""
    cols = list(values)
    rows = await db.fetch(
        f"INSERT INTO import_batch ({', '.join(cols)}) VALUES "
        f"({', '.join(f'%({c})s' for c in cols)}) RETURNING id", values)
    return int(rows[0]["id"])


async def update_batch(db: Database, *, batch_id: int, imported: int, skipped: int,
                       rejected: int) -> None:
    """Record how many rows an import loaded, skipped and rejected."""
    await db.fetch("UPDATE import_batch SET imported = %(i)s, skipped = %(s)s, "
                   "rejected = %(r)s WHERE id = %(b)s",
                   {"i": imported, "s": skipped, "r": rejected, "b": batch_id})


STAGE = "registration_stage"
STAGE_COLUMNS = ("row_number", "team_id", "team_role", *VOLUNTEER_COLUMNS)


async def create_stage(db: Database) -> None:
    """A temporary stage for :func:`copy_stage` rows, dropped at commit (in a transaction)."""
    await db.fetch(
        f"CREATE TEMP TABLE {STAGE} ON COMMIT DROP AS SELECT 0::int AS row_number, "
        "0::bigint AS team_id, ''::text AS team_role, "
        f"{', '.join(VOLUNTEER_COLUMNS)} FROM volunteer WITH NO DATA")


async def copy_stage(db: Database, rows: Iterable[Sequence[Any]]) -> None:
    """Empty the stage and COPY rows of :data:`STAGE_COLUMNS` into it."""
    await db.fetch(f"TRUNCATE {STAGE}")
    async with db.connection() as conn, conn.cursor() as cur, cur.copy(
            f"COPY {STAGE} ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
        for row in rows:
            await copy.write_row(row)


async def insert_stage(db: Database) -> tuple[int, int]:
    """Move the stage into ``volunteer`` (new ID numbers only) and link the new ones' teams.

    Returns (volunteers inserted, memberships inserted).
    """
    cols = ", ".join(VOLUNTEER_COLUMNS)
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
