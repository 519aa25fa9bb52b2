"""Statements on volunteers (科技志愿者): registration, updates, exits, erasure, and reading.

Writes, lookups and the loader's reads by id are built with SQLAlchemy Core
(:mod:`hub.store.tables`, run by :mod:`hub.store.sql`); the loader's columns are the list's.
The map list and its count are SQL text from :mod:`hub.store.listing`: bench_graphql's
"near 50×6" and "near SQL only" lines depend on their generic prepared plans.
:mod:`hub.store.volunteer_import` loads a file's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import postgresql as pg

from hub.auth import Scope, ScopeAll, ScopeNone
from hub.store import sql
from hub.store.base import Database, Row
from hub.store.listing import Cursor, Filters, ListSpec, Near, Within, fetch_page, fetch_page_json
from hub.store.listing import count as count_rows
from hub.store.tables import (
    LQUERY,
    TIMESTAMPTZ,
    membership,
    organization,
    volunteer,
    volunteer_availability_exception,
)
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


async def list_json(db: Database, *, filter: VolunteerFilter, first: int, after: Cursor | None,
                    near: Near, within: Within | None, location_scope: Scope,
                    node: Callable[[dict[str, Any]], str], node_key: str = "node") -> bytes:
    """:func:`list_`'s first ``first`` rows as one JSON array (UTF-8) of ``{"node": …}``
    objects written by PostgreSQL (``node`` makes the node's SQL text, see :func:`node_json`)."""
    filters = _filters(filter)
    spec = _spec(location_scope, filters.params)
    return await fetch_page_json(db, spec, filters, first=first, after=after, near=near,
                                 within=within, node=node(filters.params), node_key=node_key)


async def count(db: Database, *, filter: VolunteerFilter, near: Near | None,
                within: Within | None, location_scope: Scope) -> int:
    """How many volunteers match."""
    filters = _filters(filter)
    spec = _spec(location_scope, filters.params)
    return await count_rows(db, spec, filters, near=near, within=within)


v = volunteer
WRITABLE = (
    "real_name", "id_number_enc", "id_number_hash", "id_number_masked", "phone_enc",
    "phone_hash", "phone_masked", "birth_date", "gender", "education", "cohorts", "skills",
    "home_geom", "region_code", "weekly_availability", "insured_until", "registered_by",
    "import_batch_id", "profile",
)
"""The columns a registration writes (``home_geom`` as EWKT), in a file's load order."""
UPDATABLE = frozenset({
    "real_name", "phone_enc", "phone_hash", "phone_masked", "education", "cohorts", "skills",
    "home_geom", "region_code", "weekly_availability", "insured_until", "profile",
})
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_m, _o = membership, organization
# One volunteer as the loader gives it: the list's columns (``COLUMNS``, SQL text above), by
# the same names, with ``in_org`` and no distance.
_ROW = (v.c.id, v.c.real_name, v.c.gender, v.c.education, v.c.status, v.c.service_radius_m,
        v.c.capacity_per_week, v.c.region_code, sa.func.ST_X(v.c.home_geom).label("lon"),
        sa.func.ST_Y(v.c.home_geom).label("lat"),
        sa.func.ST_X(v.c.home_coarse_geom).label("coarse_lon"),
        sa.func.ST_Y(v.c.home_coarse_geom).label("coarse_lat"), v.c.id_number_masked,
        v.c.phone_masked, v.c.id_number_enc, v.c.phone_enc, v.c.birth_date, v.c.skills,
        v.c.cohorts, sa.cast(v.c.weekly_availability, sa.Text).label("weekly"),
        v.c.insured_until, v.c.registered_at)
_NO_DISTANCE = sa.null().cast(pg.DOUBLE_PRECISION).label("distance_m")
_IN_ORG = (sa.select(1).select_from(_m.join(_o, _o.c.id == _m.c.organization_id))
           .where(_m.c.volunteer_id == v.c.id,
                  _o.c.path.op("~")(sa.cast(sa.bindparam("scope_org", type_=sa.Text), LQUERY())))
           .exists())
_GET_MANY = sql.compiled(sa.select(*_ROW, sa.null().cast(sa.Boolean).label("in_org"),
                                   _NO_DISTANCE).where(v.c.id == sa.any_(_IDS)))
_GET_MANY_IN_ORG = sql.compiled(sa.select(*_ROW, _IN_ORG.label("in_org"), _NO_DISTANCE)
                                .where(v.c.id == sa.any_(_IDS)))


async def get_many(db: Database, *, ids: Sequence[int], scope_org: int | None) -> list[Row]:
    """Volunteers by id (any order; missing ids are absent); ``in_org`` tells whether each
    is inside ``scope_org``'s subtree (None when no team is given)."""
    if scope_org is None:
        return await sql.fetch(db, _GET_MANY, {"ids": list(ids)})
    return await sql.fetch(db, _GET_MANY_IN_ORG, {"ids": list(ids),
                                                  "scope_org": f"*.{scope_org}.*"})


def _values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: Jsonb(x) if k in {"skills", "profile"} else x for k, x in values.items()}


async def create(db: Database, *, values: dict[str, Any]) -> int | None:
    """Register one volunteer (``values`` of :data:`WRITABLE`); None when the ID number is
    registered already."""
    rows = await sql.fetch(db, pg.insert(v).values(_values(
        {k: x for k, x in values.items() if k in WRITABLE})).on_conflict_do_nothing(
        index_elements=[v.c.id_number_hash]).returning(v.c.id))
    return int(rows[0]["id"]) if rows else None


async def update(db: Database, *, volunteer_id: int, values: dict[str, Any]) -> bool:
    """Set ``values`` (of :data:`UPDATABLE`) on a volunteer who has not exited."""
    bad = set(values) - UPDATABLE
    if bad:
        raise ValueError(f"not updatable: {sorted(bad)}")
    if not values:
        return True
    rows = await sql.fetch(db, sa.update(v).where(v.c.id == volunteer_id, v.c.status != "exited")
                           .values(_values(values)).returning(v.c.id))
    return bool(rows)


_BY_HASH = sql.compiled(sa.select(v.c.id).where(v.c.id_number_hash == sa.bindparam("h")))
_HASHES = sql.compiled(sa.select(v.c.id_number_hash.label("h")).where(
    v.c.id_number_hash == sa.any_(sa.bindparam("hashes", type_=pg.ARRAY(pg.BYTEA)))))


async def get_id(db: Database, *, id_hash: bytes) -> int | None:
    """The id of the volunteer registered with this ID-number hash, if any."""
    rows = await sql.fetch(db, _BY_HASH, {"h": id_hash})
    return int(rows[0]["id"]) if rows else None


async def list_registered(db: Database, *, hashes: Sequence[bytes]) -> set[bytes]:
    """Which of these ID-number hashes are registered already."""
    rows = await sql.fetch(db, _HASHES, {"hashes": list(hashes)})
    return {bytes(r["h"]) for r in rows}


_FACTS = sql.compiled(
    sa.select(v.c.id, v.c.status, v.c.region_code, v.c.erased_at, sa.func.coalesce(
        sa.func.array_agg(sa.cast(_o.c.path, sa.Text)).filter(_o.c.id.is_not(None)),
        sa.literal([], pg.ARRAY(sa.Text))).label("org_paths"))
    .select_from(v.outerjoin(membership, membership.c.volunteer_id == v.c.id)
                 .outerjoin(_o, _o.c.id == membership.c.organization_id))
    .where(v.c.id == sa.bindparam("id")).group_by(v.c.id))


async def get_facts(db: Database, *, volunteer_id: int) -> Row | None:
    """Status, region and the paths of the teams of one volunteer (for authorisation)."""
    rows = await sql.fetch(db, _FACTS, {"id": volunteer_id})
    return rows[0] if rows else None


_EXIT = sql.compiled(sa.update(v).where(v.c.id == sa.bindparam("id"), v.c.status != "exited")
                     .values(status="exited", exited_at=sa.func.now()))
_ERASE = sql.compiled(sa.update(v).where(v.c.id == sa.bindparam("id"), v.c.status == "exited")
                      .values(real_name=sa.bindparam("label", type_=sa.Text), id_number_enc=None,
                              id_number_hash=None, id_number_masked=None, phone_enc=None,
                              phone_hash=None, phone_masked=None, birth_date=None,
                              home_geom=None, profile=sa.cast("{}", pg.JSONB),
                              erased_at=sa.func.now()))


async def update_exited(db: Database, *, volunteer_id: int) -> None:
    """退出: mark the volunteer exited (their open dispatches are the dispatch store's)."""
    await sql.fetch(db, _EXIT, {"id": volunteer_id})


async def update_erased(db: Database, *, volunteer_id: int) -> None:
    """Erase an exited volunteer's personal data; service records keep the anonymised row."""
    await sql.fetch(db, _ERASE, {"id": volunteer_id, "label": f"已注销志愿者 #{volunteer_id}"})


_STATUS = sql.compiled(sa.select(v.c.status).where(v.c.id == sa.bindparam("id")))
# Insurance valid through a day covers until the next midnight, China Standard Time.
_INSURED = sa.func.coalesce(sa.func.timezone(
    "Asia/Shanghai", sa.cast(v.c.insured_until + 1, pg.TIMESTAMP)) >= sa.bindparam(
    "until", type_=pg.TIMESTAMP(timezone=True)), sa.false())
_STANDING = sql.compiled(sa.select(v.c.id, v.c.status, _INSURED.label("insured"))
                         .where(v.c.id == sa.any_(_IDS)))


async def get_status(db: Database, *, volunteer_id: int) -> str | None:
    """A volunteer's status (active | suspended | exited), None when unknown."""
    rows = await sql.fetch(db, _STATUS, {"id": volunteer_id})
    return str(rows[0]["status"]) if rows else None


async def get_many_standing(db: Database, *, ids: Sequence[int], until: datetime) -> dict[int, Row]:
    """Each existing volunteer's status and whether insurance covers them until ``until``."""
    rows = await sql.fetch(db, _STANDING, {"ids": list(ids), "until": until})
    return {r["id"]: r for r in rows}


_FIRST_ORG = (sa.select(_o.c.name).select_from(_m.join(_o, _o.c.id == _m.c.organization_id))
              .where(_m.c.volunteer_id == v.c.id).order_by(_m.c.joined_at, _o.c.id).limit(1)
              .scalar_subquery())
_FOR_CERTIFICATE = sql.compiled(sa.select(
    v.c.id, v.c.real_name, v.c.id_number_masked, v.c.erased_at, v.c.region_code,
    _FIRST_ORG.label("first_org")).where(v.c.id == sa.bindparam("id")))


async def get_for_certificate(db: Database, *, volunteer_id: int) -> Row | None:
    """The name and masked ID number a certificate states, and where the volunteer belongs."""
    rows = await sql.fetch(db, _FOR_CERTIFICATE, {"id": volunteer_id})
    return rows[0] if rows else None


# -- the volunteer of a phone (sign-in), a volunteer's own time off and reach (updateMyProfile) -
_VOLUNTEER_BY_PHONE = sql.compiled(sa.select(v.c.id).where(
    v.c.phone_hash == sa.bindparam("h"), v.c.status != "exited").order_by(v.c.id).limit(1))


async def get_id_by_phone(db: Database, *, phone_hash: bytes) -> int | None:
    """The registered (not exited) volunteer with this mobile, if any."""
    rows = await sql.fetch(db, _VOLUNTEER_BY_PHONE, {"h": phone_hash})
    return int(rows[0]["id"]) if rows else None


_off = volunteer_availability_exception
_TIME_OFF = sql.compiled(sa.select(
    _off.c.id, sa.func.lower(_off.c.period).label("starts_at"),
    sa.func.upper(_off.c.period).label("ends_at"), _off.c.note)
    .where(_off.c.volunteer_id == sa.bindparam("v"), _off.c.available.is_(False),
           sa.func.upper(_off.c.period) > sa.func.now())
    .order_by(sa.func.lower(_off.c.period)))
_DROP_TIME_OFF = sql.compiled(sa.delete(_off).where(
    _off.c.volunteer_id == sa.bindparam("v"), _off.c.available.is_(False),
    sa.func.upper(_off.c.period) > sa.func.now()))
_ADD_TIME_OFF = sql.compiled(sa.insert(_off).values(
    volunteer_id=sa.bindparam("v"), available=False, note=sa.bindparam("note"),
    period=sa.func.tstzrange(sa.bindparam("s", type_=TIMESTAMPTZ),
                             sa.bindparam("e", type_=TIMESTAMPTZ))))
_RADIUS = sql.compiled(sa.update(v).where(v.c.id == sa.bindparam("v"), v.c.status != "exited")
                       .values(service_radius_m=sa.bindparam("r", type_=sa.Integer))
                       .returning(v.c.id))


async def list_time_off(db: Database, *, volunteer_id: int) -> list[Row]:
    """A volunteer's time off (不可服务时段) that has not ended, earliest first."""
    return await sql.fetch(db, _TIME_OFF, {"v": volunteer_id})


async def update_time_off(db: Database, *, volunteer_id: int,
                          periods: Sequence[tuple[datetime, datetime, str]]) -> None:
    """Replace a volunteer's time off that has not ended with ``periods`` (start, end, note)."""
    await sql.fetch(db, _DROP_TIME_OFF, {"v": volunteer_id})
    for starts, ends, note in periods:
        await sql.fetch(db, _ADD_TIME_OFF, {"v": volunteer_id, "s": starts, "e": ends,
                                            "note": note})


async def update_service_radius(db: Database, *, volunteer_id: int, metres: int) -> bool:
    """Set how far a volunteer will travel; False when they have exited."""
    return bool(await sql.fetch(db, _RADIUS, {"v": volunteer_id, "r": metres}))
