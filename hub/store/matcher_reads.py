"""The matcher's reads: the volunteers within reach of a set of demands, one volunteer as the
matcher reads them, and the busy and extra windows of volunteers over a period.

Reads only, of tables other modules write (volunteers and their dated availability:
:mod:`hub.store.volunteers`; dispatches: :mod:`hub.store.dispatch`). Every statement is built
with SQLAlchemy Core on :mod:`hub.store.tables` and run by :mod:`hub.store.sql`; the matcher's
plans are :mod:`hub.store.dispatch_plans`'s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.geo.geodesy import within_any
from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import (
    TIMESTAMPTZ,
    demand,
    dispatch,
    volunteer,
    volunteer_availability_exception,
)

x, d = dispatch, demand
_ID = sa.bindparam("id", type_=sa.BigInteger)
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))

# The matcher's reads. A volunteer is reachable from a demand within their own service radius.
# The statement reads sql/0042's volunteer_reach_idx alone (an index-only scan: the table's
# rows lie in registration order, so reading them cost a random page per volunteer, 282,000
# pages for 广州's week at 10,000,000 volunteers): the 0.05° strips of longitude of the
# demands' box widened by the largest radius anyone has (volunteer_service_radius_idx,
# sql/0037), each strip's latitude range one run of the index. The exact test (some demand
# within the volunteer's radius on the WGS-84 spheroid, as ST_DWithin(geography) decides it)
# runs in numpy on the rows read (hub.geo.geodesy.within_any: a KD-tree, the geodesic only
# where it decides): 0.3 s for 广州's 231,809 rows, where ST_DWithin took 2.6 s.
v = volunteer.alias("v")
STRIPS_PER_DEGREE = 20  # the index's key: floor(longitude × 20)
_home_strip = sa.cast(sa.func.floor(sa.func.ST_X(v.c.home_geom)
                               * sa.literal_column(str(STRIPS_PER_DEGREE))), sa.Integer)
_BOX = sql.compiled(sa.select(
    sa.func.min(sa.func.ST_X(d.c.location_geom)).label("x0"),
    sa.func.max(sa.func.ST_X(d.c.location_geom)).label("x1"),
    sa.func.min(sa.func.ST_Y(d.c.location_geom)).label("y0"),
    sa.func.max(sa.func.ST_Y(d.c.location_geom)).label("y1"),
    sa.select(sa.func.max(volunteer.c.service_radius_m)).scalar_subquery().label("r"),
    sa.func.array_agg(sa.func.ST_X(d.c.location_geom)).label("lons"),
    sa.func.array_agg(sa.func.ST_Y(d.c.location_geom)).label("lats"),
).where(d.c.id == sa.any_(_IDS)))
_MATCHED = sa.select(
    v.c.id, sa.func.ST_X(v.c.home_geom).label("lon"), sa.func.ST_Y(v.c.home_geom).label("lat"),
    v.c.skills, v.c.service_radius_m, v.c.capacity_per_week,
    sa.cast(v.c.weekly_availability, sa.Text).label("weekly"), v.c.insured_until,
)
# 'active' as a constant: a generic plan may then use the partial index. One index-only
# scan with every test in its filter: the strips and latitude range as its key, then each
# volunteer's own radius, which bounds where it may be: outside the demands' box widened by
# its own radius (metres to degrees as reach_box, never narrower) no demand is in reach.
# 广州's national week: 307,643 volunteers in the strips, 235,599 kept and read, 178,910 in
# reach. (A MATERIALIZED CTE kept the planner on the index while ST_DWithin was the filter;
# with cheap tests it only cost a copy of every row: 1.3 s -> 0.6 s in PostgreSQL.)
_LON, _LAT = sa.func.ST_X(v.c.home_geom), sa.func.ST_Y(v.c.home_geom)
_R = v.c.service_radius_m
_X, _Y = (sa.bindparam(n, type_=pg.DOUBLE_PRECISION) for n in ("x", "y"))
_OWN_BOX = sa.and_(
    sa.or_(sa.bindparam("all_lon", type_=sa.Boolean),
           _LON.between(sa.bindparam("x0", type_=pg.DOUBLE_PRECISION) - _R * _X,
                        sa.bindparam("x1", type_=pg.DOUBLE_PRECISION) + _R * _X)),
    _LAT.between(sa.bindparam("by0", type_=pg.DOUBLE_PRECISION) - _R * _Y,
                 sa.bindparam("by1", type_=pg.DOUBLE_PRECISION) + _R * _Y))
# Unordered, and skills as text: the rows are sorted by id after the exact test, in numpy
# (ORDER BY sorted all 235,000 kept rows, spilling to disk), and the few hundred distinct
# skill sets are parsed once each (jsonb parsed per row cost 0.4 s there, and converting
# each volunteer's levels again 1.1 s).
_IN_BOX_ROWS = sql.compiled(_MATCHED.with_only_columns(
    *[sa.cast(c, sa.Text).label("skills") if c.name == "skills" else c
      for c in _MATCHED.selected_columns]).where(
    v.c.status == sa.literal_column("'active'"),
    _home_strip == sa.any_(sa.bindparam("strips", type_=pg.ARRAY(sa.Integer))),
    _LAT.between(sa.bindparam("y0", type_=pg.DOUBLE_PRECISION),
                 sa.bindparam("y1", type_=pg.DOUBLE_PRECISION)),
    _OWN_BOX))
_MATCHED_ONE = sql.compiled(_MATCHED.where(v.c.status == "active", v.c.id == _ID))
e = volunteer_availability_exception
_PERIOD = sa.func.tstzrange(sa.bindparam("starts", type_=TIMESTAMPTZ),
                            sa.bindparam("ends", type_=TIMESTAMPTZ), type_=pg.TSTZRANGE)
_BUSY = sql.compiled(sa.union_all(
    sa.select(x.c.volunteer_id, sa.func.lower(x.c.time_window).label("starts_at"),
              sa.func.upper(x.c.time_window).label("ends_at"), sa.true().label("booked"))
    .where(x.c.active, x.c.volunteer_id == sa.any_(_IDS), x.c.time_window.overlaps(_PERIOD)),
    sa.select(e.c.volunteer_id, sa.func.lower(e.c.period), sa.func.upper(e.c.period),
              sa.false())
    .where(sa.not_(e.c.available), e.c.volunteer_id == sa.any_(_IDS),
           e.c.period.overlaps(_PERIOD))))
_EXTRA = sql.compiled(sa.select(
    e.c.volunteer_id, sa.func.lower(e.c.period).label("starts_at"),
    sa.func.upper(e.c.period).label("ends_at"),
).where(e.c.available, e.c.volunteer_id == sa.any_(_IDS), e.c.period.overlaps(_PERIOD)))


async def list_reachable_volunteers(db: Database, *, demand_ids: Sequence[int]) -> list[Row]:
    """Active volunteers within their own service radius of at least one of the demands."""
    box = (await sql.fetch(db, _BOX, {"ids": list(demand_ids)}))[0]
    if box["x0"] is None or box["r"] is None:
        return []
    strips, y0, y1 = reach_box(box["x0"], box["x1"], box["y0"], box["y1"], float(box["r"]))
    lon0, lon1 = strips[0] / STRIPS_PER_DEGREE, (strips[-1] + 1) / STRIPS_PER_DEGREE
    edge = max(abs(y0), abs(y1))
    rows = await sql.fetch(db, _IN_BOX_ROWS, binary=True, params={
        "strips": strips, "y0": y0, "y1": y1, "by0": box["y0"], "by1": box["y1"],
        "x0": box["x0"], "x1": box["x1"], "y": 1.0 / _M_PER_DEG_LAT,
        "all_lon": lon1 - lon0 >= 360.0 or edge >= 89.0,
        "x": 1.0 / (_M_PER_DEG_LON * math.cos(math.radians(min(edge, 89.0))))})
    if not rows:
        return []
    keep = within_any([r["lon"] for r in rows], [r["lat"] for r in rows],
                      [r["service_radius_m"] for r in rows], box["lons"], box["lats"])
    ids = np.fromiter((r["id"] for r in rows), np.int64, len(rows))
    kept = np.flatnonzero(keep)
    skills: dict[str, dict[str, Any]] = {}  # one (shared, read-only) mapping per distinct set
    out = []
    for i in kept[np.argsort(ids[kept], kind="stable")].tolist():
        r = rows[i]
        text = r["skills"]
        held = skills.get(text)
        if held is None:
            held = skills[text] = orjson.loads(text)
        r["skills"] = held
        out.append(r)
    return out


# Metres in a degree, rounded down (more degrees for the same metres: a wider box): of
# latitude at least 110,574 anywhere on WGS-84; of longitude at least 111,319 × cos(latitude).
_M_PER_DEG_LAT, _M_PER_DEG_LON = 110_000.0, 111_000.0


def reach_box(x0: float, x1: float, y0: float, y1: float,
              metres: float) -> tuple[list[int], float, float]:
    """The index strips and latitude range holding every point within ``metres`` of the box
    [x0, x1] × [y0, y1] (degrees), a little more but never less."""
    dy = metres / _M_PER_DEG_LAT
    lat0, lat1 = max(-90.0, y0 - dy), min(90.0, y1 + dy)
    edge = max(abs(lat0), abs(lat1))
    if edge >= 89.0:
        lon0, lon1 = -180.0, 180.0
    else:
        dx = metres / (_M_PER_DEG_LON * math.cos(math.radians(edge)))
        lon0, lon1 = x0 - dx, x1 + dx
        if lon0 < -180.0 or lon1 > 180.0:  # across the antimeridian: every strip
            lon0, lon1 = -180.0, 180.0
    first = math.floor(lon0 * STRIPS_PER_DEGREE)
    last = math.floor(lon1 * STRIPS_PER_DEGREE)
    return list(range(first, last + 1)), lat0, lat1


async def get_matched_volunteer(db: Database, *, volunteer_id: int) -> Row | None:
    """An active volunteer as the matcher reads them (None: no such active volunteer)."""
    rows = await sql.fetch(db, _MATCHED_ONE, {"id": volunteer_id})
    return rows[0] if rows else None


async def list_busy_windows(db: Database, *, volunteer_ids: Sequence[int], starts: datetime,
                            ends: datetime) -> list[Row]:
    """Active dispatches and declared absences of these volunteers overlapping the period."""
    return await sql.fetch(db, _BUSY, {"ids": sql.int_array(volunteer_ids), "starts": starts,
                                       "ends": ends})


async def list_extra_windows(db: Database, *, volunteer_ids: Sequence[int], starts: datetime,
                             ends: datetime) -> list[Row]:
    """Dated extra availability of these volunteers overlapping the period."""
    return await sql.fetch(db, _EXTRA, {"ids": sql.int_array(volunteer_ids), "starts": starts,
                                        "ends": ends})
