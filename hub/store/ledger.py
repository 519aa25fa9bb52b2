"""Statements on the double-entry ledgers: 积分 (points) and 时间储蓄 (time banking, minutes).

The database checks at commit that each transaction's entries sum to zero per unit and that no
volunteer account is overdrawn; this module only reads and appends. Built with SQLAlchemy Core
on :mod:`hub.store.tables` and run by :mod:`hub.store.sql`, the append of a transaction with
its entries included (one statement, two data-modifying CTEs); only :func:`check_balanced`'s
``SET CONSTRAINTS`` is SQL text, a transaction command on no table that Core has no construct
for.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import ledger_account, ledger_entry, ledger_transaction

a, e, t = ledger_account, ledger_entry, ledger_transaction
_UNIT = sa.bindparam("unit", type_=sa.Text)
_V = sa.bindparam("v", type_=sa.BigInteger)
_S = sa.bindparam("s", type_=sa.Text)
_OPEN = sql.compiled(pg.insert(a).values(unit=_UNIT, volunteer_id=_V, system_code=_S)
                     .on_conflict_do_nothing())
_ACCOUNT = sql.compiled(sa.select(a.c.id).where(
    a.c.unit == _UNIT, a.c.volunteer_id.is_not_distinct_from(_V),
    a.c.system_code.is_not_distinct_from(_S)))
_BALANCE = sa.func.coalesce(sa.func.sum(e.c.amount), 0)
_BALANCES = sql.compiled(
    sa.select(a.c.volunteer_id, a.c.unit, _BALANCE.label("balance"))
    .select_from(a.outerjoin(e, e.c.account_id == a.c.id))
    .where(a.c.volunteer_id == sa.any_(sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))))
    .group_by(a.c.id))
_ENTRIES = sql.compiled(
    sa.select(e.c.id, e.c.amount, t.c.kind, t.c.memo, t.c.service_record_id, t.c.created_at,
              t.c.created_by)
    .select_from(a.join(e, e.c.account_id == a.c.id).join(t, t.c.id == e.c.transaction_id))
    .where(a.c.volunteer_id == _V, a.c.unit == _UNIT).order_by(e.c.id.desc())
    .limit(sa.bindparam("limit")))
_TOTALS = sql.compiled(sa.select(a.c.unit, _BALANCE.label("total"))
                       .select_from(a.outerjoin(e, e.c.account_id == a.c.id)).group_by(a.c.unit))


async def get_account(db: Database, *, unit: str, volunteer_id: int | None = None,
                      system_code: str | None = None) -> int:
    """The id of a volunteer's or a system account, created on first use."""
    params = {"unit": unit, "v": volunteer_id, "s": system_code}
    await sql.fetch(db, _OPEN, params)
    rows = await sql.fetch(db, _ACCOUNT, params)
    return int(rows[0]["id"])


_created = sa.insert(t).values(
    kind=sa.bindparam("kind"), service_record_id=sa.bindparam("record"),
    memo=sa.bindparam("memo"), created_by=sa.bindparam("by")).returning(t.c.id).cte("t")
_pairs = sa.func.unnest(sa.bindparam("accounts", type_=pg.ARRAY(sa.BigInteger)),
                        sa.bindparam("amounts", type_=pg.ARRAY(sa.BigInteger))
                        ).table_valued("account", "amount").render_derived(name="x")
_entered = sa.insert(e).from_select(
    ["transaction_id", "account_id", "amount"],
    sa.select(_created.c.id, _pairs.c.account, _pairs.c.amount).select_from(_created, _pairs)
    .where(_pairs.c.amount != 0)).cte("e")
_APPEND = sql.compiled(sa.select(_created.c.id).add_cte(_entered))


async def create_transaction(db: Database, *, kind: str, service_record_id: int | None, memo: str,
                             created_by: str, entries: Sequence[tuple[int, int]]) -> int:
    """Append a transaction and its ``(account id, amount)`` entries in one statement; return
    its id."""
    rows = await sql.fetch(db, _APPEND, {
        "kind": kind, "record": service_record_id, "memo": memo, "by": created_by,
        "accounts": [account for account, _ in entries], "amounts": [n for _, n in entries]})
    return int(rows[0]["id"])


async def check_balanced(db: Database) -> None:
    """Check this transaction's entries balance now rather than at commit (the deferred
    ``ledger_entry_balanced`` trigger), so a refusal can be rolled back to a savepoint."""
    # SQL text: a transaction command, not a statement on a table (no Core construct).
    await db.fetch("SET CONSTRAINTS ledger_entry_balanced IMMEDIATE")


async def list_balances(db: Database, *, volunteer_ids: Sequence[int]) -> list[Row]:
    """Each volunteer account's unit and balance."""
    return await sql.fetch(db, _BALANCES, {"ids": list(volunteer_ids)})


async def list_entries(db: Database, *, volunteer_id: int, unit: str, limit: int) -> list[Row]:
    """The latest entries of a volunteer's account, with their transaction."""
    return await sql.fetch(db, _ENTRIES, {"v": volunteer_id, "unit": unit, "limit": limit})


async def list_totals(db: Database) -> list[Row]:
    """The sum of every entry per unit (zero when the books balance)."""
    return await sql.fetch(db, _TOTALS)
