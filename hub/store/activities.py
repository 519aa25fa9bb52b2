"""Statements on activities (活动) and their projects (项目); sign-ups: :mod:`hub.store.signups`.

Built with SQLAlchemy Core on :mod:`hub.store.tables` and run by :mod:`hub.store.sql`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.publishing import org_path_of, org_region_of
from hub.store.tables import activity, organization, project

CST = "Asia/Shanghai"
"""The time zone whose calendar day a record of an activity is served on."""
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_NO_DISTANCE = sa.null().cast(pg.DOUBLE_PRECISION).label("distance_m")

PROJECT_COLUMNS = (project.c.id, project.c.name, project.c.description, project.c.owner_id,
                   project.c.category, sa.func.lower(project.c.period).label("starts_on"),
                   sa.func.upper(project.c.period).label("ends_on"), project.c.funding_yuan,
                   project.c.status, project.c.funding_source, project.c.sub_programme,
                   org_path_of(project.c.owner_id), org_region_of(project.c.owner_id))
a = activity
ACTIVITY_COLUMNS = (
    a.c.id, a.c.title, a.c.description, a.c.organization_id, a.c.project_id, a.c.category,
    sa.func.lower(a.c.time_window).label("starts_at"),
    sa.func.upper(a.c.time_window).label("ends_at"), a.c.station_id, a.c.region_code,
    a.c.capacity, a.c.signed_up, a.c.status, sa.func.ST_X(a.c.location_geom).label("lon"),
    sa.func.ST_Y(a.c.location_geom).label("lat"), a.c.requires_insurance, a.c.required_skills,
    _NO_DISTANCE, a.c.safety_plan, org_path_of(a.c.organization_id))


_PROJECTS = sql.compiled(sa.select(*PROJECT_COLUMNS).where(project.c.id == sa.any_(_IDS)))
_PROJECTS_OF = sql.compiled(sa.select(*PROJECT_COLUMNS)
                            .where(project.c.owner_id == sa.any_(_IDS)).order_by(project.c.id))
_ACTIVITIES = sql.compiled(sa.select(*ACTIVITY_COLUMNS).where(a.c.id == sa.any_(_IDS)))
_ACTIVITIES_OF = sql.compiled(sa.select(*ACTIVITY_COLUMNS).where(a.c.project_id == sa.any_(_IDS))
                              .order_by(sa.func.lower(a.c.time_window), a.c.id))


async def get_many_projects(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Projects by id."""
    return await sql.fetch(db, _PROJECTS, {"ids": list(ids)})


async def list_projects(db: Database, *, owner_ids: Sequence[int]) -> list[Row]:
    """Projects owned by these organisations."""
    return await sql.fetch(db, _PROJECTS_OF, {"ids": list(owner_ids)})


async def get_many(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Activities by id."""
    return await sql.fetch(db, _ACTIVITIES, {"ids": list(ids)})


async def list_of_projects(db: Database, *, project_ids: Sequence[int]) -> list[Row]:
    """Activities of these projects, soonest first."""
    return await sql.fetch(db, _ACTIVITIES_OF, {"ids": list(project_ids)})


_starts = sa.func.lower(a.c.time_window)
_SOURCE = (
    sa.select(a.c.id, a.c.title, a.c.region_code, a.c.organization_id, a.c.capacity,
              a.c.signed_up, a.c.status, _starts.label("starts_at"),
              sa.func.upper(a.c.time_window).label("ends_at"),
              sa.cast(sa.func.timezone(CST, _starts), sa.Date).label("day"),
              sa.cast(organization.c.path, sa.Text).label("org_path"),
              sa.func.hub_record_bound(sa.null(), a.c.id).label("window_hours"))
    .select_from(a.join(organization, organization.c.id == a.c.organization_id))
    .where(a.c.id == sa.bindparam("id")))
_GET_SOURCE = sql.compiled(_SOURCE)
_LOCK_SOURCE = sql.compiled(_SOURCE.with_for_update(of=a))


async def get_source(db: Database, *, activity_id: int) -> Row | None:
    """An activity with what a record copies."""
    rows = await sql.fetch(db, _GET_SOURCE, {"id": activity_id})
    return rows[0] if rows else None


async def lock_source(db: Database, *, activity_id: int) -> Row | None:
    """:func:`get_source`, its activity row locked for the transaction."""
    rows = await sql.fetch(db, _LOCK_SOURCE, {"id": activity_id})
    return rows[0] if rows else None
