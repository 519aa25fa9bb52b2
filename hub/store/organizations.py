"""SQL for organisations (科技志愿服务组织) and their tree, projects and activities."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hub.store.base import Database, Row
from hub.store.listing import Cursor, Filters, ListSpec, fetch_page

ORG_SPEC = ListSpec("organization", (
    "t.id, t.name, t.level, t.parent_id, t.region_code, t.kind, t.status, t.captain_id, "
    "t.path::text AS path, t.created_at"))
PROJECT_COLUMNS = ("t.id, t.name, t.description, t.owner_id, t.category, lower(t.period) AS "
                   "starts_on, upper(t.period) AS ends_on, t.funding_yuan, t.status")
ACTIVITY_COLUMNS = (
    "t.id, t.title, t.description, t.organization_id, t.project_id, t.category, "
    "lower(t.time_window) AS starts_at, upper(t.time_window) AS ends_at, t.station_id, "
    "t.region_code, t.capacity, t.signed_up, t.status, ST_X(t.location_geom) AS lon, "
    "ST_Y(t.location_geom) AS lat, NULL::float8 AS distance_m")


@dataclass(frozen=True)
class OrganizationFilter:
    """Conditions on organisations."""

    region_prefix: str | None = None
    levels: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    parent_id: int | None = None
    roots_only: bool = False
    name_contains: str | None = None


def _filters(f: OrganizationFilter) -> Filters:
    out = Filters()
    out.region(f.region_prefix)
    out.any_of("level", f.levels)
    out.any_of("kind", f.kinds)
    out.any_of("status", f.statuses)
    if f.parent_id is not None:
        out.add("t.parent_id = %(parent_id)s", parent_id=f.parent_id)
    if f.roots_only:
        out.add("t.parent_id IS NULL")
    if f.name_contains:
        escaped = f.name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        out.add("t.name LIKE %(name_like)s", name_like=f"%{escaped}%")
    return out


async def list_(db: Database, *, filter: OrganizationFilter, first: int,
                after: Cursor | None) -> list[Row]:
    """A page of organisations in id order."""
    return await fetch_page(db, ORG_SPEC, _filters(filter), first=first, after=after, near=None,
                            within=None)


async def count_(db: Database, *, filter: OrganizationFilter) -> int:
    """How many organisations match."""
    where = _filters(filter)
    rows = await db.fetch(f"SELECT count(*) AS n FROM organization t WHERE {where.sql()}",
                          where.params)
    return int(rows[0]["n"])


async def get_many(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Organisations by id."""
    return await db.fetch(f"SELECT {ORG_SPEC.columns} FROM organization t "
                          "WHERE t.id = ANY(%(ids)s)",
                          {"ids": list(ids)})


async def children_of(db: Database, *, parent_ids: Sequence[int]) -> list[Row]:
    """Direct children of these organisations, by name."""
    return await db.fetch(f"SELECT {ORG_SPEC.columns} FROM organization t "
                          "WHERE t.parent_id = ANY(%(ids)s) ORDER BY t.name, t.id",
                          {"ids": list(parent_ids)})


async def member_counts(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Direct members and members in the whole subtree (distinct volunteers) per organisation."""
    return await db.fetch(
        "SELECT o.id, (SELECT count(*) FROM membership m WHERE m.organization_id = o.id) AS direct,"
        " (SELECT count(DISTINCT m.volunteer_id) FROM membership m JOIN organization c"
        "   ON c.id = m.organization_id WHERE c.path <@ o.path) AS subtree"
        " FROM organization o WHERE o.id = ANY(%(ids)s)", {"ids": list(ids)})


async def member_rows(db: Database, *, organization_ids: Sequence[int], limit: int) -> list[Row]:
    """Up to ``limit`` direct members of each organisation (captain and admins first)."""
    return await db.fetch(
        "SELECT x.organization_id, x.volunteer_id, x.role FROM unnest(%(ids)s::bigint[]) AS o(id)"
        " CROSS JOIN LATERAL (SELECT m.organization_id, m.volunteer_id, m.role FROM membership m"
        "  WHERE m.organization_id = o.id ORDER BY m.role = 'member', m.volunteer_id"
        "  LIMIT %(limit)s) x", {"ids": list(organization_ids), "limit": limit})


async def projects_by_ids(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Projects by id."""
    return await db.fetch(f"SELECT {PROJECT_COLUMNS} FROM project t WHERE t.id = ANY(%(ids)s)",
                          {"ids": list(ids)})


async def projects_of(db: Database, *, owner_ids: Sequence[int]) -> list[Row]:
    """Projects owned by these organisations."""
    return await db.fetch(f"SELECT {PROJECT_COLUMNS} FROM project t WHERE t.owner_id = "
                          "ANY(%(ids)s) ORDER BY t.id", {"ids": list(owner_ids)})


async def activities_by_ids(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Activities by id."""
    return await db.fetch(f"SELECT {ACTIVITY_COLUMNS} FROM activity t WHERE t.id = ANY(%(ids)s)",
                          {"ids": list(ids)})


async def activities_of_projects(db: Database, *, project_ids: Sequence[int]) -> list[Row]:
    """Activities of these projects, soonest first."""
    return await db.fetch(f"SELECT {ACTIVITY_COLUMNS} FROM activity t WHERE t.project_id = "
                          "ANY(%(ids)s) ORDER BY lower(t.time_window), t.id",
                          {"ids": list(project_ids)})
