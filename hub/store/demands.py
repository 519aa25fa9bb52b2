"""Statements on demands (群众需求, 点单): raising, locking, settling, cancelling, reading.

The map list and its count are SQL text from :mod:`hub.store.listing`, the builder of every
map list, whose ``near`` statement bench_graphql's "near" lines measure; every other
statement is built with SQLAlchemy Core (:mod:`hub.store.tables`, run by
:mod:`hub.store.sql`). Offers on a demand are :mod:`hub.store.dispatch`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.listing import Cursor, Filters, ListSpec, Near, Within, fetch_page, get_by_ids
from hub.store.listing import count as count_rows
from hub.store.tables import TIMESTAMPTZ, demand, dispatch, station, volunteer

TO_BE_SERVED = ("open", "dispatched", "in_progress")
"""A demand's statuses while it is still to be served: settled by dispatch, drawn on the map."""
TO_BE_SERVED_SQL = "t.status IN (" + ", ".join(f"'{s}'" for s in TO_BE_SERVED) + ")"
"""The same as SQL text on alias ``t`` (literals: the map's statements keep generic plans)."""
UNVETTED = ("pending_review", "rejected")
"""A demand's statuses before a reviewer approved it (审核, migration 0021): never matched,
dispatched, claimed or drawn; listed only for its reviewers and its requester."""
VETTED_SQL = "t.status NOT IN (" + ", ".join(f"'{s}'" for s in UNVETTED) + ")"
"""Demands past review, as SQL text on alias ``t``."""

SPEC = ListSpec("demand", (
    "t.id, t.title, t.description, t.category, t.required_skills, t.needed, "
    "lower(t.time_window) AS starts_at, upper(t.time_window) AS ends_at, t.station_id, "
    "t.region_code, t.raised_by_kind, t.priority, t.requires_insurance, t.status, "
    "t.created_at, ST_X(t.location_geom) AS lon, ST_Y(t.location_geom) AS lat, "
    "t.unfilled_reason, t.raised_by, t.base_priority, t.priority_rule_id, t.vetted_by, "
    "t.vetted_at, t.rejection_reason, t.external_ref, t.contact_name, t.contact_phone_enc, "
    "t.contact_phone_masked"))


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
    raised_by: str | None = None
    unvetted: bool = False
    """Include demands pending review or rejected (only for their reviewers or requester)."""
    raised_by_residents: bool = False
    """Only demands a resident raised (what a station's staff review)."""


def _filters(f: DemandFilter) -> Filters:
    out = Filters()
    out.region(f.region_prefix)
    if not f.unvetted:
        out.add(VETTED_SQL)
    if f.raised_by is not None:
        out.add("t.raised_by = %(raised_by)s", raised_by=f.raised_by)
    if f.raised_by_residents:
        out.add("t.raised_by LIKE 'resident:%%'")
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
# Slots spoken for: active dispatches, and open team offers' slots (hub_demand_taken, sql/0026).
_TAKEN = sa.func.hub_demand_taken(d.c.id, type_=sa.Integer)
_LOCK = sql.compiled(sa.select(
    d.c.id, d.c.status, d.c.needed, d.c.region_code, d.c.station_id,
    sa.func.lower(d.c.time_window).label("starts_at"),
    sa.func.upper(d.c.time_window).label("ends_at"), d.c.unfilled_reason,
    d.c.requires_insurance, sa.func.now().label("now"), _TAKEN.label("taken"), d.c.raised_by,
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
    """A demand locked for the rest of the transaction, with ``taken``: its slots spoken for
    (active dispatches and open team offers' slots)."""
    rows = await sql.fetch(db, _LOCK, {"id": demand_id})
    return rows[0] if rows else None


async def update_unfilled(db: Database, *, demand_id: int, reason: str) -> None:
    """Say why a freed slot of a demand stays empty."""
    await sql.fetch(db, _UNFILLED, {"id": demand_id, "reason": reason})


# What a demand's status should be, from its window and its active dispatches: done once
# the window has ended or every active dispatch is completed, in progress while someone has
# checked in; NULL (unchanged) before the window starts, and for an open demand nobody was
# ever dispatched to.
_s, _x = demand.alias("s"), dispatch.alias("x")
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_NEXT = (sa.select(_s.c.id, sa.case(
    (sa.and_(_s.c.status == "open", sa.func.count(_x.c.id) == 0), sa.null()),
    (sa.func.upper(_s.c.time_window) <= sa.func.now(), "done"),
    (sa.func.lower(_s.c.time_window) > sa.func.now(), sa.null()),
    (sa.func.bool_and(_x.c.status == "completed"), "done"),
    (sa.func.bool_or(_x.c.status == "checked_in"), "in_progress")).label("status"))
    .select_from(_s.outerjoin(_x, sa.and_(_x.c.demand_id == _s.c.id, _x.c.active)))
    .where(_s.c.id == sa.any_(_IDS)).group_by(_s.c.id).subquery("n"))
_SETTLE = sql.compiled(sa.update(d).where(
    d.c.id == _NEXT.c.id,
    d.c.status == sa.any_(sa.literal(list(TO_BE_SERVED), pg.ARRAY(sa.Text))),
    d.c.status != _NEXT.c.status).values(status=_NEXT.c.status, updated_at=sa.func.now()))
_STARTED = sql.compiled(sa.select(d.c.id).where(
    d.c.status == sa.any_(sa.literal(["dispatched", "in_progress"], pg.ARRAY(sa.Text))),
    sa.func.lower(d.c.time_window) <= sa.func.now(),
    d.c.id > sa.bindparam("after", type_=sa.BigInteger))
    .order_by(d.c.id).limit(sa.bindparam("n", type_=sa.Integer))
    .with_for_update(skip_locked=True))


async def update_status(db: Database, *, demand_id: int) -> None:
    """Move a demand on as ``_SETTLE`` says; the caller holds the demand's lock."""
    await sql.fetch(db, _SETTLE, {"ids": [demand_id]})


async def update_status_of_started(db: Database, *, after_id: int, limit: int) -> int | None:
    """Settle up to ``limit`` dispatched or in-progress demands whose window has started, with
    ids above ``after_id`` (locked in id order; those another transaction holds are skipped
    this time). Returns the last id looked at, or None when there were none."""
    rows = await sql.fetch(db, _STARTED, {"after": after_id, "n": limit})
    if not rows:
        return None
    await sql.fetch(db, _SETTLE, {"ids": [r["id"] for r in rows]})
    return int(rows[-1]["id"])


async def update_cancelled(db: Database, *, demand_id: int, by: str, reason: str) -> None:
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
    status: str = "open"  # or pending_review: a resident's or a station's (migration 0021)
    contact_name: str | None = None  # whom to call (personal data, policy demand.contact)
    contact_phone_enc: bytes | None = None  # their mobile, encrypted (hub/pii.py)
    contact_phone_masked: str | None = None


async def create(db: Database, *, demand: NewDemand) -> int:
    """Insert a demand; return its id. Its priority may be raised by a rule
    (demand_priority_rule, applied by the database as the row is inserted)."""
    rows = await sql.fetch(db, sa.insert(d).values(
        title=demand.title, description=demand.description, category=demand.category,
        required_skills=sa.literal(list(demand.required_skills), pg.ARRAY(sa.Text)),
        needed=demand.needed,
        time_window=sa.func.tstzrange(demand.starts_at, demand.ends_at, type_=pg.TSTZRANGE),
        location_geom=sql.point(demand.lon, demand.lat), station_id=demand.station_id,
        region_code=demand.region_code, raised_by=demand.raised_by,
        raised_by_kind=demand.raised_by_kind,
        priority=demand.priority, requires_insurance=demand.requires_insurance,
        status=demand.status, contact_name=demand.contact_name,
        contact_phone_enc=demand.contact_phone_enc,
        contact_phone_masked=demand.contact_phone_masked,
    ).returning(d.c.id))
    return int(rows[0]["id"])


_TAKEN_NOW = (sa.select(sa.func.hub_demand_taken(d.c.id, type_=sa.Integer).label("taken"))
              .correlate(d).lateral("taken"))
_REMAINING = d.c.needed - sa.func.coalesce(_TAKEN_NOW.c.taken, 0)
_OPEN_COLUMNS = (
    d.c.id, sa.func.ST_X(d.c.location_geom).label("lon"),
    sa.func.ST_Y(d.c.location_geom).label("lat"), d.c.required_skills,
    _REMAINING.label("remaining"), sa.func.lower(d.c.time_window).label("starts_at"),
    sa.func.upper(d.c.time_window).label("ends_at"), d.c.priority, d.c.requires_insurance,
    # In a priority area (老少边贫): its region or one above it is flagged (sql/0021).
    (sa.func.cardinality(sa.func.hub_region_flags(d.c.region_code)) > 0).label("priority_area"))
# Open to matching: open or dispatched, with slots still to fill.
_OPEN_TO_MATCH = (d.c.status == sa.any_(sa.literal(["open", "dispatched"], pg.ARRAY(sa.Text))),
                  _REMAINING > 0)
_OPEN = sql.compiled(sa.select(*_OPEN_COLUMNS, d.c.region_code)
                     .select_from(d.outerjoin(_TAKEN_NOW, sa.true()))
                     .where(
    d.c.region_code.like(sa.bindparam("prefix", type_=sa.Text)), *_OPEN_TO_MATCH,
    sa.func.lower(d.c.time_window) >= sa.bindparam("starts", type_=TIMESTAMPTZ),
    sa.func.lower(d.c.time_window) < sa.bindparam("ends", type_=TIMESTAMPTZ)).order_by(d.c.id))
# 抢单: open demands starting from now to `within` seconds on, within a volunteer's own
# service radius of their home, which they hold no active dispatch of and had no claim of
# rejected; the soonest first.
_v, _h = volunteer.alias("v"), dispatch.alias("h")
_HELD = sa.exists().where(_h.c.demand_id == d.c.id, _h.c.volunteer_id == _v.c.id,
                          sa.or_(_h.c.active, _h.c.status == "claim_rejected"))
_OPEN_NEAR = sql.compiled(sa.select(*_OPEN_COLUMNS, d.c.region_code).select_from(
    d.join(_v, sa.func.ST_DWithin(_v.c.home, d.c.location, _v.c.service_radius_m))
    .outerjoin(_TAKEN_NOW, sa.true())).where(
    _v.c.id == _ID, *_OPEN_TO_MATCH, sa.func.lower(d.c.time_window) > sa.func.now(),
    sa.func.lower(d.c.time_window) < sa.func.now() + sql.seconds(
        sa.bindparam("within", type_=sa.Integer)), ~_HELD)
    .order_by(sa.func.lower(d.c.time_window), d.c.id).limit(sa.bindparam("n", type_=sa.Integer)))
_OPEN_ONE = sql.compiled(sa.select(*_OPEN_COLUMNS, d.c.region_code).select_from(
    d.outerjoin(_TAKEN_NOW, sa.true())).where(d.c.id == _ID, *_OPEN_TO_MATCH))


async def list_open_near(db: Database, *, volunteer_id: int, within_s: int,
                         limit: int) -> list[Row]:
    """Open demands a volunteer could claim, as :func:`list_open` gives them (and their region):
    starting within ``within_s`` from now, within the volunteer's service radius, not held by
    them; ``limit`` of them, the soonest first."""
    return await sql.fetch(db, _OPEN_NEAR, {"id": volunteer_id, "within": within_s,
                                            "n": limit})


async def get_open(db: Database, *, demand_id: int) -> Row | None:
    """A demand as :func:`list_open` gives it, if it is open to matching with slots to fill."""
    rows = await sql.fetch(db, _OPEN_ONE, {"id": demand_id})
    return rows[0] if rows else None


async def list_open(db: Database, *, region_prefix: str, starts: datetime,
                    ends: datetime) -> list[Row]:
    """Demands of a region subtree starting in [starts, ends) with slots still to fill."""
    return await sql.fetch(db, _OPEN, {"prefix": region_prefix + "%", "starts": starts,
                                       "ends": ends})


async def update_dispatched(db: Database, *, demand_ids: Sequence[int]) -> None:
    """Open demands that received offers become dispatched."""
    await sql.fetch(db, _DISPATCHED, {"ids": list(demand_ids)})


# A record of service on a demand is dated by the day its window starts in China Standard
# Time, and may claim at most the window's hours (hub_record_bound, sql/0013).
_SOURCE = sql.compiled(sa.select(
    d.c.id, d.c.title, d.c.region_code, d.c.status, d.c.raised_by, d.c.station_id,
    station.c.organization_id,
    sa.cast(sa.func.timezone("Asia/Shanghai", sa.func.lower(d.c.time_window)),
            sa.Date).label("day"),
    sa.func.hub_record_bound(d.c.id, sa.null()).label("window_hours"),
).select_from(d.outerjoin(station, station.c.id == d.c.station_id)).where(d.c.id == _ID))


async def get_source(db: Database, *, demand_id: int) -> Row | None:
    """What a record of service on a demand copies: title, region, organiser, CST date."""
    rows = await sql.fetch(db, _SOURCE, {"id": demand_id})
    return rows[0] if rows else None


async def update_reviewed(db: Database, *, demand_id: int) -> None:
    """A done demand becomes reviewed (评单)."""
    await sql.fetch(db, _REVIEWED, {"id": demand_id})
