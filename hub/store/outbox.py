"""Statements on the outbox (outbox_event, sql/0030): events recorded in the transaction of the
change that causes them, claimed by the relay and marked relayed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import (
    activity,
    activity_signup,
    demand,
    dispatch,
    outbox_event,
    region,
    service_record,
    station,
)

e = outbox_event
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_COLUMNS = (e.c.id, e.c.kind, e.c.subject_kind, e.c.subject_id, e.c.region_code, e.c.recipients,
            e.c.payload, e.c.created_at, e.c.relayed_at)
_ins = pg.insert(e).values(
    kind=sa.bindparam("kind", type_=sa.Text),
    subject_kind=sa.bindparam("subject_kind", type_=sa.Text),
    subject_id=sa.bindparam("subject_id", type_=sa.BigInteger),
    region_code=sa.bindparam("region_code", type_=sa.Text),
    recipients=sa.bindparam("recipients", type_=pg.JSONB),
    payload=sa.bindparam("payload", type_=pg.JSONB),
    once_key=sa.bindparam("once_key", type_=sa.Text))
_CREATE = sql.compiled(_ins.on_conflict_do_nothing(index_elements=[e.c.once_key])
                       .returning(e.c.id))
_GET_MANY = sql.compiled(sa.select(*_COLUMNS).where(e.c.id == sa.any_(_IDS)).order_by(e.c.id))
# The relay's claim: the oldest rows not yet relayed that no other relay holds.
_CLAIM = sql.compiled(sa.select(*_COLUMNS).where(e.c.relayed_at.is_(None)).order_by(e.c.id)
                      .limit(sa.bindparam("n", type_=sa.Integer))
                      .with_for_update(skip_locked=True))
_MARK = sql.compiled(sa.update(e).where(e.c.id == sa.any_(_IDS)).values(relayed_at=sa.func.now()))
_COUNT_WAITING = sql.compiled(sa.select(sa.func.count().label("n"))
                              .where(e.c.relayed_at.is_(None)))


async def create(db: Database, *, kind: str, subject_kind: str, subject_id: int,
                 region_code: str | None, recipients: Sequence[Mapping[str, str]],
                 payload: Mapping[str, Any], once_key: str | None = None) -> int | None:
    """Record an event; its id, or None when ``once_key`` was recorded before."""
    rows = await sql.fetch(db, _CREATE, {
        "kind": kind, "subject_kind": subject_kind, "subject_id": subject_id,
        "region_code": region_code, "recipients": Jsonb(list(recipients)),
        "payload": Jsonb(dict(payload)), "once_key": once_key})
    return int(rows[0]["id"]) if rows else None


async def get_many(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """The events of ``ids`` (those that exist), by id."""
    return await sql.fetch(db, _GET_MANY, {"ids": list(ids)})


async def list_unrelayed_locked(db: Database, *, limit: int) -> list[Row]:
    """Lock and return up to ``limit`` events not yet relayed, oldest first, skipping those
    another transaction holds (``FOR UPDATE SKIP LOCKED``)."""
    return await sql.fetch(db, _CLAIM, {"n": limit})


async def update_relayed(db: Database, *, ids: Sequence[int]) -> None:
    """Mark events relayed (their delivery jobs deferred)."""
    await sql.fetch(db, _MARK, {"ids": list(ids)})


async def count_unrelayed(db: Database) -> int:
    """How many events wait for the relay."""
    rows = await sql.fetch(db, _COUNT_WAITING)
    return int(rows[0]["n"])


_d, _m = dispatch, demand
_FACTS = sql.compiled(
    sa.select(_d.c.id, _d.c.volunteer_id, _d.c.status, _d.c.respond_by,
              _m.c.id.label("demand_id"), _m.c.title, _m.c.category, _m.c.region_code,
              sa.func.lower(_m.c.time_window).label("starts_at"),
              sa.func.upper(_m.c.time_window).label("ends_at"),
              _m.c.station_id, station.c.name.label("place"))
    .select_from(_d.join(_m, _m.c.id == _d.c.demand_id)
                 .outerjoin(station, station.c.id == _m.c.station_id))
    .where(_d.c.id == sa.any_(_IDS)).order_by(_d.c.id))
_DEMAND_FACTS = sql.compiled(
    sa.select(_m.c.id.label("demand_id"), _m.c.title, _m.c.category, _m.c.region_code,
              sa.func.lower(_m.c.time_window).label("starts_at"),
              sa.func.upper(_m.c.time_window).label("ends_at"), _m.c.station_id,
              _m.c.raised_by, _m.c.status, station.c.name.label("place"))
    .select_from(_m.outerjoin(station, station.c.id == _m.c.station_id))
    .where(_m.c.id == sa.any_(_IDS)).order_by(_m.c.id))


async def list_dispatch_facts(db: Database, *, dispatch_ids: Sequence[int]) -> list[Row]:
    """What a message about each dispatch needs: its volunteer and state, its demand's title,
    category, region, window and place (the station's name)."""
    return await sql.fetch(db, _FACTS, {"ids": list(dispatch_ids)})


async def list_demand_facts(db: Database, *, demand_ids: Sequence[int]) -> list[Row]:
    """What a message about each demand needs (as :func:`list_dispatch_facts`, and who raised
    it)."""
    return await sql.fetch(db, _DEMAND_FACTS, {"ids": list(demand_ids)})


_SERVED = sql.compiled(sa.select(service_record.c.volunteer_id).distinct()
                       .where(service_record.c.demand_id == sa.bindparam("d", type_=sa.BigInteger))
                       .order_by(service_record.c.volunteer_id))


async def list_served_volunteers(db: Database, *, demand_id: int) -> list[int]:
    """The volunteers with a service record of the demand (who a review of it concerns)."""
    return [r["volunteer_id"] for r in await sql.fetch(db, _SERVED, {"d": demand_id})]


def _due(status: str, column: sa.ColumnElement[Any], prefix: str) -> sql.Compiled:
    key = sa.func.concat(prefix, _d.c.id)
    return sql.compiled(
        sa.select(_d.c.id).where(
            _d.c.status == status,
            column > sa.func.now() + sql.seconds(sa.bindparam("from_s", type_=sa.Float)),
            column <= sa.func.now() + sql.seconds(sa.bindparam("to_s", type_=sa.Float)),
            ~sa.exists().where(e.c.once_key == key))
        .order_by(column, _d.c.id).limit(sa.bindparam("n", type_=sa.Integer)))


_START = sa.func.lower(_d.c.time_window)
_DUE = {"reminder_24h": _due("accepted", _START, "reminder_24h:dispatch:"),
        "reminder_2h": _due("accepted", _START, "reminder_2h:dispatch:"),
        "offer_expiring": _due("offered", _d.c.respond_by, "offer_expiring:dispatch:")}


async def list_due_reminders(db: Database, *, kind: str, from_s: float, to_s: float,
                             limit: int) -> list[int]:
    """Dispatches due for a once-only reminder ``kind`` (reminder_24h, reminder_2h: accepted
    bookings whose window starts in (now + from_s, now + to_s]; offer_expiring: offers whose
    deadline falls there) that have not had it, the soonest first."""
    rows = await sql.fetch(db, _DUE[kind], {"from_s": from_s, "to_s": to_s, "n": limit})
    return [r["id"] for r in rows]


# Activity sign-ups due for a reminder (issue 15 gap 2): signed up (not waitlisted, not yet
# checked in, not cancelled) to a published activity starting in (now + from_s, now + to_s],
# without the event of their once_key ``<kind>:signup:<activity>:<volunteer>``.
_act, _su = activity, activity_signup


def _signups_due(prefix: str) -> sql.Compiled:
    key = sa.func.concat(prefix, _su.c.activity_id, ":", _su.c.volunteer_id)
    start = sa.func.lower(_act.c.time_window)
    return sql.compiled(
        sa.select(_su.c.activity_id, _su.c.volunteer_id, _act.c.title, _act.c.category,
                  _act.c.region_code, start.label("starts_at"),
                  sa.func.upper(_act.c.time_window).label("ends_at"),
                  sa.func.coalesce(station.c.name, region.c.name).label("place"))
        .select_from(_su.join(_act, _act.c.id == _su.c.activity_id)
                     .outerjoin(station, station.c.id == _act.c.station_id)
                     .join(region, region.c.code == _act.c.region_code))
        .where(_su.c.status == "signed_up", _act.c.status == "published",
               start > sa.func.now() + sql.seconds(sa.bindparam("from_s", type_=sa.Float)),
               start <= sa.func.now() + sql.seconds(sa.bindparam("to_s", type_=sa.Float)),
               ~sa.exists().where(e.c.once_key == key))
        .order_by(start, _su.c.activity_id, _su.c.volunteer_id)
        .limit(sa.bindparam("n", type_=sa.Integer)))


_SIGNUPS_DUE = {kind: _signups_due(f"{kind}:signup:") for kind in ("reminder_24h", "reminder_2h")}


async def list_due_signup_reminders(db: Database, *, kind: str, from_s: float, to_s: float,
                                    limit: int) -> list[Row]:
    """Activity sign-ups due for reminder ``kind`` (reminder_24h, reminder_2h) that have not had
    it, the soonest first: activity, volunteer, and the activity's title, category, region,
    window and place (its station's name, else its region's)."""
    return await sql.fetch(db, _SIGNUPS_DUE[kind], {"from_s": from_s, "to_s": to_s, "n": limit})
