"""Statements on activities (活动), their projects (项目) and sign-ups (活动报名).

Reads are built with SQLAlchemy Core (:mod:`hub.store.tables`, run by :mod:`hub.store.sql`);
the sign-up statements and a record's source are SQL text still to be rebuilt.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import activity, project

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


async def get_source(db: Database, *, activity_id: int, lock: bool = False) -> Row | None:
    """An activity with what a record copies; ``lock`` holds its row for the transaction."""
    rows = await db.fetch(
        "SELECT a.id, a.title, a.region_code, a.organization_id, a.capacity, a.signed_up, "
        "a.status, lower(a.time_window) AS starts_at, upper(a.time_window) AS ends_at, "
        "(lower(a.time_window) AT TIME ZONE 'Asia/Shanghai')::date AS day, o.path::text AS "
        "org_path, hub_record_bound(NULL, a.id) AS window_hours "
        "FROM activity a JOIN organization o ON o.id = a.organization_id "
        "WHERE a.id = %(id)s" + (" FOR UPDATE OF a" if lock else ""), {"id": activity_id})
    return rows[0] if rows else None


async def lock_signup(db: Database, *, activity_id: int, volunteer_id: int) -> Row | None:
    """A volunteer's sign-up for an activity, locked for the transaction."""
    rows = await db.fetch(
        "SELECT activity_id, volunteer_id, status, signed_up_at FROM activity_signup "
        "WHERE activity_id = %(a)s AND volunteer_id = %(v)s FOR UPDATE",
        {"a": activity_id, "v": volunteer_id})
    return rows[0] if rows else None


async def set_signup_status(db: Database, *, activity_id: int, volunteer_id: int,
                            status: str) -> Row:
    """Create the sign-up or set its status."""
    rows = await db.fetch(
        "INSERT INTO activity_signup (activity_id, volunteer_id, status) VALUES (%(a)s, %(v)s, "
        "%(status)s) ON CONFLICT (activity_id, volunteer_id) DO UPDATE SET status = "
        "excluded.status, signed_up_at = CASE WHEN excluded.status = 'signed_up' THEN now() "
        "ELSE activity_signup.signed_up_at END RETURNING activity_id, volunteer_id, status, "
        "signed_up_at", {"a": activity_id, "v": volunteer_id, "status": status})
    return rows[0]


async def update_signed_up(db: Database, *, activity_id: int, delta: int) -> int:
    """Add ``delta`` to the activity's sign-up counter (its CHECK refuses overbooking)."""
    rows = await db.fetch("UPDATE activity SET signed_up = signed_up + %(d)s WHERE id = %(a)s "
                          "RETURNING signed_up", {"a": activity_id, "d": delta})
    return int(rows[0]["signed_up"])
