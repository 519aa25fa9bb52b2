"""SQL for the double-entry ledgers: 积分 (points) and 时间储蓄 (time banking, in minutes).

The database checks at commit that each transaction's entries sum to zero per unit and that no
volunteer account is overdrawn; this module only reads and appends.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.store.base import Database, Row


async def get_account(db: Database, *, unit: str, volunteer_id: int | None = None,
                      system_code: str | None = None) -> int:
    """The id of a volunteer's or a system account, created on first use."""
    params = {"unit": unit, "v": volunteer_id, "s": system_code}
    await db.fetch("INSERT INTO ledger_account (unit, volunteer_id, system_code) "
                   "VALUES (%(unit)s, %(v)s, %(s)s) ON CONFLICT DO NOTHING", params)
    rows = await db.fetch(
        "SELECT id FROM ledger_account WHERE unit = %(unit)s AND volunteer_id IS NOT DISTINCT "
        "FROM %(v)s AND system_code IS NOT DISTINCT FROM %(s)s", params)
    return int(rows[0]["id"])


async def create_transaction(db: Database, *, kind: str, service_record_id: int | None, memo: str,
                             created_by: str, entries: Sequence[tuple[int, int]]) -> int:
    """Append a transaction and its ``(account id, amount)`` entries; return its id."""
    rows = await db.fetch(
        "WITH t AS (INSERT INTO ledger_transaction (kind, service_record_id, memo, created_by) "
        "VALUES (%(kind)s, %(record)s, %(memo)s, %(by)s) RETURNING id), "
        "e AS (INSERT INTO ledger_entry (transaction_id, account_id, amount) "
        "SELECT t.id, x.account, x.amount FROM t, unnest(%(accounts)s::bigint[], "
        "%(amounts)s::bigint[]) AS x(account, amount) WHERE x.amount <> 0) SELECT id FROM t",
        {"kind": kind, "record": service_record_id, "memo": memo, "by": created_by,
         "accounts": [a for a, _ in entries], "amounts": [n for _, n in entries]})
    return int(rows[0]["id"])


async def check_balanced(db: Database) -> None:
    """Check this transaction's entries balance now rather than at commit (the deferred
    ``ledger_entry_balanced`` trigger), so a refusal can be rolled back to a savepoint."""
    await db.fetch("SET CONSTRAINTS ledger_entry_balanced IMMEDIATE")


async def list_balances(db: Database, *, volunteer_ids: Sequence[int]) -> list[Row]:
    """Each volunteer account's unit and balance."""
    return await db.fetch(
        "SELECT a.volunteer_id, a.unit, coalesce(sum(e.amount), 0) AS balance "
        "FROM ledger_account a LEFT JOIN ledger_entry e ON e.account_id = a.id "
        "WHERE a.volunteer_id = ANY(%(ids)s) GROUP BY a.id", {"ids": list(volunteer_ids)})


async def list_entries(db: Database, *, volunteer_id: int, unit: str, limit: int) -> list[Row]:
    """The latest entries of a volunteer's account, with their transaction."""
    return await db.fetch(
        "SELECT e.id, e.amount, t.kind, t.memo, t.service_record_id, t.created_at, "
        "t.created_by FROM ledger_account a JOIN ledger_entry e ON e.account_id = a.id "
        "JOIN ledger_transaction t ON t.id = e.transaction_id WHERE a.volunteer_id = %(v)s "
        "AND a.unit = %(unit)s ORDER BY e.id DESC LIMIT %(limit)s",
        {"v": volunteer_id, "unit": unit, "limit": limit})


async def list_totals(db: Database) -> list[Row]:
    """The sum of every entry per unit (zero when the books balance)."""
    return await db.fetch(
        "SELECT a.unit, coalesce(sum(e.amount), 0) AS total FROM ledger_account a "
        "LEFT JOIN ledger_entry e ON e.account_id = a.id GROUP BY a.unit")
