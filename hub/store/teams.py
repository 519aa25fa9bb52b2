"""Statements on team dispatch (sql/0026): offers of a demand's slots to a team (分队, 支队 …),
the dispatches its captain makes from them, and the teams and captains they concern.

An open team offer holds its slots against the demand's headcount; ``dispatch_guard`` and
``team_offer_guard`` count them (``hub_demand_taken``) with the demand row locked, so offers,
claims and team offers of one demand can never overfill it. Pairings and the escalation log
are :mod:`hub.store.escalation`'s. Built with SQLAlchemy Core on :mod:`hub.store.tables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import (
    TIMESTAMPTZ,
    demand,
    dispatch,
    membership,
    organization,
    team_offer,
)

o, x, d, g, m = team_offer, dispatch, demand, organization, membership
_ID = sa.bindparam("id", type_=sa.BigInteger)
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_BY = sa.bindparam("by", type_=sa.Text)
# Members assigned: the offer's dispatches that hold a slot.
_ASSIGNED = (sa.select(sa.func.count()).select_from(x)
             .where(x.c.team_offer_id == o.c.id, x.c.active).scalar_subquery())
_COLUMNS = (
    o.c.id, o.c.demand_id, o.c.organization_id, o.c.slots, o.c.status, o.c.offered_by,
    o.c.offered_at, o.c.respond_by, o.c.escalation_step, o.c.note, o.c.closed_at, o.c.closed_by,
    o.c.returned_slots, o.c.return_reason, _ASSIGNED.label("assigned"),
    g.c.name.label("team_name"), g.c.level.label("team_level"),
    sa.cast(g.c.path, sa.Text).label("team_path"), g.c.region_code.label("team_region_code"),
    d.c.region_code, sa.func.lower(d.c.time_window).label("starts_at"),
    sa.func.upper(d.c.time_window).label("ends_at"), sa.func.now().label("now"))
_READ = sa.select(*_COLUMNS).select_from(
    o.join(g, g.c.id == o.c.organization_id).join(d, d.c.id == o.c.demand_id))
_GET_MANY = sql.compiled(_READ.where(o.c.id == sa.any_(_IDS)).order_by(o.c.id))
_LOCK = sql.compiled(_READ.where(o.c.id == _ID).with_for_update(of=o))
_LOCK_DEMAND = sql.compiled(sa.select(d.c.id).where(
    d.c.id == sa.select(o.c.demand_id).where(o.c.id == _ID).scalar_subquery())
    .with_for_update())
_OF_DEMANDS = sql.compiled(_READ.where(o.c.demand_id == sa.any_(_IDS)).order_by(o.c.id))


async def get_many(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Team offers by id, with their team, demand window and members assigned."""
    return await sql.fetch(db, _GET_MANY, {"ids": list(ids)})


async def list_of_demands(db: Database, *, demand_ids: Sequence[int]) -> list[Row]:
    """Every team offer of these demands, oldest first."""
    return await sql.fetch(db, _OF_DEMANDS, {"ids": list(demand_ids)})


async def lock(db: Database, *, offer_id: int) -> Row | None:
    """A team offer, its demand locked first (the order every writer keeps), then itself."""
    if not await sql.fetch(db, _LOCK_DEMAND, {"id": offer_id}):
        return None
    rows = await sql.fetch(db, _LOCK, {"id": offer_id})
    return rows[0] if rows else None


_CREATE = sql.compiled(sa.insert(o).values(
    demand_id=sa.bindparam("demand", type_=sa.BigInteger),
    organization_id=sa.bindparam("team", type_=sa.BigInteger),
    slots=sa.bindparam("slots", type_=sa.SmallInteger), offered_by=_BY,
    respond_by=sa.bindparam("respond_by", type_=TIMESTAMPTZ),
    escalation_step=sa.bindparam("step", type_=sa.SmallInteger),
    note=sa.bindparam("note", type_=sa.Text)).returning(o.c.id))


async def create(db: Database, *, demand_id: int, organization_id: int, slots: int, by: str,
                 respond_by: datetime, escalation_step: int | None, note: str) -> int:
    """Offer ``slots`` of a demand to a team until ``respond_by`` (the database refuses more
    slots than the demand has free, and a second open offer to one team)."""
    rows = await sql.fetch(db, _CREATE, {
        "demand": demand_id, "team": organization_id, "slots": slots, "by": by,
        "respond_by": respond_by, "step": escalation_step, "note": note})
    return int(rows[0]["id"])


_CLOSE = sql.compiled(sa.update(o).where(o.c.id == _ID, o.c.status == "open").values(
    status=sa.bindparam("status", type_=sa.Text), closed_at=sa.func.now(), closed_by=_BY,
    returned_slots=o.c.slots - _ASSIGNED,
    return_reason=sa.bindparam("reason", type_=sa.Text)).returning(o.c.returned_slots))


async def update_closed(db: Database, *, offer_id: int, status: str, by: str,
                        reason: str | None) -> int | None:
    """Close an open team offer (filled, returned, expired, withdrawn): its unassigned slots
    are free again; returns how many (None: it was not open)."""
    rows = await sql.fetch(db, _CLOSE, {"id": offer_id, "status": status, "by": by,
                                        "reason": reason})
    return int(rows[0]["returned_slots"]) if rows else None


_WITHDRAW = sql.compiled(sa.update(o).where(o.c.demand_id == _ID, o.c.status == "open").values(
    status="withdrawn", closed_at=sa.func.now(), closed_by=_BY,
    returned_slots=o.c.slots - _ASSIGNED,
    return_reason=sa.bindparam("reason", type_=sa.Text)).returning(o.c.id))


async def update_withdrawn_of_demand(db: Database, *, demand_id: int, by: str,
                                     reason: str) -> int:
    """Withdraw every open team offer of a demand (it was cancelled); returns how many."""
    rows = await sql.fetch(db, _WITHDRAW, {"id": demand_id, "by": by, "reason": reason})
    return len(rows)


_DUE = sql.compiled(sa.select(o.c.id).where(
    o.c.status == sa.literal_column("'open'"), o.c.respond_by <= sa.func.now())
    .order_by(o.c.respond_by).limit(sa.bindparam("n", type_=sa.Integer))
    .with_for_update(skip_locked=True))
_OPEN_OF_DEMAND = sql.compiled(sa.select(o.c.id).where(
    o.c.demand_id == _ID, o.c.status == "open").order_by(o.c.id))


async def lock_due(db: Database, *, limit: int) -> list[int]:
    """Open team offers past their deadline, locked; rows another process holds are
    skipped."""
    rows = await sql.fetch(db, _DUE, {"n": limit})
    return [r["id"] for r in rows]


async def list_open_of_demand(db: Database, *, demand_id: int) -> list[int]:
    """The ids of a demand's open team offers."""
    return [r["id"] for r in await sql.fetch(db, _OPEN_OF_DEMAND, {"id": demand_id})]


# A member's dispatch through a team offer: an ordinary offer of the demand's slot (answered
# within the ttl and before the window starts), marked with the team offer it came through.
_MEMBER_OFFER = sql.compiled(sa.insert(x).from_select(
    ["demand_id", "volunteer_id", "time_window", "reason", "offered_by", "respond_by",
     "team_offer_id"],
    sa.select(d.c.id, sa.bindparam("volunteer", type_=sa.BigInteger), d.c.time_window,
              sa.bindparam("reason", type_=sa.Text), _BY,
              sa.func.least(sa.func.now() + sql.seconds(sa.bindparam("ttl", type_=sa.Integer)),
                            sa.func.lower(d.c.time_window)), o.c.id)
    .select_from(o.join(d, d.c.id == o.c.demand_id)).where(o.c.id == _ID))
    .returning(x.c.id))


async def create_member_dispatch(db: Database, *, offer_id: int, volunteer_id: int,
                                 reason: str, by: str, ttl_s: int) -> int:
    """Offer one of a team offer's slots to a member (the database refuses more than the
    offer holds, double booking and inactive volunteers)."""
    rows = await sql.fetch(db, _MEMBER_OFFER, {"id": offer_id, "volunteer": volunteer_id,
                                               "reason": reason, "by": by, "ttl": ttl_s})
    return int(rows[0]["id"])


# Teams: who captains one, who belongs to its subtree, which teams a volunteer captains.
CAPTAIN_ROLES = ("captain", "vice_captain")
_TEAM = sql.compiled(sa.select(
    g.c.id, g.c.name, g.c.level, g.c.parent_id, g.c.region_code, g.c.kind, g.c.status,
    g.c.captain_id, sa.cast(g.c.path, sa.Text).label("path"),
    sa.select(sa.func.array_agg(m.c.volunteer_id)).where(
        m.c.organization_id == g.c.id,
        m.c.role == sa.any_(sa.literal(list(CAPTAIN_ROLES), pg.ARRAY(sa.Text))))
    .scalar_subquery().label("captain_ids")).where(g.c.id == sa.any_(_IDS)))
_g2 = organization.alias("sub")
_MEMBERS_IN = sql.compiled(sa.select(m.c.volunteer_id).distinct().select_from(
    m.join(_g2, _g2.c.id == m.c.organization_id)).where(
    m.c.volunteer_id == sa.any_(_IDS),
    _g2.c.path.op("<@")(sa.select(g.c.path).where(g.c.id == _ID).scalar_subquery())))
_CAPTAINED = sql.compiled(sa.select(g.c.id).where(sa.or_(
    g.c.captain_id == _ID,
    g.c.id.in_(sa.select(m.c.organization_id).where(
        m.c.volunteer_id == _ID,
        m.c.role == sa.any_(sa.literal(list(CAPTAIN_ROLES), pg.ARRAY(sa.Text))))))
    ).order_by(g.c.id))


async def get_many_teams(db: Database, *, ids: Sequence[int]) -> dict[int, Row]:
    """Teams by id, each with its path as text and ``captain_ids``: who captains it
    (队长 and 副队长 by membership, and ``organization.captain_id``)."""
    rows = await sql.fetch(db, _TEAM, {"ids": list(ids)})
    out: dict[int, Row] = {}
    for r in rows:
        ids_ = set(r["captain_ids"] or ())
        if r["captain_id"] is not None:
            ids_.add(r["captain_id"])
        out[r["id"]] = {**r, "captain_ids": sorted(ids_)}
    return out


async def list_members_in(db: Database, *, team_id: int, volunteer_ids: Sequence[int]
                          ) -> set[int]:
    """Which of these volunteers belong to the team or a team beneath it."""
    rows = await sql.fetch(db, _MEMBERS_IN, {"id": team_id, "ids": list(volunteer_ids)})
    return {r["volunteer_id"] for r in rows}


async def list_captained(db: Database, *, volunteer_id: int) -> list[int]:
    """The teams a volunteer captains (队长 or 副队长)."""
    return [r["id"] for r in await sql.fetch(db, _CAPTAINED, {"id": volunteer_id})]


@dataclass(frozen=True)
class OfferFilter:
    """Which team offers to list; every given condition must hold."""

    organization_ids: tuple[int, ...] = ()
    region_prefix: str | None = None
    demand_id: int | None = None
    statuses: tuple[str, ...] = ()


def _where(f: OfferFilter) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if f.organization_ids:
        where.append(o.c.organization_id == sa.any_(
            sa.literal(list(f.organization_ids), pg.ARRAY(sa.BigInteger))))
    if f.region_prefix:
        where.append(d.c.region_code.like(f.region_prefix + "%"))  # digits: nothing to escape
    if f.demand_id is not None:
        where.append(o.c.demand_id == f.demand_id)
    if f.statuses:
        where.append(o.c.status == sa.any_(sa.literal(list(f.statuses), pg.ARRAY(sa.Text))))
    return where


async def list_(db: Database, *, filter: OfferFilter, first: int,
                after_id: int | None) -> list[Row]:
    """A page of team offers, newest first (``first + 1`` rows, to tell if there are more)."""
    return await sql.fetch(db, _READ.where(*_where(filter), o.c.id < (after_id or 2**62))
                           .order_by(o.c.id.desc()).limit(first + 1))


async def count(db: Database, *, filter: OfferFilter) -> int:
    """How many team offers match."""
    rows = await sql.fetch(db, sa.select(sa.func.count().label("n")).select_from(
        o.join(d, d.c.id == o.c.demand_id)).where(*_where(filter)))
    return int(rows[0]["n"])
