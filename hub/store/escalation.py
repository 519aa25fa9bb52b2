"""Statements on escalation up the tree (逐级上报, sql/0026): demands due for their next step,
the teams each step reaches (the organiser's parent, the corps, 学会 teams paired with the
county), the log of steps, and the 学会–县区 pairings. Built with SQLAlchemy Core on
:mod:`hub.store.tables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from psycopg.types.range import Range
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import (
    demand,
    escalation_step,
    organization,
    station,
    team_offer,
    team_pairing,
)

d, s, o, g, p = demand, escalation_step, team_offer, organization, team_pairing
_ID = sa.bindparam("id", type_=sa.BigInteger)
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_CODES = sa.bindparam("codes", type_=pg.ARRAY(sa.Text))
LAST_STEP = 3
MAX_BEFORE_H = 720  # the CHECK of region_setting.escalate_before_hours

# Due: still to be served by dispatch, not started, short of volunteers (counting what open
# team offers hold), no team offer open, steps left, and within its region's lead time.
_BEFORE_H = sa.func.coalesce(
    sa.cast(sa.func.hub_region_setting(d.c.region_code, "escalate_before_hours"), sa.Integer),
    sa.bindparam("default_h", type_=sa.Integer))
_DUE = sql.compiled(sa.select(d.c.id).where(
    d.c.status == sa.any_(sa.literal(["open", "dispatched"], pg.ARRAY(sa.Text))),
    d.c.time_window.overlaps(sa.func.tstzrange(
        sa.func.now(), sa.func.now() + sql.seconds(MAX_BEFORE_H * 3600), type_=pg.TSTZRANGE)),
    sa.func.lower(d.c.time_window) > sa.func.now(),
    sa.func.hub_demand_taken(d.c.id) < d.c.needed,
    ~sa.exists().where(o.c.demand_id == d.c.id, o.c.status == "open"),
    sa.select(sa.func.coalesce(sa.func.max(s.c.step), 0)).where(s.c.demand_id == d.c.id)
    .scalar_subquery() < LAST_STEP,
    sa.func.lower(d.c.time_window) <= sa.func.now() + sql.seconds(_BEFORE_H * 3600))
    .order_by(sa.func.lower(d.c.time_window), d.c.id).limit(sa.bindparam("n", type_=sa.Integer)))


async def list_due(db: Database, *, default_before_h: int, limit: int) -> list[int]:
    """Demands due for their next escalation step, the soonest first."""
    rows = await sql.fetch(db, _DUE, {"default_h": default_before_h, "n": limit})
    return [r["id"] for r in rows]


async def get_before_h(db: Database, *, region_code: str) -> int | None:
    """How many hours before its start a demand of the region escalates (None: the default)."""
    rows = await sql.fetch(db, sa.select(sa.func.hub_region_setting(
        region_code, "escalate_before_hours").label("h")))
    return None if rows[0]["h"] is None else int(rows[0]["h"])


# The team a demand starts from: the team it was last offered to by hand, else its station's.
_HAND = (sa.select(o.c.organization_id).where(o.c.demand_id == d.c.id,
                                               o.c.escalation_step.is_(None))
         .order_by(o.c.id.desc()).limit(1).scalar_subquery())
_BASE = sql.compiled(sa.select(sa.func.coalesce(_HAND, station.c.organization_id).label("team"))
                     .select_from(d.outerjoin(station, station.c.id == d.c.station_id))
                     .where(d.c.id == _ID))
_CORPS = sql.compiled(sa.select(g.c.id).where(
    g.c.level == "corps", g.c.status == "active", g.c.region_code == sa.any_(_CODES))
    .order_by(sa.func.array_position(_CODES, g.c.region_code), g.c.id).limit(1))
_PAIRED = sql.compiled(sa.select(p.c.id, p.c.organization_id).select_from(
    p.join(g, g.c.id == p.c.organization_id)).where(
    p.c.region_code == sa.any_(_CODES), p.c.valid.contains(sa.bindparam("day", type_=sa.Date)),
    g.c.status == "active").order_by(p.c.id))


async def get_base_team(db: Database, *, demand_id: int) -> int | None:
    """The team escalation climbs from: the one the demand was last offered to by hand, else
    its station's team (the organiser); None when neither."""
    rows = await sql.fetch(db, _BASE, {"id": demand_id})
    return None if not rows or rows[0]["team"] is None else int(rows[0]["team"])


async def get_corps(db: Database, *, region_codes: Sequence[str]) -> int | None:
    """The active corps (总队) of the nearest of these regions (a region and its ancestors)."""
    rows = await sql.fetch(db, _CORPS, {"codes": list(region_codes)})
    return int(rows[0]["id"]) if rows else None


async def list_paired_teams(db: Database, *, region_codes: Sequence[str], day: date) -> list[int]:
    """Active teams paired with one of these regions on ``day``, in the pairings' order."""
    rows = await sql.fetch(db, _PAIRED, {"codes": list(region_codes), "day": day})
    seen: list[int] = []
    for r in rows:
        if r["organization_id"] not in seen:
            seen.append(r["organization_id"])
    return seen


_STEPS = sql.compiled(sa.select(
    s.c.id, s.c.demand_id, s.c.step, s.c.kind, s.c.organization_id, s.c.team_offer_id,
    s.c.outcome, s.c.note, s.c.at).where(s.c.demand_id == sa.any_(_IDS))
    .order_by(s.c.demand_id, s.c.step, s.c.id))
_CREATE_STEP = sql.compiled(sa.insert(s).values(
    demand_id=_ID, step=sa.bindparam("step", type_=sa.SmallInteger),
    kind=sa.bindparam("kind", type_=sa.Text),
    organization_id=sa.bindparam("team", type_=sa.BigInteger),
    team_offer_id=sa.bindparam("offer", type_=sa.BigInteger),
    outcome=sa.bindparam("outcome", type_=sa.Text), note=sa.bindparam("note", type_=sa.Text)))


async def list_steps(db: Database, *, demand_ids: Sequence[int]) -> list[Row]:
    """The escalation log of these demands, step by step."""
    return await sql.fetch(db, _STEPS, {"ids": list(demand_ids)})


async def create_step(db: Database, *, demand_id: int, step: int, kind: str,
                      organization_id: int | None, team_offer_id: int | None, outcome: str,
                      note: str) -> None:
    """Log one escalation step (once per demand, step and team: the database refuses
    another)."""
    await sql.fetch(db, _CREATE_STEP, {
        "id": demand_id, "step": step, "kind": kind, "team": organization_id,
        "offer": team_offer_id, "outcome": outcome, "note": note})


# Pairings.
_PAIRING_COLUMNS = (p.c.id, p.c.organization_id, p.c.region_code,
                    sa.func.lower(p.c.valid).label("valid_from"),
                    (sa.func.upper(p.c.valid) - 1).label("valid_to"), p.c.note, p.c.created_by,
                    p.c.created_at, p.c.ended_by, p.c.ended_at)
_CREATE_PAIRING = sql.compiled(sa.insert(p).values(
    organization_id=_ID, region_code=sa.bindparam("region", type_=sa.Text),
    valid=sa.bindparam("valid", type_=pg.DATERANGE), note=sa.bindparam("note", type_=sa.Text),
    created_by=sa.bindparam("by", type_=sa.Text)).returning(*_PAIRING_COLUMNS))
_GET_PAIRING = sql.compiled(sa.select(
    *_PAIRING_COLUMNS, sa.cast(sa.func.timezone("Asia/Shanghai", sa.func.now()), sa.Date)
    .label("today")).where(p.c.id == _ID).with_for_update())
_END_PAIRING = sql.compiled(sa.update(p).where(p.c.id == _ID).values(
    valid=sa.func.daterange(sa.func.lower(p.c.valid), sa.func.least(
        sa.func.upper(p.c.valid), sa.bindparam("until", type_=sa.Date)), type_=pg.DATERANGE),
    ended_by=sa.bindparam("by", type_=sa.Text), ended_at=sa.func.now())
    .returning(*_PAIRING_COLUMNS))
_DELETE_PAIRING = sql.compiled(sa.delete(p).where(p.c.id == _ID))


def _range(valid_from: date, valid_to: date | None) -> Range[date]:
    """Inclusive dates as a date range (no end: open upwards)."""
    return Range(valid_from, None if valid_to is None else valid_to + timedelta(days=1), "[)")


async def create_pairing(db: Database, *, organization_id: int, region_code: str,
                         valid_from: date, valid_to: date | None, note: str, by: str) -> Row:
    """Pair a team with a region from ``valid_from`` through ``valid_to`` (None: no end)."""
    rows = await sql.fetch(db, _CREATE_PAIRING, {
        "id": organization_id, "region": region_code, "valid": _range(valid_from, valid_to),
        "note": note, "by": by})
    return rows[0]


async def lock_pairing(db: Database, *, pairing_id: int) -> Row | None:
    """A pairing, locked, with ``today`` (China Standard Time)."""
    rows = await sql.fetch(db, _GET_PAIRING, {"id": pairing_id})
    return rows[0] if rows else None


async def update_ended(db: Database, *, pairing_id: int, until: date, by: str) -> Row:
    """End a pairing: valid up to the day before ``until`` (never later than it was)."""
    rows = await sql.fetch(db, _END_PAIRING, {"id": pairing_id, "until": until, "by": by})
    return rows[0]


async def delete_pairing(db: Database, *, pairing_id: int) -> None:
    """Remove a pairing not yet begun (nothing can have used it)."""
    await sql.fetch(db, _DELETE_PAIRING, {"id": pairing_id})


async def list_pairings(db: Database, *, region_prefix: str, organization_id: int | None
                        ) -> list[Row]:
    """Pairings of a region subtree (and a team, if given), the newest first."""
    where: list[sa.ColumnElement[bool]] = [p.c.region_code.like(region_prefix + "%")]
    if organization_id is not None:
        where.append(p.c.organization_id == organization_id)
    return await sql.fetch(db, sa.select(*_PAIRING_COLUMNS).where(*where)
                           .order_by(p.c.id.desc()).limit(500))
