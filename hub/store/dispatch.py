"""Statements on dispatches (派单 → 接单 → 服务): offers, states and their history, check-in and
check-out; the matcher's reads (reachable volunteers, busy and extra windows) and its plans.

The database refuses overbooking and double booking (``dispatch_guard``, the exclusion
constraint) and checks every state change (``dispatch_transition``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import demand, dispatch

x, d = dispatch, demand
# A dispatch as every reader gets it, with its demand's region and station.
COLUMNS = (
    x.c.id, x.c.demand_id, x.c.volunteer_id, sa.cast(x.c.plan_id, sa.Text).label("plan_id"),
    x.c.status, x.c.active, sa.func.lower(x.c.time_window).label("starts_at"),
    sa.func.upper(x.c.time_window).label("ends_at"), x.c.distance_m, x.c.reason, x.c.offered_by,
    x.c.offered_at, x.c.respond_by, x.c.responded_at, x.c.decline_reason, x.c.changed_by,
    x.c.change_reason, x.c.check_in_at, x.c.check_in_distance_m, x.c.check_out_at,
    x.c.check_out_distance_m, sa.cast(x.c.hours, pg.DOUBLE_PRECISION).label("hours"),
    d.c.region_code, d.c.station_id,
    sa.func.ST_X(x.c.check_in_geom).label("check_in_lon"),
    sa.func.ST_Y(x.c.check_in_geom).label("check_in_lat"),
    sa.func.ST_X(x.c.check_out_geom).label("check_out_lon"),
    sa.func.ST_Y(x.c.check_out_geom).label("check_out_lat"), sa.func.now().label("now"))
_READ = sa.select(*COLUMNS).select_from(x.join(d, d.c.id == x.c.demand_id))
_GET_MANY = sql.compiled(_READ.where(
    x.c.id == sa.any_(sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger)))))
_LOCK = sql.compiled(_READ.where(x.c.id == sa.bindparam("id")).with_for_update(of=x))
_ACTIVE = sql.compiled(_READ.where(x.c.demand_id == sa.bindparam("id"), x.c.active)
                       .order_by(x.c.id))


async def list_transitions(db: Database) -> frozenset[tuple[str, str]]:
    """The allowed (from, to) state pairs, as the database defines them."""
    rows = await db.fetch("SELECT from_state, to_state FROM dispatch_transition")
    return frozenset((r["from_state"], r["to_state"]) for r in rows)


async def list_states(db: Database) -> list[Row]:
    """Every dispatch state with its label and whether it holds the slot."""
    return await db.fetch("SELECT state, active, label_zh FROM dispatch_state ORDER BY state")


async def get_many(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Dispatches by id, with their demand's region."""
    return await sql.fetch(db, _GET_MANY, {"ids": list(ids)})


async def lock(db: Database, *, dispatch_id: int) -> Row | None:
    """A dispatch, its demand locked first (the order every writer keeps), then itself."""
    rows = await db.fetch(
        "SELECT 1 FROM demand WHERE id = (SELECT demand_id FROM dispatch WHERE id = %(id)s) "
        "FOR UPDATE", {"id": dispatch_id})
    if not rows:
        return None
    rows = await sql.fetch(db, _LOCK, {"id": dispatch_id})
    return rows[0] if rows else None


async def set_state(db: Database, *, dispatch_id: int, to_state: str, by: str,
                    reason: str | None = None, responded: bool = False,
                    decline_reason: str | None = None) -> None:
    """Move a dispatch to ``to_state`` (the trigger checks the transition and logs it)."""
    await db.fetch(
        "UPDATE dispatch SET status = %(to)s, changed_by = %(by)s, change_reason = %(reason)s, "
        "responded_at = CASE WHEN %(responded)s THEN now() ELSE responded_at END, "
        "decline_reason = coalesce(%(decline)s, decline_reason) WHERE id = %(id)s",
        {"id": dispatch_id, "to": to_state, "by": by, "reason": reason, "responded": responded,
         "decline": decline_reason})


async def get_distance_m(db: Database, *, dispatch_id: int, lon: float, lat: float) -> float:
    """Metres (exact WGS-84) from a point to the dispatch's demand."""
    rows = await db.fetch(
        "SELECT ST_Distance(d.location, ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)"
        "::geography) AS m FROM dispatch x JOIN demand d ON d.id = x.demand_id "
        "WHERE x.id = %(id)s", {"id": dispatch_id, "lon": lon, "lat": lat})
    return float(rows[0]["m"])


async def check_in(db: Database, *, dispatch_id: int, lon: float, lat: float,
                   distance: float, by: str) -> None:
    """Record the check-in point and time and move to checked_in."""
    await db.fetch(
        "UPDATE dispatch SET status = 'checked_in', changed_by = %(by)s, change_reason = NULL, "
        "check_in_at = now(), check_in_geom = ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), "
        "check_in_distance_m = %(m)s WHERE id = %(id)s",
        {"id": dispatch_id, "lon": lon, "lat": lat, "m": distance, "by": by})


async def check_out(db: Database, *, dispatch_id: int, lon: float, lat: float,
                    distance: float, by: str) -> Row:
    """Record the check-out and the hours served, clipped to the demand's window."""
    rows = await db.fetch(
        "UPDATE dispatch SET status = 'completed', changed_by = %(by)s, change_reason = NULL, "
        "check_out_at = now(), check_out_geom = ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), "
        "check_out_distance_m = %(m)s, hours = round((greatest(0, extract(epoch FROM "
        "least(now(), upper(time_window)) - greatest(check_in_at, lower(time_window)))) "
        "/ 3600)::numeric, 2) WHERE id = %(id)s RETURNING volunteer_id, demand_id, hours",
        {"id": dispatch_id, "lon": lon, "lat": lat, "m": distance, "by": by})
    return rows[0]


async def list_tried_volunteers(db: Database, *, demand_id: int) -> list[int]:
    """Volunteers who were ever offered this demand (not offered it again)."""
    rows = await db.fetch("SELECT DISTINCT volunteer_id FROM dispatch WHERE demand_id = %(id)s",
                          {"id": demand_id})
    return [r["volunteer_id"] for r in rows]


async def list_active(db: Database, *, demand_id: int) -> list[Row]:
    """The dispatches holding slots of a demand."""
    return await sql.fetch(db, _ACTIVE, {"id": demand_id})


async def list_due_offers(db: Database, *, limit: int) -> list[int]:
    """Offers past their deadline, locked; rows another process holds are skipped."""
    rows = await db.fetch("SELECT id FROM dispatch WHERE status = 'offered' AND respond_by <= "
                          "now() ORDER BY respond_by LIMIT %(n)s FOR UPDATE SKIP LOCKED",
                          {"n": limit})
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


async def list_events(db: Database, *, dispatch_ids: Sequence[int]) -> list[Row]:
    """The state history of dispatches, oldest first."""
    return await db.fetch(
        "SELECT id, dispatch_id, from_state, to_state, actor, reason, at FROM dispatch_event "
        "WHERE dispatch_id = ANY(%(ids)s) ORDER BY id", {"ids": list(dispatch_ids)})


async def list_reachable_volunteers(db: Database, *, demand_ids: Sequence[int]) -> list[Row]:
    """Active volunteers within their own service radius of at least one of the demands."""
    return await db.fetch(
        "SELECT v.id, ST_X(v.home_geom) AS lon, ST_Y(v.home_geom) AS lat, v.skills, "
        "v.service_radius_m, v.capacity_per_week, v.weekly_availability::text AS weekly, "
        "v.insured_until FROM volunteer v WHERE v.status = 'active' AND v.id IN ("
        " SELECT w.id FROM demand d JOIN volunteer w ON ST_DWithin(w.home, d.location, "
        "  (SELECT max(service_radius_m) FROM volunteer)) "
        "  AND ST_DWithin(w.home, d.location, w.service_radius_m) "
        " WHERE d.id = ANY(%(ids)s) AND w.status = 'active') ORDER BY v.id",
        {"ids": list(demand_ids)})


async def list_busy_windows(db: Database, *, volunteer_ids: Sequence[int], starts: datetime,
                            ends: datetime) -> list[Row]:
    """Active dispatches and declared absences of these volunteers overlapping the period."""
    return await db.fetch(
        "SELECT volunteer_id, lower(time_window) AS starts_at, upper(time_window) AS ends_at, "
        "true AS booked FROM dispatch WHERE active AND volunteer_id = ANY(%(ids)s) "
        "AND time_window && tstzrange(%(starts)s, %(ends)s) UNION ALL "
        "SELECT volunteer_id, lower(period), upper(period), false FROM "
        "volunteer_availability_exception WHERE NOT available AND volunteer_id = ANY(%(ids)s) "
        "AND period && tstzrange(%(starts)s, %(ends)s)",
        {"ids": list(volunteer_ids), "starts": starts, "ends": ends})


async def list_extra_windows(db: Database, *, volunteer_ids: Sequence[int], starts: datetime,
                             ends: datetime) -> list[Row]:
    """Dated extra availability of these volunteers overlapping the period."""
    return await db.fetch(
        "SELECT volunteer_id, lower(period) AS starts_at, upper(period) AS ends_at "
        "FROM volunteer_availability_exception WHERE available AND volunteer_id = ANY(%(ids)s) "
        "AND period && tstzrange(%(starts)s, %(ends)s)",
        {"ids": list(volunteer_ids), "starts": starts, "ends": ends})


async def create_plan(db: Database, *, region_code: str, starts: datetime, ends: datetime,
                      options: dict[str, Any], plan: dict[str, Any], created_by: str) -> str:
    """Store a plan (not yet committed); return its id."""
    rows = await db.fetch(
        "INSERT INTO dispatch_plan (region_code, period, options, plan, stats, created_by) "
        "VALUES (%(region)s, tstzrange(%(starts)s, %(ends)s), %(options)s, %(plan)s, "
        "%(stats)s, %(by)s) RETURNING id::text AS id",
        {"region": region_code, "starts": starts, "ends": ends, "options": json.dumps(options),
         "plan": json.dumps(plan), "stats": json.dumps(plan["stats"]), "by": created_by})
    return str(rows[0]["id"])


async def get_plan_region(db: Database, *, plan_id: str) -> str | None:
    """The division a stored plan dispatches in, or None when there is no such plan."""
    rows = await db.fetch("SELECT region_code FROM dispatch_plan WHERE id = %(id)s",
                          {"id": plan_id})
    return str(rows[0]["region_code"]) if rows else None


async def lock_plan(db: Database, *, plan_id: str) -> Row | None:
    """A stored plan, locked for the rest of the transaction."""
    rows = await db.fetch(
        "SELECT id::text AS id, region_code, lower(period) AS starts_at, upper(period) AS "
        "ends_at, plan, committed_at FROM dispatch_plan WHERE id = %(id)s FOR UPDATE",
        {"id": plan_id})
    return rows[0] if rows else None


async def offer(db: Database, *, demand_id: int, volunteer_id: int, plan_id: str | None,
                distance_m: float | None, reason: str, offered_by: str,
                ttl_s: int) -> Row:
    """Offer a demand's slot to a volunteer (the database refuses overbooking)."""
    rows = await db.fetch(
        "INSERT INTO dispatch (demand_id, volunteer_id, plan_id, time_window, distance_m, "
        "reason, offered_by, respond_by) SELECT d.id, %(volunteer)s, %(plan)s, d.time_window, "
        "%(distance)s, %(reason)s, %(by)s, least(now() + make_interval(secs => %(ttl)s), "
        "lower(d.time_window)) FROM demand d WHERE d.id = %(demand)s RETURNING id, status",
        {"demand": demand_id, "volunteer": volunteer_id, "plan": plan_id,
         "distance": distance_m, "reason": reason, "by": offered_by, "ttl": ttl_s})
    return rows[0]


async def mark_plan_committed(db: Database, *, plan_id: str, by: str) -> None:
    """Record that a plan was committed."""
    await db.fetch("UPDATE dispatch_plan SET committed_at = now(), committed_by = %(by)s "
                   "WHERE id = %(id)s", {"id": plan_id, "by": by})


async def cancel_of_volunteer(db: Database, *, volunteer_id: int, reason: str) -> int:
    """Cancel a volunteer's offered and accepted dispatches (退出); return how many."""
    rows = await db.fetch(
        "UPDATE dispatch SET status = 'cancelled', responded_at = now(), "
        "decline_reason = %(reason)s WHERE volunteer_id = %(id)s "
        "AND status IN ('offered', 'accepted') RETURNING id",
        {"id": volunteer_id, "reason": reason})
    return len(rows)
