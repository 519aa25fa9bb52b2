"""SQL for stations (站点) and demands (群众需求): the other located things on the map."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from hub.store.base import Database, Row
from hub.store.listing import Cursor, Filters, ListSpec, Near, Within, count, fetch_page

STATION_SPEC = ListSpec("station", (
    "t.id, t.name, t.kind, t.region_code, t.organization_id, t.address, t.status, "
    "ST_X(t.location_geom) AS lon, ST_Y(t.location_geom) AS lat, t.has_place, t.has_team, "
    "t.has_projects, t.has_facilities, t.has_rules, t.has_signage, "
    "t.opening_hours::text AS weekly"))
DEMAND_SPEC = ListSpec("demand", (
    "t.id, t.title, t.description, t.category, t.required_skills, t.needed, "
    "lower(t.time_window) AS starts_at, upper(t.time_window) AS ends_at, t.station_id, "
    "t.region_code, t.raised_by_kind, t.priority, t.requires_insurance, t.status, "
    "t.created_at, ST_X(t.location_geom) AS lon, ST_Y(t.location_geom) AS lat, "
    "t.unfilled_reason"))


@dataclass(frozen=True)
class StationFilter:
    """Conditions on stations."""

    region_prefix: str | None = None
    kinds: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemandFilter:
    """Conditions on demands."""

    region_prefix: str | None = None
    categories: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    starts_after: datetime | None = None
    ends_before: datetime | None = None
    station_id: int | None = None


def _station_filters(f: StationFilter) -> Filters:
    out = Filters()
    out.region(f.region_prefix)
    out.any_of("kind", f.kinds)
    out.any_of("status", f.statuses)
    return out


def _demand_filters(f: DemandFilter) -> Filters:
    out = Filters()
    out.region(f.region_prefix)
    out.any_of("category", f.categories)
    out.any_of("status", f.statuses)
    if f.skills:
        out.add("t.required_skills && %(skills)s::text[]", skills=list(f.skills))
    if f.starts_after or f.ends_before:
        out.add("t.time_window && tstzrange(%(win_from)s, %(win_to)s)",
                win_from=f.starts_after, win_to=f.ends_before)
    if f.station_id is not None:
        out.add("t.station_id = %(station_id)s", station_id=f.station_id)
    return out


async def list_stations(db: Database, *, filter: StationFilter, first: int,
                        after: Cursor | None, near: Near | None,
                        within: Within | None) -> list[Row]:
    """A page of stations."""
    return await fetch_page(db, STATION_SPEC, _station_filters(filter), first=first,
                            after=after, near=near, within=within)


async def count_stations(db: Database, *, filter: StationFilter, near: Near | None,
                         within: Within | None) -> int:
    """How many stations match."""
    return await count(db, STATION_SPEC, _station_filters(filter), near=near, within=within)


async def list_demands(db: Database, *, filter: DemandFilter, first: int, after: Cursor | None,
                       near: Near | None, within: Within | None) -> list[Row]:
    """A page of demands."""
    return await fetch_page(db, DEMAND_SPEC, _demand_filters(filter), first=first, after=after,
                            near=near, within=within)


async def count_demands(db: Database, *, filter: DemandFilter, near: Near | None,
                        within: Within | None) -> int:
    """How many demands match."""
    return await count(db, DEMAND_SPEC, _demand_filters(filter), near=near, within=within)


async def _by_ids(db: Database, spec: ListSpec, ids: Sequence[int]) -> list[Row]:
    return await db.fetch(f"SELECT {spec.columns}, NULL::float8 AS distance_m FROM {spec.table} t"
                          " WHERE t.id = ANY(%(ids)s)", {"ids": list(ids)})


async def stations_by_ids(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Stations by id."""
    return await _by_ids(db, STATION_SPEC, ids)


async def demands_by_ids(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Demands by id."""
    return await _by_ids(db, DEMAND_SPEC, ids)


async def nearest_stations(db: Database, *, lon: float, lat: float, k: int) -> list[Row]:
    """The ``k`` active stations nearest a point, exact spheroid distances (no radius)."""
    near = Near(lon, lat, 20_037_509.0)  # half the Earth's circumference: no limit
    return await fetch_page(db, STATION_SPEC, _station_filters(StationFilter(statuses=("active",))),
                            first=k - 1, after=None, near=near, within=None)
