"""SQL for volunteers (科技志愿者)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from hub.auth import Scope, ScopeAll, ScopeNone
from hub.store.base import Database, Row
from hub.store.listing import Cursor, Filters, ListSpec, Near, Within, count, fetch_page
from hub.store.visibility import CELL_DEG, exact_predicate, visible_home

_BASE = (
    "t.id, t.real_name, t.gender, t.education, t.status, t.service_radius_m, "
    "t.capacity_per_week, t.region_code, ST_X(t.home_geom) AS lon, ST_Y(t.home_geom) AS lat, "
    "ST_X(t.home_coarse_geom) AS coarse_lon, ST_Y(t.home_coarse_geom) AS coarse_lat"
)
# Column groups a list may leave out when no requested field reads them (see ``list_``).
GROUPS = {
    "pii": "t.id_number_masked, t.phone_masked, t.id_number_enc, t.phone_enc, t.birth_date",
    "skills": "t.skills",
    "cohorts": "t.cohorts",
    "weekly": "t.weekly_availability::text AS weekly",
    "dates": "t.insured_until, t.registered_at",
}


def _columns(groups: Iterable[str]) -> str:
    return ", ".join([_BASE, *(GROUPS[g] for g in groups)])


COLUMNS = _columns(GROUPS)
SPEC = ListSpec("volunteer", COLUMNS, geog="home", geom="home_geom")
IN_ORG = (", EXISTS (SELECT 1 FROM membership m JOIN organization o ON o.id = m.organization_id"
          " WHERE m.volunteer_id = t.id AND o.path ~ (%(scope_org)s)::lquery) AS in_org")


@dataclass(frozen=True)
class VolunteerFilter:
    """Conditions a dispatcher filters volunteers by."""

    region_prefix: str | None = None
    skills: tuple[str, ...] = ()
    cohorts: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    organization_path: str | None = None


def _filters(f: VolunteerFilter) -> Filters:
    out = Filters()
    out.region(f.region_prefix)
    out.any_of("status", f.statuses)
    if f.skills:
        out.add("t.skill_codes @> %(skills)s::text[]", skills=list(f.skills))
    if f.cohorts:
        out.add("t.cohorts && %(cohorts)s::text[]", cohorts=list(f.cohorts))
    if f.organization_path:
        out.add("EXISTS (SELECT 1 FROM membership m JOIN organization o ON o.id = "
                "m.organization_id WHERE m.volunteer_id = t.id AND o.path <@ %(org_path)s::ltree)",
                org_path=f.organization_path)
    return out


def _spec(location_scope: Scope, params: dict[str, object]) -> ListSpec:
    """The list spec, measuring areas and distances to the home the caller may see."""
    if isinstance(location_scope, ScopeAll):
        return SPEC
    if isinstance(location_scope, ScopeNone):  # the stored coarse home, with its own index
        return replace(SPEC, geog="home_coarse", geom="home_coarse_geom", knn="home_geom",
                       grid=CELL_DEG)
    return replace(SPEC, visible=visible_home(exact_predicate(location_scope, params)))


def _org_extra(scope_org: int | None, params: dict[str, object]) -> str:
    if scope_org is None:
        return ", NULL::boolean AS in_org"
    params["scope_org"] = f"*.{scope_org}.*"
    return IN_ORG


async def list_(db: Database, *, filter: VolunteerFilter, first: int, after: Cursor | None,
                near: Near | None, within: Within | None, scope_org: int | None,
                location_scope: Scope, groups: Iterable[str] | None = None) -> list[Row]:
    """A page of volunteers; ``in_org`` tells whether each is inside ``scope_org``'s subtree.

    ``near`` and ``within`` measure to the home the caller may see (``location_scope``).
    ``groups`` names the :data:`GROUPS` to read (None: all); rows lack the others' keys.
    """
    filters = _filters(filter)
    extra = _org_extra(scope_org, filters.params)
    spec = _spec(location_scope, filters.params)
    if groups is not None:
        spec = replace(spec, columns=_columns(sorted(groups)))
    return await fetch_page(db, spec, filters, first=first, after=after, near=near,
                            within=within, extra=extra)


async def count_(db: Database, *, filter: VolunteerFilter, near: Near | None,
                 within: Within | None, location_scope: Scope) -> int:
    """How many volunteers match."""
    filters = _filters(filter)
    spec = _spec(location_scope, filters.params)
    return await count(db, spec, filters, near=near, within=within)


async def get_many(db: Database, *, ids: Sequence[int], scope_org: int | None) -> list[Row]:
    """Volunteers by id (any order; missing ids are absent)."""
    params: dict[str, object] = {"ids": list(ids)}
    extra = _org_extra(scope_org, params)
    return await db.fetch(f"SELECT {COLUMNS}{extra}, NULL::float8 AS distance_m FROM volunteer t "
                          "WHERE t.id = ANY(%(ids)s)", params)


async def memberships_of(db: Database, *, volunteer_ids: Sequence[int]) -> list[Row]:
    """Memberships of these volunteers with their role."""
    return await db.fetch(
        "SELECT volunteer_id, organization_id, role, joined_at FROM membership "
        "WHERE volunteer_id = ANY(%(ids)s) ORDER BY volunteer_id, organization_id",
        {"ids": list(volunteer_ids)})
