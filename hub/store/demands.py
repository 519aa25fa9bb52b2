"""Statements on demands (群众需求, 点单): raising, locking, settling, cancelling, reading.

Writes and the lock are built with SQLAlchemy Core (:mod:`hub.store.tables`, run by
:mod:`hub.store.sql`). The map list and its count are SQL text from :mod:`hub.store.listing`,
the builder of every map list, whose ``near`` statement bench_graphql's "near" lines measure;
settling, the matcher's open demands and a record's source are SQL text still to be rebuilt.
Offers on a demand are :mod:`hub.store.dispatch`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.listing import Cursor, Filters, ListSpec, Near, Within, fetch_page, get_by_ids
from hub.store.listing import count as count_rows
from hub.store.tables import SRID, demand, dispatch

SPEC = ListSpec("demand", (
    "t.id, t.title, t.description, t.category, t.required_skills, t.needed, "
    "lower(t.time_window) AS starts_at, upper(t.time_window) AS ends_at, t.station_id, "
    "t.region_code, t.raised_by_kind, t.priority, t.requires_insurance, t.status, "
    "t.created_at, ST_X(t.location_geom) AS lon, ST_Y(t.location_geom) AS lat, "
    "t.unfilled_reason"))


@dataclass(frozen=True)
class DemandFilter:
    """Conditions on demands."""

    region_prefix: str | None = None
    categories: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    starts_after: datetime | None = None
    ends_before: datetime | None = None
    station_id: int | None = None


def _filters(f: DemandFilter) -> Filters:
    out = Filters()
    out.region(f.region_prefix)
    out.any_of("category", f.categories)
    out.any_of("status", f.statuses)
    if f.skills:
        out.add("t.required_skills && %(skills)s::text[]", skills=list(f.skills))
    if f.starts_after or f.ends_before:
        out.add("t.time_window && tstzrange(%(win_from)s, %(win_to)s)",
                win_from=f.starts_after, win_to=f.ends_before)
    if f.station_id is not None:
        out.add("t.station_id = %(station_id)s", station_id=f.station_id)
    return out


async def list_(db: Database, *, filter: DemandFilter, first: int, after: Cursor | None,
                near: Near | None, within: Within | None) -> list[Row]:
    """A page of demands."""
    return await fetch_page(db, SPEC, _filters(filter), first=first, after=after, near=near,
                            within=within)


async def count(db: Database, *, filter: DemandFilter, near: Near | None,
                within: Within | None) -> int:
    """How many demands match."""
    return await count_rows(db, SPEC, _filters(filter), near=near, within=within)


async def get_many(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Demands by id."""
    return await get_by_ids(db, SPEC, ids)


d = demand
_ID = sa.bindparam("id", type_=sa.BigInteger)
_TAKEN = (sa.select(sa.func.count()).select_from(dispatch)
          .where(dispatch.c.demand_id == d.c.id, dispatch.c.active).scalar_subquery())
_LOCK = sql.compiled(sa.select(
    d.c.id, d.c.status, d.c.needed, d.c.region_code, d.c.station_id,
    sa.func.lower(d.c.time_window).label("starts_at"),
    sa.func.upper(d.c.time_window).label("ends_at"), d.c.unfilled_reason,
    d.c.requires_insurance, sa.func.now().label("now"), _TAKEN.label("taken"),
).where(d.c.id == _ID).with_for_update(of=d))
_UNFILLED = sql.compiled(sa.update(d).where(d.c.id == _ID).values(
    unfilled_reason=sa.bindparam("reason", type_=sa.Text), unfilled_at=sa.func.now(),
    updated_at=sa.func.now()))
_CANCEL = sql.compiled(sa.update(d).where(d.c.id == _ID).values(
    status="cancelled", cancelled_by=sa.bindparam("by", type_=sa.Text),
    cancel_reason=sa.bindparam("reason", type_=sa.Text), updated_at=sa.func.now()))
_DISPATCHED = sql.compiled(sa.update(d).where(
    d.c.id == sa.any_(sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))), d.c.status == "open")
    .values(status="dispatched", updated_at=sa.func.now()))
_REVIEWED = sql.compiled(sa.update(d).where(d.c.id == _ID, d.c.status == "done")
                         .values(status="reviewed", updated_at=sa.func.now()))


async def lock(db: Database, *, demand_id: int) -> Row | None:
    """A demand locked for the rest of the transaction, with its active dispatch count."""
    rows = await sql.fetch(db, _LOCK, {"id": demand_id})
    return rows[0] if rows else None


async def set_unfilled(db: Database, *, demand_id: int, reason: str) -> None:
    """Say why a freed slot of a demand stays empty."""
    await sql.fetch(db, _UNFILLED, {"id": demand_id, "reason": reason})


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


async def settle(db: Database, *, demand_id: int) -> None:
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


async def cancel(db: Database, *, demand_id: int, by: str, reason: str) -> None:
    """Cancel a demand (its dispatches are cancelled by the caller first)."""
    await sql.fetch(db, _CANCEL, {"id": demand_id, "by": by, "reason": reason})


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


async def create(db: Database, *, demand: NewDemand) -> int:
    """Insert a demand; return its id."""
    point = sa.func.ST_SetSRID(sa.func.ST_MakePoint(demand.lon, demand.lat), SRID,
                               type_=Geometry("POINT", srid=SRID))
    rows = await sql.fetch(db, sa.insert(d).values(
        title=demand.title, description=demand.description, category=demand.category,
        required_skills=sa.literal(list(demand.required_skills), pg.ARRAY(sa.Text)),
        needed=demand.needed,
        time_window=sa.func.tstzrange(demand.starts_at, demand.ends_at, type_=pg.TSTZRANGE),
        location_geom=point, station_id=demand.station_id, region_code=demand.region_code,
        raised_by=demand.raised_by, raised_by_kind=demand.raised_by_kind,
        priority=demand.priority, requires_insurance=demand.requires_insurance,
    ).returning(d.c.id))
    return int(rows[0]["id"])


async def list_open(db: Database, *, region_prefix: str, starts: datetime,
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


async def mark_dispatched(db: Database, *, demand_ids: Sequence[int]) -> None:
    """Open demands that received offers become dispatched."""
    await sql.fetch(db, _DISPATCHED, {"ids": list(demand_ids)})


async def get_source(db: Database, *, demand_id: int) -> Row | None:
    """What a record of service on a demand copies: title, region, organiser, CST date."""
    rows = await db.fetch(
        "SELECT d.id, d.title, d.region_code, d.status, d.raised_by, d.station_id, "
        "s.organization_id, (lower(d.time_window) AT TIME ZONE 'Asia/Shanghai')::date AS day, "
        "hub_record_bound(d.id, NULL) AS window_hours "
        "FROM demand d LEFT JOIN station s ON s.id = d.station_id WHERE d.id = %(id)s",
        {"id": demand_id})
    return rows[0] if rows else None


async def mark_reviewed(db: Database, *, demand_id: int) -> None:
    """A done demand becomes reviewed (评单)."""
    await sql.fetch(db, _REVIEWED, {"id": demand_id})
