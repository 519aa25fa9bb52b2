"""Statements on dispatches (派单 → 接单 → 服务): offers, states and their history, check-in and
check-out; the matcher's reads (reachable volunteers, busy and extra windows) and its plans.

The database refuses overbooking and double booking (``dispatch_guard``, the exclusion
constraint) and checks every state change (``dispatch_transition``). Every statement is built
with SQLAlchemy Core on :mod:`hub.store.tables` and run by :mod:`hub.store.sql`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import orjson
import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import postgresql as pg

from hub.geo.geodesy import within_any
from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import (
    TIMESTAMPTZ,
    demand,
    dispatch,
    dispatch_event,
    dispatch_plan,
    dispatch_state,
    dispatch_transition,
    volunteer,
    volunteer_availability_exception,
)

x, d = dispatch, demand
_ID = sa.bindparam("id", type_=sa.BigInteger)
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_BY = sa.bindparam("by", type_=sa.Text)
_POINT = sql.point(sa.bindparam("lon", type_=sa.Float), sa.bindparam("lat", type_=sa.Float))
# A dispatch as every reader gets it, with its demand's region and station.
COLUMNS = (
    x.c.id, x.c.demand_id, x.c.volunteer_id, sa.cast(x.c.plan_id, sa.Text).label("plan_id"),
    x.c.status, x.c.active, sa.func.lower(x.c.time_window).label("starts_at"),
    sa.func.upper(x.c.time_window).label("ends_at"), x.c.distance_m, x.c.reason, x.c.offered_by,
    x.c.offered_at, x.c.respond_by, x.c.responded_at, x.c.decline_reason, x.c.changed_by,
    x.c.change_reason, x.c.check_in_at, x.c.check_in_distance_m, x.c.check_out_at,
    x.c.check_out_distance_m, sa.cast(x.c.hours, pg.DOUBLE_PRECISION).label("hours"),
    x.c.claimed, d.c.region_code, d.c.station_id,
    sa.func.ST_X(x.c.check_in_geom).label("check_in_lon"),
    sa.func.ST_Y(x.c.check_in_geom).label("check_in_lat"),
    sa.func.ST_X(x.c.check_out_geom).label("check_out_lon"),
    sa.func.ST_Y(x.c.check_out_geom).label("check_out_lat"), sa.func.now().label("now"))
_READ = sa.select(*COLUMNS).select_from(x.join(d, d.c.id == x.c.demand_id))
_GET_MANY = sql.compiled(_READ.where(x.c.id == sa.any_(_IDS)))
_LOCK = sql.compiled(_READ.where(x.c.id == _ID).with_for_update(of=x))
_ACTIVE = sql.compiled(_READ.where(x.c.demand_id == _ID, x.c.active).order_by(x.c.id))
_TRANSITIONS = sql.compiled(sa.select(dispatch_transition.c.from_state,
                                      dispatch_transition.c.to_state))
_STATES = sql.compiled(sa.select(dispatch_state).order_by(dispatch_state.c.state))
_LOCK_DEMAND = sql.compiled(sa.select(d.c.id).where(
    d.c.id == sa.select(x.c.demand_id).where(x.c.id == _ID).scalar_subquery())
    .with_for_update())


async def list_transitions(db: Database) -> frozenset[tuple[str, str]]:
    """The allowed (from, to) state pairs, as the database defines them."""
    rows = await sql.fetch(db, _TRANSITIONS)
    return frozenset((r["from_state"], r["to_state"]) for r in rows)


async def list_states(db: Database) -> list[Row]:
    """Every dispatch state with its label and whether it holds the slot."""
    return await sql.fetch(db, _STATES)


async def get_many(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Dispatches by id, with their demand's region."""
    return await sql.fetch(db, _GET_MANY, {"ids": list(ids)})


async def lock(db: Database, *, dispatch_id: int) -> Row | None:
    """A dispatch, its demand locked first (the order every writer keeps), then itself."""
    if not await sql.fetch(db, _LOCK_DEMAND, {"id": dispatch_id}):
        return None
    rows = await sql.fetch(db, _LOCK, {"id": dispatch_id})
    return rows[0] if rows else None


_SET_STATE = sql.compiled(sa.update(x).where(x.c.id == _ID).values(
    status=sa.bindparam("to", type_=sa.Text), changed_by=_BY,
    change_reason=sa.bindparam("reason", type_=sa.Text),
    responded_at=sa.case((sa.bindparam("responded", type_=sa.Boolean), sa.func.now()),
                         else_=x.c.responded_at),
    decline_reason=sa.func.coalesce(sa.bindparam("decline", type_=sa.Text), x.c.decline_reason)))


async def update_state(db: Database, *, dispatch_id: int, to_state: str, by: str,
                       reason: str | None = None, responded: bool = False,
                       decline_reason: str | None = None) -> None:
    """Move a dispatch to ``to_state`` (the trigger checks the transition and logs it)."""
    await sql.fetch(db, _SET_STATE, {"id": dispatch_id, "to": to_state, "by": by,
                                     "reason": reason, "responded": responded,
                                     "decline": decline_reason})


_DISTANCE = sql.compiled(
    sa.select(sa.func.ST_Distance(d.c.location, sql.geography(_POINT)).label("m"))
    .select_from(x.join(d, d.c.id == x.c.demand_id)).where(x.c.id == _ID))


async def get_distance_m(db: Database, *, dispatch_id: int, lon: float, lat: float) -> float:
    """Metres (exact WGS-84) from a point to the dispatch's demand."""
    rows = await sql.fetch(db, _DISTANCE, {"id": dispatch_id, "lon": lon, "lat": lat})
    return float(rows[0]["m"])


_METRES = sa.bindparam("m", type_=pg.DOUBLE_PRECISION)
_CHECK_IN = sql.compiled(sa.update(x).where(x.c.id == _ID).values(
    status="checked_in", changed_by=_BY, change_reason=None, check_in_at=sa.func.now(),
    check_in_geom=_POINT, check_in_distance_m=_METRES))
# Hours served: from check-in (or the window's start) to now (or the window's end), in hours
# rounded to the hundredth, never below zero.
_SERVED_S = sa.extract("epoch", sa.func.least(sa.func.now(), sa.func.upper(x.c.time_window))
                       - sa.func.greatest(x.c.check_in_at, sa.func.lower(x.c.time_window)))
_HOURS = sa.func.round(sa.cast(sa.func.greatest(0, _SERVED_S, type_=sa.Numeric) / 3600,
                               sa.Numeric), 2)
_CHECK_OUT = sql.compiled(sa.update(x).where(x.c.id == _ID).values(
    status="completed", changed_by=_BY, change_reason=None, check_out_at=sa.func.now(),
    check_out_geom=_POINT, check_out_distance_m=_METRES, hours=_HOURS)
    .returning(x.c.volunteer_id, x.c.demand_id, x.c.hours))


async def update_checked_in(db: Database, *, dispatch_id: int, lon: float, lat: float,
                            distance: float, by: str) -> None:
    """Record the check-in point and time and move to checked_in."""
    await sql.fetch(db, _CHECK_IN, {"id": dispatch_id, "lon": lon, "lat": lat, "m": distance,
                                    "by": by})


async def update_checked_out(db: Database, *, dispatch_id: int, lon: float, lat: float,
                             distance: float, by: str) -> Row:
    """Record the check-out and the hours served, clipped to the demand's window."""
    rows = await sql.fetch(db, _CHECK_OUT, {"id": dispatch_id, "lon": lon, "lat": lat,
                                            "m": distance, "by": by})
    return rows[0]


_TRIED = sql.compiled(sa.select(x.c.volunteer_id).distinct().where(x.c.demand_id == _ID))
# 'offered' as a constant, not a parameter: a generic plan may then use the partial index
# dispatch_respond_by_idx (WHERE status = 'offered', sql/0004).
_DUE = sql.compiled(sa.select(x.c.id).where(
    x.c.status == sa.literal_column("'offered'"), x.c.respond_by <= sa.func.now())
    .order_by(x.c.respond_by).limit(sa.bindparam("n", type_=sa.Integer))
    .with_for_update(skip_locked=True))


async def list_tried_volunteers(db: Database, *, demand_id: int) -> list[int]:
    """Volunteers who were ever offered this demand (not offered it again)."""
    rows = await sql.fetch(db, _TRIED, {"id": demand_id})
    return [r["volunteer_id"] for r in rows]


async def list_active(db: Database, *, demand_id: int) -> list[Row]:
    """The dispatches holding slots of a demand."""
    return await sql.fetch(db, _ACTIVE, {"id": demand_id})


async def lock_due_offers(db: Database, *, limit: int) -> list[int]:
    """Offers past their deadline, locked; rows another process holds are skipped."""
    rows = await sql.fetch(db, _DUE, {"n": limit})
    return [r["id"] for r in rows]


@dataclass(frozen=True)
class DispatchFilter:
    """Which dispatches to list; every given condition must hold."""

    volunteer_id: int | None = None
    demand_id: int | None = None
    region_prefix: str | None = None
    statuses: tuple[str, ...] = ()


def _where(f: DispatchFilter) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if f.volunteer_id is not None:
        where.append(x.c.volunteer_id == f.volunteer_id)
    if f.demand_id is not None:
        where.append(x.c.demand_id == f.demand_id)
    if f.region_prefix:
        where.append(d.c.region_code.like(f.region_prefix + "%"))  # digits: nothing to escape
    if f.statuses:
        where.append(x.c.status == sa.any_(sa.literal(list(f.statuses), pg.ARRAY(sa.Text))))
    return where


async def list_(db: Database, *, filter: DispatchFilter, first: int,
                after_id: int | None) -> list[Row]:
    """A page of dispatches in id order (``first + 1`` rows, to tell if there are more)."""
    return await sql.fetch(db, _READ.where(*_where(filter), x.c.id > (after_id or 0))
                           .order_by(x.c.id).limit(first + 1))


async def count(db: Database, *, filter: DispatchFilter) -> int:
    """How many dispatches match."""
    rows = await sql.fetch(db, sa.select(sa.func.count().label("n")).select_from(
        x.join(d, d.c.id == x.c.demand_id)).where(*_where(filter)))
    return int(rows[0]["n"])


_EVENTS = sql.compiled(sa.select(
    dispatch_event.c.id, dispatch_event.c.dispatch_id, dispatch_event.c.from_state,
    dispatch_event.c.to_state, dispatch_event.c.actor, dispatch_event.c.reason,
    dispatch_event.c.at).where(dispatch_event.c.dispatch_id == sa.any_(_IDS))
    .order_by(dispatch_event.c.id))


async def list_events(db: Database, *, dispatch_ids: Sequence[int]) -> list[Row]:
    """The state history of dispatches, oldest first."""
    return await sql.fetch(db, _EVENTS, {"ids": list(dispatch_ids)})


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
    skills: dict[str, dict[str, int]] = {}  # one (shared, read-only) mapping per distinct set
    out = []
    for i in kept[np.argsort(ids[kept], kind="stable")].tolist():
        r = rows[i]
        text = r["skills"]
        held = skills.get(text)
        if held is None:
            held = skills[text] = {k: int(level) for k, level in orjson.loads(text).items()}
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


p = dispatch_plan
_PLAN_ID = sa.bindparam("id", type_=pg.UUID)
_CREATE_PLAN = sql.compiled(sa.insert(p).values(
    region_code=sa.bindparam("region", type_=sa.Text), period=_PERIOD,
    options=sa.bindparam("options"), plan=sa.bindparam("plan"), stats=sa.bindparam("stats"),
    created_by=_BY).returning(sa.cast(p.c.id, sa.Text).label("id")))
_PLAN_REGION = sql.compiled(sa.select(p.c.region_code).where(p.c.id == _PLAN_ID))
_LOCK_PLAN = sql.compiled(sa.select(
    sa.cast(p.c.id, sa.Text).label("id"), p.c.region_code,
    sa.func.lower(p.c.period).label("starts_at"), sa.func.upper(p.c.period).label("ends_at"),
    p.c.plan, p.c.committed_at).where(p.c.id == _PLAN_ID).with_for_update())
_PLAN_COMMITTED = sql.compiled(sa.update(p).where(p.c.id == _PLAN_ID).values(
    committed_at=sa.func.now(), committed_by=_BY))


async def create_plan(db: Database, *, region_code: str, starts: datetime, ends: datetime,
                      options: dict[str, Any], plan: dict[str, Any], created_by: str) -> str:
    """Store a plan (not yet committed); return its id."""
    rows = await sql.fetch(db, _CREATE_PLAN, {
        "region": region_code, "starts": starts, "ends": ends, "options": Jsonb(options),
        "plan": Jsonb(plan), "stats": Jsonb(plan["stats"]), "by": created_by})
    return str(rows[0]["id"])


async def get_plan_region(db: Database, *, plan_id: str) -> str | None:
    """The division a stored plan dispatches in, or None when there is no such plan."""
    rows = await sql.fetch(db, _PLAN_REGION, {"id": plan_id})
    return str(rows[0]["region_code"]) if rows else None


async def lock_plan(db: Database, *, plan_id: str) -> Row | None:
    """A stored plan, locked for the rest of the transaction."""
    rows = await sql.fetch(db, _LOCK_PLAN, {"id": plan_id})
    return rows[0] if rows else None


# An offer copies its demand's window; the volunteer must answer within the ttl, and before
# the window starts.
_OFFER = sql.compiled(sa.insert(x).from_select(
    ["demand_id", "volunteer_id", "plan_id", "time_window", "distance_m", "reason",
     "offered_by", "respond_by"],
    sa.select(d.c.id, sa.bindparam("volunteer", type_=sa.BigInteger),
              sa.bindparam("plan", type_=pg.UUID), d.c.time_window,
              sa.bindparam("distance", type_=pg.DOUBLE_PRECISION),
              sa.bindparam("reason", type_=sa.Text), _BY,
              sa.func.least(sa.func.now() + sql.seconds(sa.bindparam("ttl", type_=sa.Integer)),
                            sa.func.lower(d.c.time_window)))
    .where(d.c.id == sa.bindparam("demand", type_=sa.BigInteger)))
    .returning(x.c.id, x.c.status))
_CANCEL_OF_VOLUNTEER = sql.compiled(sa.update(x).where(
    x.c.volunteer_id == _ID,
    x.c.status == sa.any_(sa.literal(["offered", "accepted"], pg.ARRAY(sa.Text))))
    .values(status="cancelled", responded_at=sa.func.now(),
            decline_reason=sa.bindparam("reason", type_=sa.Text)).returning(x.c.id))


async def create(db: Database, *, demand_id: int, volunteer_id: int, plan_id: str | None,
                 distance_m: float | None, reason: str, offered_by: str,
                 ttl_s: int) -> Row:
    """Offer a demand's slot to a volunteer: a new dispatch (the database refuses
    overbooking)."""
    rows = await sql.fetch(db, _OFFER, {
        "demand": demand_id, "volunteer": volunteer_id, "plan": plan_id,
        "distance": distance_m, "reason": reason, "by": offered_by, "ttl": ttl_s})
    return rows[0]


async def update_plan_committed(db: Database, *, plan_id: str, by: str) -> None:
    """Record that a plan was committed."""
    await sql.fetch(db, _PLAN_COMMITTED, {"id": plan_id, "by": by})


_WITHDRAWABLE = sql.compiled(
    sa.select(x.c.id, x.c.demand_id, x.c.status).where(
        x.c.volunteer_id == _ID, x.c.active,
        sa.exists().where(dispatch_transition.c.from_state == x.c.status,
                          dispatch_transition.c.to_state == "cancelled"))
    .order_by(x.c.demand_id, x.c.id))


async def list_withdrawable_of_volunteer(db: Database, *, volunteer_id: int) -> list[Row]:
    """A volunteer's active dispatches that may still be cancelled (offered, accepted, a
    pending claim; not one checked in), by demand."""
    return await sql.fetch(db, _WITHDRAWABLE, {"id": volunteer_id})


async def update_cancelled_of_volunteer(db: Database, *, volunteer_id: int, reason: str) -> int:
    """Cancel a volunteer's offered and accepted dispatches (退出); return how many."""
    rows = await sql.fetch(db, _CANCEL_OF_VOLUNTEER, {"id": volunteer_id, "reason": reason})
    return len(rows)
