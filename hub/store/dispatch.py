"""Statements on dispatches (派单 → 接单 → 服务): offers, states and their history, check-in and
check-out. The matcher's reads (reachable volunteers, busy and extra windows) are
:mod:`hub.store.matcher_reads`'s, its plans :mod:`hub.store.dispatch_plans`'s.

The database refuses overbooking and double booking (``dispatch_guard``, the exclusion
constraint) and checks every state change (``dispatch_transition``). Every statement is built
with SQLAlchemy Core on :mod:`hub.store.tables` and run by :mod:`hub.store.sql`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import demand, dispatch, dispatch_event, dispatch_state, dispatch_transition

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
