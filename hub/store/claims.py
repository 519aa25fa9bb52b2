"""Statements on claims (抢单): dispatches a volunteer made themself (``dispatch.claimed``).

A claim is a dispatch row, so the database refuses overbooking and double booking of claims
exactly as of offers (``dispatch_guard``, ``dispatch_no_double_booking``, sql/0004 and
sql/0022); reading and changing a claim's state is :mod:`hub.store.dispatch`'s.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import demand, dispatch

x, d = dispatch, demand
_BY = sa.bindparam("by", type_=sa.Text)
_REASON = sa.bindparam("reason", type_=sa.Text)
# A claim copies its demand's window; a pending one awaits approval until the window starts.
_CLAIM = sql.compiled(sa.insert(x).from_select(
    ["demand_id", "volunteer_id", "time_window", "distance_m", "reason", "offered_by",
     "respond_by", "responded_at", "status", "claimed", "changed_by", "change_reason"],
    sa.select(d.c.id, sa.bindparam("volunteer", type_=sa.BigInteger), d.c.time_window,
              sa.bindparam("distance", type_=pg.DOUBLE_PRECISION),
              _REASON, _BY, sa.func.lower(d.c.time_window), sa.func.now(),
              sa.bindparam("status", type_=sa.Text), sa.true(), _BY, _REASON)
    .where(d.c.id == sa.bindparam("demand", type_=sa.BigInteger)))
    .returning(x.c.id, x.c.status))
_HELD = sql.compiled(sa.select(x.c.id, x.c.status, x.c.claimed, x.c.changed_by,
                               x.c.change_reason).where(
    x.c.demand_id == sa.bindparam("demand", type_=sa.BigInteger),
    x.c.volunteer_id == sa.bindparam("volunteer", type_=sa.BigInteger),
    sa.or_(x.c.active, x.c.status == "claim_rejected"))
    .order_by(x.c.active.desc(), x.c.id.desc()))
# One volunteer's claims queue here (a transaction-scoped advisory lock in a key space of its
# own), taken after the demand's lock: nothing else takes it, so it adds no lock cycle.
_CLAIMS_KEY = 0x636C616D  # 'clam'
_INT4 = 2_147_483_647  # volunteer ids fold into the lock's 32-bit key (a clash only queues)
_LOCK_VOLUNTEER = sql.compiled(sa.select(sa.func.pg_advisory_xact_lock(
    sa.literal(_CLAIMS_KEY, sa.Integer),
    sa.cast(sa.bindparam("v", type_=sa.BigInteger) % _INT4, sa.Integer)).label("locked")))
# 'claim_pending' as a constant: a generic plan may use the partial index
# dispatch_claim_due_idx (sql/0022).
_DUE = sql.compiled(sa.select(x.c.id).where(
    x.c.status == sa.literal_column("'claim_pending'"), x.c.respond_by <= sa.func.now())
    .order_by(x.c.respond_by).limit(sa.bindparam("n", type_=sa.Integer))
    .with_for_update(skip_locked=True))


async def create(db: Database, *, demand_id: int, volunteer_id: int, distance_m: float,
                 status: str, by: str, reason: str) -> Row:
    """A volunteer's claim of a demand's slot, ``accepted`` or ``claim_pending`` (the database
    refuses overbooking and double booking)."""
    rows = await sql.fetch(db, _CLAIM, {
        "demand": demand_id, "volunteer": volunteer_id, "distance": distance_m,
        "reason": reason, "by": by, "status": status})
    return rows[0]


async def list_held(db: Database, *, demand_id: int, volunteer_id: int) -> list[Row]:
    """The volunteer's dispatches of a demand that bar another claim: active ones, and
    rejected claims (active first, then the newest)."""
    return await sql.fetch(db, _HELD, {"demand": demand_id, "volunteer": volunteer_id})


async def lock_volunteer(db: Database, *, volunteer_id: int) -> None:
    """Wait for the volunteer's other claims in progress, and hold theirs back until this
    transaction ends: what one claim reads of the volunteer's week then stays true."""
    await sql.fetch(db, _LOCK_VOLUNTEER, {"v": volunteer_id})


async def lock_due(db: Database, *, limit: int) -> list[int]:
    """Pending claims whose demand's window has started, locked; rows another process holds
    are skipped."""
    rows = await sql.fetch(db, _DUE, {"n": limit})
    return [r["id"] for r in rows]

