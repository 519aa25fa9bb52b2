"""SQL for dispatching: what the matcher needs from PostGIS, plans, and dispatch rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.store.base import Database, Row

ACTIVE = "SELECT state FROM dispatch_state WHERE active"


async def open_demands(db: Database, *, region_prefix: str, starts: datetime,
                       ends: datetime) -> list[Row]:
    """Demands of a region subtree starting in [starts, ends) with slots still to fill."""
    return await db.fetch(
        "SELECT d.id, ST_X(d.location_geom) AS lon, ST_Y(d.location_geom) AS lat, "
        "d.required_skills, d.needed - coalesce(x.taken, 0) AS remaining, "
        "lower(d.time_window) AS starts_at, upper(d.time_window) AS ends_at, d.priority, "
        "d.requires_insurance FROM demand d LEFT JOIN LATERAL (SELECT count(*) AS taken "
        "FROM dispatch x WHERE x.demand_id = d.id AND x.active) x ON TRUE "
        "WHERE d.region_code LIKE %(prefix)s AND d.status IN ('open', 'dispatched') "
        "AND lower(d.time_window) >= %(starts)s AND lower(d.time_window) < %(ends)s "
        "AND d.needed > coalesce(x.taken, 0) ORDER BY d.id",
        {"prefix": region_prefix + "%", "starts": starts, "ends": ends})


async def reachable_volunteers(db: Database, *, demand_ids: Sequence[int]) -> list[Row]:
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


async def busy_windows(db: Database, *, volunteer_ids: Sequence[int], starts: datetime,
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


async def extra_windows(db: Database, *, volunteer_ids: Sequence[int], starts: datetime,
                        ends: datetime) -> list[Row]:
    """Dated extra availability of these volunteers overlapping the period."""
    return await db.fetch(
        "SELECT volunteer_id, lower(period) AS starts_at, upper(period) AS ends_at "
        "FROM volunteer_availability_exception WHERE available AND volunteer_id = ANY(%(ids)s) "
        "AND period && tstzrange(%(starts)s, %(ends)s)",
        {"ids": list(volunteer_ids), "starts": starts, "ends": ends})


async def save_plan(db: Database, *, region_code: str, starts: datetime, ends: datetime,
                    options: dict[str, Any], plan: dict[str, Any], created_by: str) -> str:
    """Store a plan (not yet committed); return its id."""
    rows = await db.fetch(
        "INSERT INTO dispatch_plan (region_code, period, options, plan, stats, created_by) "
        "VALUES (%(region)s, tstzrange(%(starts)s, %(ends)s), %(options)s, %(plan)s, "
        "%(stats)s, %(by)s) RETURNING id::text AS id",
        {"region": region_code, "starts": starts, "ends": ends, "options": json.dumps(options),
         "plan": json.dumps(plan), "stats": json.dumps(plan["stats"]), "by": created_by})
    return str(rows[0]["id"])


async def plan_region(db: Database, *, plan_id: str) -> str | None:
    """The division a stored plan dispatches in, or None when there is no such plan."""
    rows = await db.fetch("SELECT region_code FROM dispatch_plan WHERE id = %(id)s",
                          {"id": plan_id})
    return str(rows[0]["region_code"]) if rows else None


async def get_plan(db: Database, *, plan_id: str) -> Row | None:
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


async def mark_committed(db: Database, *, plan_id: str, by: str) -> None:
    """Record that a plan was committed."""
    await db.fetch("UPDATE dispatch_plan SET committed_at = now(), committed_by = %(by)s "
                   "WHERE id = %(id)s", {"id": plan_id, "by": by})


async def mark_demands_dispatched(db: Database, *, demand_ids: Sequence[int]) -> None:
    """Open demands that received offers become dispatched."""
    await db.fetch("UPDATE demand SET status = 'dispatched', updated_at = now() "
                   "WHERE id = ANY(%(ids)s) AND status = 'open'", {"ids": list(demand_ids)})


async def cancel_of_volunteer(db: Database, *, volunteer_id: int, reason: str) -> int:
    """Cancel a volunteer's offered and accepted dispatches (退出); return how many."""
    rows = await db.fetch(
        "UPDATE dispatch SET status = 'cancelled', responded_at = now(), "
        "decline_reason = %(reason)s WHERE volunteer_id = %(id)s "
        "AND status IN ('offered', 'accepted') RETURNING id",
        {"id": volunteer_id, "reason": reason})
    return len(rows)
