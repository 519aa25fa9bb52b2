"""Statements on divisions (行政区划): lookups, the tree, and whether a point lies in one.

Built with SQLAlchemy Core (GeoAlchemy2's types) on :mod:`hub.store.tables` and run by
:mod:`hub.store.sql`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import region

r = region
COLUMNS = (r.c.code, r.c.name, r.c.level, r.c.parent_code,
           sa.func.ST_X(r.c.centroid_geom).label("lon"),
           sa.func.ST_Y(r.c.centroid_geom).label("lat"), r.c.is_remote, r.c.is_poor,
           r.c.is_border, r.c.is_ethnic, r.c.is_revolutionary)
_CODES = sa.bindparam("codes", type_=pg.ARRAY(sa.Text))
_GET_MANY = sql.compiled(sa.select(*COLUMNS).where(r.c.code == sa.any_(_CODES)))
_PROVINCES = sql.compiled(sa.select(*COLUMNS).where(r.c.parent_code.is_(None))
                          .order_by(r.c.code))
_CHILDREN = sql.compiled(sa.select(*COLUMNS).where(r.c.parent_code == sa.any_(_CODES))
                         .order_by(r.c.code))
_KNOWN = sql.compiled(sa.select(r.c.code).where(r.c.code == sa.any_(_CODES)))


async def get_many(db: Database, *, codes: Sequence[str]) -> list[Row]:
    """Divisions by 12-digit code."""
    return await sql.fetch(db, _GET_MANY, {"codes": list(codes)})


async def list_(db: Database, *, parent_code: str | None) -> list[Row]:
    """Direct children of a division, or the provinces when ``parent_code`` is None."""
    if parent_code is None:
        return await sql.fetch(db, _PROVINCES)
    return await sql.fetch(db, _CHILDREN, {"codes": [parent_code]})


async def list_children(db: Database, *, parent_codes: Sequence[str]) -> list[Row]:
    """Direct children of several divisions, by code."""
    return await sql.fetch(db, _CHILDREN, {"codes": list(parent_codes)})


async def list_known(db: Database, *, codes: Iterable[str]) -> set[str]:
    """Which of ``codes`` (12 digits) are in the region table."""
    wanted = sorted(set(codes))
    if not wanted:
        return set()
    return {row["code"] for row in await sql.fetch(db, _KNOWN, {"codes": wanted})}


# A point lies in a division inside its boundary where the boundary is known; else when one of
# the three county seats nearest the point (by the centroid index) is in the division's subtree
# or in its county: a Voronoi stand-in for the border.
_CODE = sa.bindparam("code", type_=sa.Text)
_POINT = sql.point(sa.bindparam("lon", type_=sa.Float), sa.bindparam("lat", type_=sa.Float))
_seat = region.alias("c")
_NEAREST_SEATS = (sa.select(_seat.c.code).where(_seat.c.level == "county",
                                                _seat.c.centroid.is_not(None))
                  .order_by(_seat.c.centroid.op("<->")(sql.geography(_POINT))).limit(3)
                  .subquery("n"))
_COVERS = sql.compiled(sa.select(sa.case(
    (r.c.boundary.is_not(None), sa.func.ST_Covers(r.c.boundary, _POINT)),
    else_=sa.exists().where(sa.or_(
        _NEAREST_SEATS.c.code.like(sa.bindparam("prefix", type_=sa.Text)),
        sa.func.left(_NEAREST_SEATS.c.code, 6) == sa.func.left(_CODE, 6)))).label("inside"))
    .where(r.c.code == _CODE))


async def get_covers_point(db: Database, *, region_code: str, region_prefix: str, lon: float,
                           lat: float) -> bool:
    """Whether a point lies in a region: its boundary where known, else the subtree holds
    one of the three county seats nearest the point (a Voronoi stand-in for the border)."""
    rows = await sql.fetch(db, _COVERS, {"lon": lon, "lat": lat, "code": region_code,
                                         "prefix": region_prefix + "%"})
    return bool(rows and rows[0]["inside"])
