"""SQL for the 点单 → 派单 → 接单 → 服务 loop: demands, dispatch states, check-in and check-out.

Offers are inserted with :func:`hub.store.dispatch.offer`; the database (``dispatch_guard``,
the exclusion constraint) refuses overbooking and double booking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.store.base import Database, Row

DISPATCH_COLUMNS = (
    "x.id, x.demand_id, x.volunteer_id, x.plan_id::text AS plan_id, x.status, x.active, "
    "lower(x.time_window) AS starts_at, upper(x.time_window) AS ends_at, x.distance_m, x.reason, "
    "x.offered_by, x.offered_at, x.respond_by, x.responded_at, x.decline_reason, x.changed_by, "
    "x.change_reason, x.check_in_at, x.check_in_distance_m, x.check_out_at, "
    "x.check_out_distance_m, x.hours::float8 AS hours, d.region_code, d.station_id, "
    "ST_X(x.check_in_geom) AS check_in_lon, ST_Y(x.check_in_geom) AS check_in_lat, "
    "ST_X(x.check_out_geom) AS check_out_lon, ST_Y(x.check_out_geom) AS check_out_lat, "
    "now() AS now")
DISPATCH_FROM = "dispatch x JOIN demand d ON d.id = x.demand_id"
DEMAND_LOCK_COLUMNS = (
    "d.id, d.status, d.needed, d.region_code, d.station_id, lower(d.time_window) AS starts_at, "
    "upper(d.time_window) AS ends_at, d.unfilled_reason, d.requires_insurance, now() AS now, "
    "(SELECT count(*) FROM dispatch a WHERE a.demand_id = d.id AND a.active) AS taken")


async def transitions(db: Database) -> frozenset[tuple[str, str]]:
    """The allowed (from, to) state pairs, as the database defines them."""
    rows = await db.fetch("SELECT from_state, to_state FROM dispatch_transition")
    return frozenset((r["from_state"], r["to_state"]) for r in rows)


async def states(db: Database) -> list[Row]:
    """Every dispatch state with its label and whether it holds the slot."""
    return await db.fetch("SELECT state, active, label_zh FROM dispatch_state ORDER BY state")


async def get_dispatches(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Dispatches by id, with their demand's region."""
    return await db.fetch(f"SELECT {DISPATCH_COLUMNS} FROM {DISPATCH_FROM} "
                          "WHERE x.id = ANY(%(ids)s)", {"ids": list(ids)})


async def lock_dispatch(db: Database, *, dispatch_id: int) -> Row | None:
    """A dispatch, its demand locked first (the order every writer keeps), then itself."""
    rows = await db.fetch(
        "SELECT 1 FROM demand WHERE id = (SELECT demand_id FROM dispatch WHERE id = %(id)s) "
        "FOR UPDATE", {"id": dispatch_id})
    if not rows:
        return None
    rows = await db.fetch(f"SELECT {DISPATCH_COLUMNS} FROM {DISPATCH_FROM} WHERE x.id = %(id)s "
                          "FOR UPDATE OF x", {"id": dispatch_id})
    return rows[0] if rows else None


async def lock_demand(db: Database, *, demand_id: int) -> Row | None:
    """A demand locked for the rest of the transaction, with its active dispatch count."""
    rows = await db.fetch(f"SELECT {DEMAND_LOCK_COLUMNS} FROM demand d WHERE d.id = %(id)s "
                          "FOR UPDATE OF d", {"id": demand_id})
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


async def distance_m(db: Database, *, dispatch_id: int, lon: float, lat: float) -> float:
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


async def tried_volunteers(db: Database, *, demand_id: int) -> list[int]:
    """Volunteers who were ever offered this demand (not offered it again)."""
    rows = await db.fetch("SELECT DISTINCT volunteer_id FROM dispatch WHERE demand_id = %(id)s",
                          {"id": demand_id})
    return [r["volunteer_id"] for r in rows]


async def set_unfilled(db: Database, *, demand_id: int, reason: str) -> None:
    """Say why a freed slot of a demand stays empty."""
    await db.fetch("UPDATE demand SET unfilled_reason = %(reason)s, unfilled_at = now(), "
                   "updated_at = now() WHERE id = %(id)s", {"id": demand_id, "reason": reason})


# What a demand's status should be, from its window and its active dispatches: done once
# the window has ended or every active dispatch is completed, in progress while someone has
# checked in; NULL (unchanged) before the window starts, and for an open demand nobody was
# ever dispatched to.
_SETTLE = (
    "UPDATE demand d SET status = n.status, updated_at = now() FROM ("
    " SELECT s.id, CASE WHEN s.status = 'open' AND count(x.id) = 0 THEN NULL"
    "  WHEN upper(s.time_window) <= now() THEN 'done'"
    "  WHEN lower(s.time_window) > now() THEN NULL"
    "  WHEN bool_and(x.status = 'completed') THEN 'done'"
    "  WHEN bool_or(x.status = 'checked_in') THEN 'in_progress' END AS status"
    " FROM demand s LEFT JOIN dispatch x ON x.demand_id = s.id AND x.active"
    " WHERE s.id = ANY(%(ids)s) GROUP BY s.id) n "
    "WHERE d.id = n.id AND d.status IN ('open', 'dispatched', 'in_progress') "
    "AND d.status <> n.status")


async def settle_demand(db: Database, *, demand_id: int) -> None:
    """Move a demand on as ``_SETTLE`` says; the caller holds the demand's lock."""
    await db.fetch(_SETTLE, {"ids": [demand_id]})


async def settle_started(db: Database, *, after_id: int, limit: int) -> int | None:
    """Settle up to ``limit`` dispatched or in-progress demands whose window has started, with
    ids above ``after_id`` (locked in id order; those another transaction holds are skipped
    this time). Returns the last id looked at, or None when there were none."""
    rows = await db.fetch(
        "SELECT id FROM demand WHERE status IN ('dispatched', 'in_progress') AND "
        "lower(time_window) <= now() AND id > %(after)s ORDER BY id LIMIT %(n)s "
        "FOR UPDATE SKIP LOCKED", {"after": after_id, "n": limit})
    if not rows:
        return None
    await db.fetch(_SETTLE, {"ids": [r["id"] for r in rows]})
    return int(rows[-1]["id"])


async def cancel_demand(db: Database, *, demand_id: int, by: str, reason: str) -> None:
    """Cancel a demand (its dispatches are cancelled by the caller first)."""
    await db.fetch("UPDATE demand SET status = 'cancelled', cancelled_by = %(by)s, "
                   "cancel_reason = %(reason)s, updated_at = now() WHERE id = %(id)s",
                   {"id": demand_id, "by": by, "reason": reason})


async def active_dispatches(db: Database, *, demand_id: int) -> list[Row]:
    """The dispatches holding slots of a demand."""
    return await db.fetch(f"SELECT {DISPATCH_COLUMNS} FROM {DISPATCH_FROM} "
                          "WHERE x.demand_id = %(id)s AND x.active ORDER BY x.id",
                          {"id": demand_id})


async def due_offers(db: Database, *, limit: int) -> list[int]:
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


def _where(f: DispatchFilter) -> tuple[str, dict[str, Any]]:
    where = ["TRUE"]
    params: dict[str, Any] = {}
    for column, key, value in (("x.volunteer_id", "volunteer", f.volunteer_id),
                               ("x.demand_id", "demand", f.demand_id)):
        if value is not None:
            where.append(f"{column} = %({key})s")
            params[key] = value
    if f.region_prefix:
        where.append("d.region_code LIKE %(prefix)s")
        params["prefix"] = f.region_prefix + "%"
    if f.statuses:
        where.append("x.status = ANY(%(statuses)s)")
        params["statuses"] = list(f.statuses)
    return " AND ".join(where), params


async def list_dispatches(db: Database, *, filter: DispatchFilter, first: int,
                          after_id: int | None) -> list[Row]:
    """A page of dispatches in id order (``first + 1`` rows, to tell if there are more)."""
    where, params = _where(filter)
    return await db.fetch(f"SELECT {DISPATCH_COLUMNS} FROM {DISPATCH_FROM} WHERE {where} "
                          "AND x.id > %(after)s ORDER BY x.id LIMIT %(first)s",
                          {**params, "after": after_id or 0, "first": first + 1})


async def count_dispatches(db: Database, *, filter: DispatchFilter) -> int:
    """How many dispatches match."""
    where, params = _where(filter)
    rows = await db.fetch(f"SELECT count(*) AS n FROM {DISPATCH_FROM} WHERE {where}", params)
    return int(rows[0]["n"])


async def events_of(db: Database, *, dispatch_ids: Sequence[int]) -> list[Row]:
    """The state history of dispatches, oldest first."""
    return await db.fetch(
        "SELECT id, dispatch_id, from_state, to_state, actor, reason, at FROM dispatch_event "
        "WHERE dispatch_id = ANY(%(ids)s) ORDER BY id", {"ids": list(dispatch_ids)})


@dataclass(frozen=True)
class NewDemand:
    """A validated demand to insert (WGS-84 point)."""

    title: str
    description: str
    category: str
    required_skills: tuple[str, ...]
    needed: int
    starts_at: datetime
    ends_at: datetime
    lon: float
    lat: float
    station_id: int | None
    region_code: str
    raised_by: str
    raised_by_kind: str
    priority: float
    requires_insurance: bool


async def create_demand(db: Database, *, demand: NewDemand) -> int:
    """Insert a demand; return its id."""
    rows = await db.fetch(
        "INSERT INTO demand (title, description, category, required_skills, needed, "
        "time_window, location_geom, station_id, region_code, raised_by, raised_by_kind, "
        "priority, requires_insurance) VALUES (%(title)s, %(description)s, %(category)s, "
        "%(skills)s, %(needed)s, tstzrange(%(starts)s, %(ends)s), "
        "ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326), %(station)s, %(region)s, %(by)s, "
        "%(kind)s, %(priority)s, %(insurance)s) RETURNING id",
        {"title": demand.title, "description": demand.description,
         "category": demand.category, "skills": list(demand.required_skills),
         "needed": demand.needed, "starts": demand.starts_at, "ends": demand.ends_at,
         "lon": demand.lon, "lat": demand.lat, "station": demand.station_id,
         "region": demand.region_code, "by": demand.raised_by, "kind": demand.raised_by_kind,
         "priority": demand.priority, "insurance": demand.requires_insurance})
    return int(rows[0]["id"])


async def point_in_region(db: Database, *, region_code: str, region_prefix: str, lon: float,
                          lat: float) -> bool:
    """Whether a point lies in a region: its boundary where known, else the subtree holds
    one of the three county seats nearest the point (a Voronoi stand-in for the border)."""
    rows = await db.fetch(
        "WITH p AS (SELECT ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326) AS g) "
        "SELECT CASE WHEN r.boundary IS NOT NULL THEN ST_Covers(r.boundary, p.g) ELSE EXISTS ("
        " SELECT 1 FROM (SELECT c.code FROM region c WHERE c.level = 'county' AND "
        " c.centroid IS NOT NULL ORDER BY c.centroid <-> p.g::geography LIMIT 3) n "
        " WHERE n.code LIKE %(prefix)s OR left(n.code, 6) = left(%(code)s, 6)) END AS inside "
        "FROM region r, p WHERE r.code = %(code)s",
        {"lon": lon, "lat": lat, "code": region_code,
         "prefix": region_prefix + "%"})
    return bool(rows and rows[0]["inside"])


async def station_org_path(db: Database, *, station_id: int) -> str | None:
    """The path (``"1.7.70"``) of the organisation operating the station, if one does."""
    rows = await db.fetch(
        "SELECT o.path::text AS path FROM station s JOIN organization o "
        "ON o.id = s.organization_id WHERE s.id = %(station)s", {"station": station_id})
    return str(rows[0]["path"]) if rows else None
