"""SQL for divisions (行政区划)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hub.store.base import Database, Row

COLUMNS = ("code, name, level, parent_code, ST_X(centroid_geom) AS lon, ST_Y(centroid_geom) AS lat,"
           " is_remote, is_poor, is_border, is_ethnic, is_revolutionary")


async def get_many(db: Database, *, codes: Sequence[str]) -> list[Row]:
    """Divisions by 12-digit code."""
    return await db.fetch(f"SELECT {COLUMNS} FROM region WHERE code = ANY(%(codes)s)",
                          {"codes": list(codes)})


async def children(db: Database, *, parent_code: str | None) -> list[Row]:
    """Direct children of a division, or the provinces when ``parent_code`` is None."""
    if parent_code is None:
        return await db.fetch(f"SELECT {COLUMNS} FROM region WHERE parent_code IS NULL "
                              "ORDER BY code")
    return await db.fetch(f"SELECT {COLUMNS} FROM region WHERE parent_code = %(code)s "
                          "ORDER BY code", {"code": parent_code})


async def children_of_many(db: Database, *, parent_codes: Sequence[str]) -> list[Row]:
    """Direct children of several divisions."""
    return await db.fetch(f"SELECT {COLUMNS} FROM region WHERE parent_code = ANY(%(codes)s) "
                          "ORDER BY code", {"codes": list(parent_codes)})


async def containing(db: Database, *, code: str, lon: float, lat: float) -> bool:
    """Whether a point lies in a division: inside its boundary, or near its centroid without one."""
    rows = await db.fetch(
        "SELECT CASE WHEN boundary IS NOT NULL THEN ST_Intersects(boundary, "
        "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)) ELSE NULL END AS inside "
        "FROM region WHERE code = %(code)s", {"code": code, "lon": lon, "lat": lat})
    return bool(rows and rows[0]["inside"] is not False)


async def list_known(db: Database, *, codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` (12 digits) are in the region table."""
    wanted = sorted(set(codes))
    if not wanted:
        return set()
    rows = await db.fetch("SELECT code FROM region WHERE code = ANY(%(c)s)", {"c": wanted})
    return {r["code"] for r in rows}
