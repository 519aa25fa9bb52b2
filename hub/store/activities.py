"""Statements on activities (活动), their projects (项目) and sign-ups (活动报名).

Built with SQLAlchemy Core on :mod:`hub.store.tables` and run by :mod:`hub.store.sql`.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import activity, activity_signup, organization, project

CST = "Asia/Shanghai"
"""The time zone whose calendar day a record of an activity is served on."""
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_NO_DISTANCE = sa.null().cast(pg.DOUBLE_PRECISION).label("distance_m")

PROJECT_COLUMNS = (project.c.id, project.c.name, project.c.description, project.c.owner_id,
                   project.c.category, sa.func.lower(project.c.period).label("starts_on"),
                   sa.func.upper(project.c.period).label("ends_on"), project.c.funding_yuan,
                   project.c.status)
a = activity
ACTIVITY_COLUMNS = (
    a.c.id, a.c.title, a.c.description, a.c.organization_id, a.c.project_id, a.c.category,
    sa.func.lower(a.c.time_window).label("starts_at"),
    sa.func.upper(a.c.time_window).label("ends_at"), a.c.station_id, a.c.region_code,
    a.c.capacity, a.c.signed_up, a.c.status, sa.func.ST_X(a.c.location_geom).label("lon"),
    sa.func.ST_Y(a.c.location_geom).label("lat"), _NO_DISTANCE)


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


s = activity_signup
_SIGNUP_COLUMNS = (s.c.activity_id, s.c.volunteer_id, s.c.status, s.c.signed_up_at)
_A, _V = sa.bindparam("a", type_=sa.BigInteger), sa.bindparam("v", type_=sa.BigInteger)
_LOCK_SIGNUP = sql.compiled(
    sa.select(*_SIGNUP_COLUMNS)
    .where(s.c.activity_id == _A, s.c.volunteer_id == _V).with_for_update())


async def lock_signup(db: Database, *, activity_id: int, volunteer_id: int) -> Row | None:
    """A volunteer's sign-up for an activity, locked for the transaction."""
    rows = await sql.fetch(db, _LOCK_SIGNUP, {"a": activity_id, "v": volunteer_id})
    return rows[0] if rows else None


_signup = pg.insert(s).values(activity_id=_A, volunteer_id=_V,
                              status=sa.bindparam("status"))
_SET_SIGNUP_STATUS = sql.compiled(_signup.on_conflict_do_update(
    index_elements=[s.c.activity_id, s.c.volunteer_id],
    set_={"status": _signup.excluded.status,
          "signed_up_at": sa.case((_signup.excluded.status == "signed_up", sa.func.now()),
                                  else_=s.c.signed_up_at)})
    .returning(*_SIGNUP_COLUMNS))


async def update_signup_status(db: Database, *, activity_id: int, volunteer_id: int,
                               status: str) -> Row:
    """Create the sign-up or set its status."""
    rows = await sql.fetch(db, _SET_SIGNUP_STATUS,
                           {"a": activity_id, "v": volunteer_id, "status": status})
    return rows[0]


_UPDATE_SIGNED_UP = sql.compiled(
    sa.update(a).where(a.c.id == _A)
    .values(signed_up=a.c.signed_up + sa.bindparam("d", type_=sa.Integer))
    .returning(a.c.signed_up))


async def update_signed_up(db: Database, *, activity_id: int, delta: int) -> int:
    """Add ``delta`` to the activity's sign-up counter (its CHECK refuses overbooking)."""
    rows = await sql.fetch(db, _UPDATE_SIGNED_UP, {"a": activity_id, "d": delta})
    return int(rows[0]["signed_up"])
