"""Statements on stations (站点: 新时代文明实践中心, science museums, community sites).

The map list and its count are SQL text from :mod:`hub.store.listing`, the builder of every
map list, whose ``near`` statement bench_graphql's "near" lines measure; the rest is built
with SQLAlchemy Core (:mod:`hub.store.tables`, run by :mod:`hub.store.sql`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.listing import Cursor, Filters, ListSpec, Near, Within, fetch_page, get_by_ids
from hub.store.listing import count as count_rows
from hub.store.publishing import Reach, add_visible
from hub.store.tables import organization, station

SPEC = ListSpec("station", (
    "t.id, t.name, t.kind, t.region_code, t.organization_id, t.address, t.status, "
    "ST_X(t.location_geom) AS lon, ST_Y(t.location_geom) AS lat, t.has_place, t.has_team, "
    "t.has_projects, t.has_facilities, t.has_rules, t.has_signage, "
    "t.opening_hours::text AS weekly, t.contact_name, t.contact_phone_enc, "
    "t.contact_phone_masked"))


@dataclass(frozen=True)
class StationFilter:
    """Conditions on stations."""

    region_prefix: str | None = None
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    reach: Reach = field(default_factory=Reach)  # the unpublished ones the caller may see


def _filters(f: StationFilter) -> Filters:
    out = Filters()
    out.region(f.region_prefix)
    out.any_of("kind", f.kinds)
    out.any_of("status", f.statuses)
    add_visible(out, kind="station", reach=f.reach)
    return out


async def list_(db: Database, *, filter: StationFilter, first: int, after: Cursor | None,
                near: Near | None, within: Within | None) -> list[Row]:
    """A page of stations."""
    return await fetch_page(db, SPEC, _filters(filter), first=first, after=after, near=near,
                            within=within)


async def count(db: Database, *, filter: StationFilter, near: Near | None,
                within: Within | None) -> int:
    """How many stations match."""
    return await count_rows(db, SPEC, _filters(filter), near=near, within=within)


async def get_many(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Stations by id."""
    return await get_by_ids(db, SPEC, ids)


async def list_nearest(db: Database, *, lon: float, lat: float, k: int) -> list[Row]:
    """The ``k`` active stations nearest a point, exact spheroid distances (no radius)."""
    near = Near(lon, lat, 20_037_509.0)  # half the Earth's circumference: no limit
    return await fetch_page(db, SPEC, _filters(StationFilter(statuses=("active",))),
                            first=k - 1, after=None, near=near, within=None)


_ORG_PATH = sql.compiled(
    sa.select(sa.cast(organization.c.path, sa.Text).label("path"))
    .select_from(station.join(organization, organization.c.id == station.c.organization_id))
    .where(station.c.id == sa.bindparam("id")))


async def get_org_path(db: Database, *, station_id: int) -> str | None:
    """The path (``"1.7.70"``) of the organisation operating the station, if one does."""
    rows = await sql.fetch(db, _ORG_PATH, {"id": station_id})
    return str(rows[0]["path"]) if rows else None


_EXISTS = sql.compiled(sa.select(station.c.id).where(station.c.id == sa.bindparam("s")))


async def get_exists(db: Database, *, station_id: int) -> bool:
    """Whether a station has this id."""
    return bool(await sql.fetch(db, _EXISTS, {"s": station_id}))
