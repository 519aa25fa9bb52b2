"""The list of activities (活动) people may find: filters, ``near``, ``within``, keyset pages.

SQL text from :mod:`hub.store.listing`, the builder of every map list (stations and demands
share it); its rows have the columns of :data:`hub.store.activities.ACTIVITY_COLUMNS` (a test
holds the two to each other).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from hub.store.base import Database, Row
from hub.store.listing import Cursor, Filters, ListSpec, Near, Within, fetch_page
from hub.store.listing import count as count_rows
from hub.store.publishing import Reach, add_visible

UPCOMING_ACTIVITY_SQL = "t.status = 'published' AND upper(t.time_window) > now()"
"""What the map draws of activities (alias ``t``): published ones not yet over."""

SPEC = ListSpec("activity", (
    "t.id, t.title, t.description, t.organization_id, t.project_id, t.category, "
    "lower(t.time_window) AS starts_at, upper(t.time_window) AS ends_at, t.station_id, "
    "t.region_code, t.capacity, t.signed_up, t.status, ST_X(t.location_geom) AS lon, "
    "ST_Y(t.location_geom) AS lat, t.requires_insurance, t.required_skills, t.safety_plan, "
    "(SELECT o.path::text FROM organization o WHERE o.id = t.organization_id) AS org_path"))


@dataclass(frozen=True)
class ActivityFilter:
    """Conditions on activities; no ``statuses`` means 'published'. Whatever is asked for,
    only public activities and those within ``reach`` (the unpublished ones the caller may
    manage or review: :func:`hub.services.publishing.reach`) are listed."""

    region_prefix: str | None = None
    categories: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    starts_after: datetime | None = None
    ends_before: datetime | None = None
    organization_path: str | None = None  # this organisation and those below it
    project_id: int | None = None
    has_free_places: bool | None = None
    reach: Reach = field(default_factory=Reach)


def _filters(f: ActivityFilter) -> Filters:
    out = Filters()
    out.region(f.region_prefix)
    out.any_of("category", f.categories)
    out.any_of("status", f.statuses or ("published",))
    add_visible(out, kind="activity", reach=f.reach)
    if f.starts_after or f.ends_before:
        out.add("t.time_window && tstzrange(%(win_from)s, %(win_to)s)",
                win_from=f.starts_after, win_to=f.ends_before)
    if f.organization_path is not None:
        out.add("t.organization_id IN (SELECT o.id FROM organization o "
                "WHERE o.path <@ %(org_path)s::ltree)", org_path=f.organization_path)
    if f.project_id is not None:
        out.add("t.project_id = %(project_id)s", project_id=f.project_id)
    if f.has_free_places is not None:
        out.add("(t.signed_up < t.capacity) = %(free)s", free=f.has_free_places)
    return out


async def list_(db: Database, *, filter: ActivityFilter, first: int, after: Cursor | None,
                near: Near | None, within: Within | None) -> list[Row]:
    """A page of activities."""
    return await fetch_page(db, SPEC, _filters(filter), first=first, after=after, near=near,
                            within=within)


async def count(db: Database, *, filter: ActivityFilter, near: Near | None,
                within: Within | None) -> int:
    """How many activities match."""
    return await count_rows(db, SPEC, _filters(filter), near=near, within=within)
