"""Statements on service records (志愿服务记录), their confirmation and recognition (星级).

``service_record`` is append-only in the database; a correction is a new row referencing the
original (``corrects_id``). "Net hours" of an original are its hours plus its corrections'.
An original is pending until a row in ``service_record_confirmation`` confirms it; only
confirmed records (and their corrections) count for recognition and certificates. Reviews
(评单) and the ratings read from them are :mod:`hub.store.reviews`.

Built with SQLAlchemy Core on :mod:`hub.store.tables` and run by :mod:`hub.store.sql`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import (
    activity,
    demand,
    ledger_account,
    ledger_entry,
    organization,
    service_record,
    service_record_confirmation,
    service_record_pending,
    star_threshold,
    volunteer,
)

r, k, o, v = service_record, service_record_confirmation, organization, volunteer
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_ID = sa.bindparam("id", type_=sa.BigInteger)
_V = sa.bindparam("v", type_=sa.BigInteger)

RECORD_COLUMNS = (r.c.id, r.c.volunteer_id, r.c.demand_id, r.c.activity_id, r.c.dispatch_id,
                  r.c.organization_id, r.c.region_code, r.c.title, r.c.served_on, r.c.hours,
                  r.c.corrects_id, r.c.reason, r.c.recorded_by, r.c.recorded_at)
_c = service_record.alias("c")
NET = r.c.hours + sa.func.coalesce(
    sa.select(sa.func.sum(_c.c.hours)).where(_c.c.corrects_id == r.c.id).scalar_subquery(), 0)
"""A record's hours plus its corrections' (an original's net hours)."""
# The confirmation of a record's original (k.* is null while the original is pending).
_OF_ORIGINAL = k.c.record_id == sa.func.coalesce(r.c.corrects_id, r.c.id)
CONFIRMED = r.join(k, _OF_ORIGINAL)
"""Records whose original is confirmed, with the confirmation."""
CONFIRMATION_COLUMNS = (k.c.confirmed_at, k.c.confirmed_by)

_CREATE = sql.compiled(sa.insert(r).values(
    volunteer_id=_V, demand_id=sa.bindparam("d"), activity_id=sa.bindparam("a"),
    dispatch_id=sa.bindparam("x"), organization_id=sa.bindparam("o"),
    region_code=sa.bindparam("region"), title=sa.bindparam("title"),
    served_on=sa.bindparam("day"), hours=sa.bindparam("hours"), recorded_by=sa.bindparam("by"))
    .returning(*RECORD_COLUMNS, r.c.hours.label("net_hours")))


async def create(db: Database, *, volunteer_id: int, demand_id: int | None,
                 activity_id: int | None, dispatch_id: int | None, organization_id: int | None,
                 region_code: str, title: str, served_on: date, hours: Decimal,
                 recorded_by: str) -> Row:
    """Append an original service record."""
    rows = await sql.fetch(db, _CREATE, {
        "v": volunteer_id, "d": demand_id, "a": activity_id, "x": dispatch_id,
        "o": organization_id, "region": region_code, "title": title, "day": served_on,
        "hours": hours, "by": recorded_by})
    return rows[0]


_original = service_record.alias("o")
_CORRECTION = sql.compiled(sa.insert(r).from_select(
    ["volunteer_id", "demand_id", "activity_id", "dispatch_id", "organization_id",
     "region_code", "title", "served_on", "hours", "corrects_id", "reason", "recorded_by"],
    sa.select(_original.c.volunteer_id, _original.c.demand_id, _original.c.activity_id,
              _original.c.dispatch_id, _original.c.organization_id, _original.c.region_code,
              _original.c.title, _original.c.served_on,
              sa.bindparam("hours", type_=r.c.hours.type), _original.c.id,
              sa.bindparam("reason", type_=sa.Text), sa.bindparam("by", type_=sa.Text))
    .where(_original.c.id == _ID))
    .returning(*RECORD_COLUMNS, r.c.hours.label("net_hours")))


async def create_correction(db: Database, *, original_id: int, hours: Decimal, reason: str,
                            recorded_by: str) -> Row:
    """Append a correction of ``hours`` (signed) to an original record, copying it."""
    rows = await sql.fetch(db, _CORRECTION, {
        "id": original_id, "hours": hours, "reason": reason, "by": recorded_by})
    return rows[0]


_LOCK = sql.compiled(sa.select(sa.literal_column("1")).select_from(r).where(r.c.id == _ID)
                     .with_for_update())


async def lock(db: Database, *, record_id: int) -> bool:
    """Lock a record for the transaction (writers of one record queue here); False if none.

    Read the record with :func:`get` in a *later* statement: in READ COMMITTED a statement that
    waited for the lock still reads with the snapshot it started with, and would miss the
    corrections committed while it waited (the lost update of issue 11).
    """
    return bool(await sql.fetch(db, _LOCK, {"id": record_id}))


_dm, _ac = demand.alias("dm"), activity.alias("ac")
_GET = sql.compiled(
    sa.select(*RECORD_COLUMNS, NET.label("net_hours"), *CONFIRMATION_COLUMNS,
              sa.func.hub_record_bound(r.c.demand_id, r.c.activity_id).label("window_hours"),
              sa.cast(o.c.path, sa.Text).label("org_path"),
              sa.func.coalesce(_dm.c.station_id, _ac.c.station_id).label("station_id"))
    .select_from(r.outerjoin(k, _OF_ORIGINAL).outerjoin(o, o.c.id == r.c.organization_id)
                 .outerjoin(_dm, _dm.c.id == r.c.demand_id)
                 .outerjoin(_ac, _ac.c.id == r.c.activity_id))
    .where(r.c.id == _ID))


async def get(db: Database, *, record_id: int) -> Row | None:
    """A record with its net hours, its confirmation, the most hours its source allows
    (``window_hours``), its organiser's subtree path and the station of its demand or
    activity (``station_id``, None if none)."""
    rows = await sql.fetch(db, _GET, {"id": record_id})
    return rows[0] if rows else None


_CONFIRM = sql.compiled(sa.insert(k).values(
    record_id=_ID, confirmed_by=sa.bindparam("by"), automatic=sa.bindparam("auto"))
    .returning(k.c.confirmed_at, k.c.confirmed_by))


async def create_confirmation(db: Database, *, record_id: int, by: str, automatic: bool) -> Row:
    """Confirm an original record (once: the primary key refuses a second confirmation)."""
    rows = await sql.fetch(db, _CONFIRM, {"id": record_id, "by": by, "auto": automatic})
    return rows[0]


def _due(region_code: Any, since: Any) -> Any:
    """When a record of ``region_code`` pending since ``since`` confirms itself by its region
    tree's period (``hub_region_setting``); NULL where none is set (the hub's default then)."""
    hours = sa.cast(sa.func.hub_region_setting(region_code, "record_auto_confirm_hours"),
                    sa.Integer)
    return since + sa.func.make_interval(0, 0, 0, 0, hours)


p = service_record_pending
_PENDING = sql.compiled(sa.insert(p).from_select(
    ["record_id", "due_at"],
    sa.select(r.c.id, _due(r.c.region_code, sa.func.now())).where(r.c.id == _ID)))
# The period of each region with records pending in the subtree, looked up once per region
# (hub_region_setting walks up the tree), then every pending record of those regions.
_codes = (sa.select(r.c.region_code.label("code")).distinct()
          .select_from(p.join(r, r.c.id == p.c.record_id))
          .where(r.c.region_code.startswith(sa.bindparam("prefix", type_=sa.Text)))
          .subquery("codes"))
_per = sa.select(_codes.c.code, sa.cast(sa.func.hub_region_setting(
    _codes.c.code, "record_auto_confirm_hours"), sa.Integer).label("hours")).cte(
    "per").prefix_with("MATERIALIZED")
_REDUE = sql.compiled(
    sa.update(p).add_cte(_per).where(p.c.record_id == r.c.id, r.c.region_code == _per.c.code)
    .values(due_at=p.c.since + sa.func.make_interval(0, 0, 0, 0, _per.c.hours))
    .returning(p.c.record_id))


async def create_pending(db: Database, *, record_id: int) -> None:
    """Queue a new pending record for the auto-confirm sweep, due once its region's period (as
    set now) has passed (``due_at`` NULL: the hub's default period, from ``since``)."""
    await sql.fetch(db, _PENDING, {"id": record_id})


async def update_pending_due(db: Database, *, region_prefix: str) -> int:
    """Work out again when the records still pending in a region subtree confirm themselves
    (its settings changed): the period in force now, from each one's check-out. Returns how
    many are pending there."""
    return len(await sql.fetch(db, _REDUE, {"prefix": region_prefix}))


_N, _D = sa.bindparam("n", type_=sa.Integer), sa.bindparam("default", type_=sa.Interval)
_by_region = (sa.select(p.c.record_id, p.c.due_at.label("due"))
              .where(p.c.due_at.is_not(None), p.c.due_at <= sa.func.now())
              .order_by(p.c.due_at).limit(_N))
_by_default = (sa.select(p.c.record_id, (p.c.since + _D).label("due"))
               .where(p.c.due_at.is_(None), p.c.since <= sa.func.now() - _D)
               .order_by(p.c.since).limit(_N))
_both = sa.union_all(_by_region, _by_default).subquery("due")
_DUE = sql.compiled(sa.select(_both.c.record_id).order_by(_both.c.due).limit(_N))
_DUE_BY_REGION = sql.compiled(_by_region)
# Due by the settings in force now (not the stored due_at, which a settings change committed
# while the record was being checked out would have missed): never confirmed early.
_LOCK_DUE = sql.compiled(
    sa.select(p.c.record_id).select_from(p.join(r, r.c.id == p.c.record_id))
    .where(p.c.record_id == _ID,
           sa.func.coalesce(_due(r.c.region_code, p.c.since), p.c.since + _D) <= sa.func.now())
    .with_for_update(of=p))


async def list_pending_due(db: Database, *, default_s: float | None, limit: int) -> list[int]:
    """Pending originals whose period has passed, soonest due first: their region's period,
    else ``default_s`` (None: only those whose region sets one). Two index ranges, each read
    in order (``service_record_pending_due_idx`` and ``_default_idx``)."""
    if default_s is None:
        rows = await sql.fetch(db, _DUE_BY_REGION, {"n": limit})
    else:
        rows = await sql.fetch(db, _DUE, {"n": limit, "default": timedelta(seconds=default_s)})
    return [row["record_id"] for row in rows]


async def lock_pending_due(db: Database, *, record_id: int, default_s: float | None) -> bool:
    """Lock a pending record's place in the queue if it is still due by the settings in force
    now; False when it is not (confirmed meanwhile, or its region's period grew)."""
    interval = None if default_s is None else timedelta(seconds=default_s)
    return bool(await sql.fetch(db, _LOCK_DUE, {"id": record_id, "default": interval}))


_wanted = sa.func.unnest(_IDS).table_valued("id").render_derived(name="v")
_latest = (
    sa.select(*RECORD_COLUMNS,
              sa.case((r.c.corrects_id.is_(None), NET)).label("net_hours"),
              *CONFIRMATION_COLUMNS)
    .select_from(r.outerjoin(k, _OF_ORIGINAL)).where(r.c.volunteer_id == _wanted.c.id)
    .order_by(r.c.served_on.desc(), r.c.id.desc()).limit(sa.bindparam("limit")).lateral("x"))
_OF_VOLUNTEERS = sql.compiled(sa.select(_latest).select_from(_wanted.join(_latest, sa.true())))


async def list_of_volunteers(db: Database, *, volunteer_ids: Sequence[int], limit: int
                             ) -> list[Row]:
    """The latest ``limit`` records (originals and corrections) of each volunteer."""
    return await sql.fetch(db, _OF_VOLUNTEERS, {"ids": list(volunteer_ids), "limit": limit})


_NET_IN_PERIOD = sql.compiled(
    sa.select(r.c.id, r.c.served_on, r.c.title,
              sa.func.coalesce(o.c.name, "").label("organization"), NET.label("hours"))
    .select_from(CONFIRMED.outerjoin(o, o.c.id == r.c.organization_id))
    .where(r.c.volunteer_id == _V, r.c.corrects_id.is_(None),
           r.c.served_on.between(sa.bindparam("first"), sa.bindparam("last")), NET > 0)
    .order_by(r.c.served_on, r.c.id))


async def list_net_in_period(db: Database, *, volunteer_id: int, first: date,
                             last: date) -> list[Row]:
    """Confirmed originals served in [first, last] with net hours > 0 and their organiser."""
    return await sql.fetch(db, _NET_IN_PERIOD, {"v": volunteer_id, "first": first, "last": last})


_confirmed_hours = sa.func.coalesce(sa.func.sum(r.c.hours), 0)
_hours = (sa.select(_confirmed_hours.label("hours")).select_from(CONFIRMED)
          .where(r.c.volunteer_id == v.c.id).lateral("h"))
a, e = ledger_account, ledger_entry
_balances = (
    sa.select(sa.func.sum(e.c.amount).filter(a.c.unit == "points").label("points"),
              sa.func.sum(e.c.amount).filter(a.c.unit == "minutes").label("minutes"))
    .select_from(a.join(e, e.c.account_id == a.c.id)).where(a.c.volunteer_id == v.c.id)
    .lateral("b"))
_RECOGNITION = sql.compiled(
    sa.select(v.c.id, _hours.c.hours.label("total_hours"),
              sa.func.hub_star_level(v.c.region_code, _hours.c.hours).label("stars"),
              sa.func.coalesce(_balances.c.points, 0).label("points"),
              sa.func.coalesce(_balances.c.minutes, 0).label("minutes"))
    .select_from(v.join(_hours, sa.true()).outerjoin(_balances, sa.true()))
    .where(v.c.id == sa.any_(_IDS)))


async def list_recognition(db: Database, *, volunteer_ids: Sequence[int]) -> list[Row]:
    """Per volunteer: confirmed hours, star level, points and time-bank minutes."""
    return await sql.fetch(db, _RECOGNITION, {"ids": list(volunteer_ids)})


_STARS_AT = sql.compiled(
    sa.select(sa.func.hub_star_level(v.c.region_code, sa.func.coalesce(
        sa.select(sa.func.sum(r.c.hours)).select_from(CONFIRMED)
        .where(r.c.volunteer_id == v.c.id, r.c.served_on <= sa.bindparam("last", type_=sa.Date))
        .scalar_subquery(), 0)).label("stars"))
    .where(v.c.id == _V))


async def get_stars_at(db: Database, *, volunteer_id: int, last: date) -> int:
    """The star level from the confirmed hours served on or before ``last``."""
    rows = await sql.fetch(db, _STARS_AT, {"v": volunteer_id, "last": last})
    return int(rows[0]["stars"]) if rows else 0


t, _s = star_threshold, star_threshold.alias("s")
_THRESHOLDS = sql.compiled(
    sa.select(t.c.scope, t.c.stars, t.c.hours)
    .where(t.c.scope == sa.select(_s.c.scope).where(
        sa.func.coalesce(sa.bindparam("region", type_=sa.Text), "").like(_s.c.scope + "%"))
        .order_by(sa.func.length(_s.c.scope).desc()).limit(1).scalar_subquery())
    .order_by(t.c.stars))


async def list_thresholds(db: Database, *, region_code: str | None) -> list[Row]:
    """The star thresholds that apply in a region (the longest matching scope)."""
    return await sql.fetch(db, _THRESHOLDS, {"region": region_code})


_SERVED = (r.c.demand_id == sa.bindparam("d", type_=sa.BigInteger), r.c.corrects_id.is_(None),
           NET > 0)
_IS_SERVED = sql.compiled(sa.select(sa.exists().where(*_SERVED).label("served")))
_IS_SERVED_BY = sql.compiled(sa.select(sa.exists().where(*_SERVED, r.c.volunteer_id == _V)
                                       .label("served")))


async def get_served(db: Database, *, demand_id: int, volunteer_id: int | None = None) -> bool:
    """Whether the demand has net service (by this volunteer, if given)."""
    if volunteer_id is None:
        rows = await sql.fetch(db, _IS_SERVED, {"d": demand_id})
    else:
        rows = await sql.fetch(db, _IS_SERVED_BY, {"d": demand_id, "v": volunteer_id})
    return bool(rows[0]["served"])
