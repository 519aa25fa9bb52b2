"""A race on one volunteer's records and ledgers, for the suite and for bench/: a world with a
confirmed record to correct, pending records to confirm and checked-in dispatches to check
out, the concurrent calls, and the checks that they acted in some serial order."""

from __future__ import annotations

import asyncio
import functools
import random
from collections import Counter
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import psycopg

from hub.auth.tokens import SYSTEM
from hub.services import records, workflow
from hub.services.records import RecordsError, Source
from hub.services.workflow_errors import WorkflowError
from hub.store import ledger
from hub.store.base import ConnectionDatabase

LON, LAT, REGION = 113.6073, 34.7495, "410102000000"
WINDOW_H = 10  # the corrected record's demand window: corrections may reach 10 h, not more
REFUSALS = {"correct": {"NO_CHANGE", "INVALID_HOURS", "INSUFFICIENT_BALANCE"},
            "confirm": {"ALREADY_CONFIRMED"}, "check_out": {"INVALID_TRANSITION"},
            "redeem": {"INSUFFICIENT_BALANCE"}}
Call = Callable[[ConnectionDatabase], Awaitable[Any]]


async def _one(conn: psycopg.AsyncConnection[Any], sql: str, params: Any = None) -> Any:
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    assert row is not None
    return row[0]


async def _demand(conn: psycopg.AsyncConnection[Any], starts_h: float, hours: float) -> int:
    """A dispatched demand whose window started ``starts_h`` hours ago and lasted ``hours``."""
    return int(await _one(
        conn, "INSERT INTO demand (title, category, needed, time_window, location_geom, "
              "region_code, raised_by, status) VALUES ('并发记录', 'health', 1, tstzrange(now() - "
              "make_interval(secs => %s), now() - make_interval(secs => %s)), "
              "ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, 'test', 'dispatched') RETURNING id",
        (starts_h * 3600, (starts_h - hours) * 3600, LON, LAT, REGION)))


async def make_world(conn: psycopg.AsyncConnection[Any], *, pending: int,
                     checkouts: int) -> dict[str, Any]:
    """One volunteer with a confirmed 6 h record, ``pending`` pending records and
    ``checkouts`` checked-in dispatches (3 h windows in the past); the caller commits."""
    volunteer = await _one(
        conn, "INSERT INTO volunteer (real_name, home_geom, region_code) VALUES ('并发志愿者', "
              "ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s) RETURNING id", (LON, LAT, REGION))
    db = ConnectionDatabase(conn)
    target = await records.record_service(
        db, volunteer_id=volunteer, source=Source(demand_id=await _demand(conn, 12, WINDOW_H)),
        hours=Decimal(6), verified_by="organiser")
    waiting = [(await records.record_service(
        db, volunteer_id=volunteer, source=Source(demand_id=await _demand(conn, 20 + k, 3)),
        hours=Decimal(3), verified_by="volunteer", pending=True))["id"] for k in range(pending)]
    dispatches = []
    for k in range(checkouts):
        demand = await _demand(conn, 30 + 5 * (pending + k), 3)
        dispatches.append(await _one(
            conn, "INSERT INTO dispatch (demand_id, volunteer_id, time_window, offered_by, "
                  "respond_by) SELECT id, %s, time_window, 'test', now() + interval '1 day' "
                  "FROM demand WHERE id = %s RETURNING id", (volunteer, demand)))
        await conn.execute("UPDATE dispatch SET status = 'accepted' WHERE id = %s",
                           (dispatches[-1],))
        await conn.execute(
            "UPDATE dispatch SET status = 'checked_in', check_in_at = lower(time_window), "
            "check_in_geom = ST_SetSRID(ST_MakePoint(%s, %s), 4326) WHERE id = %s",
            (LON, LAT, dispatches[-1]))
    return {"volunteer": volunteer, "target": target["id"], "pending": waiting,
            "dispatches": dispatches}


def calls(world: dict[str, Any], rng: random.Random, *, corrections: int,
          redemptions: int) -> list[tuple[str, Any, Call]]:
    """The calls, shuffled: (kind, argument, what it does on a database). Corrections go to
    random targets, some above the window; each pending record is confirmed and each dispatch
    checked out twice at once; redemptions of 30 points spend more than there is."""
    tx = records.in_transaction
    out: list[tuple[str, Any, Call]] = []
    for _ in range(corrections):
        hours = Decimal(rng.randint(0, 1100)) / 100
        out.append(("correct", hours, lambda db, h=hours: tx(db, functools.partial(
            records.correct_record, record_id=world["target"], hours=h, reason="并发更正",
            corrected_by="auditor"))))
    for record_id in world["pending"] * 2:
        out.append(("confirm", record_id, lambda db, r=record_id: tx(db, functools.partial(
            records.confirm_record, record_id=r, by="organiser"))))
    for dispatch_id in world["dispatches"] * 2:
        out.append(("check_out", dispatch_id, lambda db, d=dispatch_id: workflow.check_out(
            db, dispatch_id=d, lon=LON, lat=LAT, caller=SYSTEM)))
    for _ in range(redemptions):
        out.append(("redeem", 30, lambda db: tx(db, functools.partial(
            records.redeem, volunteer_id=world["volunteer"], points=30, minutes=0,
            memo="兑换", by="shop"))))
    rng.shuffle(out)
    return out


async def run(todo: list[tuple[str, Any, Call]], connections: list[ConnectionDatabase]
              ) -> tuple[Counter[tuple[str, str]], dict[int, Decimal]]:
    """Fire every call at once over the connections; returns the outcome of each kind of call
    (``ok`` or the refusal's code) and, per accepted correction, the net hours it asked for.
    Anything but a coded refusal fails."""
    results = await asyncio.gather(
        *(call(connections[n % len(connections)]) for n, (_, _, call) in enumerate(todo)),
        return_exceptions=True)
    outcomes: Counter[tuple[str, str]] = Counter()
    accepted: dict[int, Decimal] = {}
    for (kind, arg, _), result in zip(todo, results, strict=True):
        if isinstance(result, RecordsError | WorkflowError):
            code = str(result.code)
            assert code in REFUSALS[kind], (kind, arg, result)
            outcomes[kind, code] += 1
            continue
        assert not isinstance(result, BaseException), (kind, arg, result)
        outcomes[kind, "ok"] += 1
        if kind == "correct":
            accepted[result["id"]] = arg
    return outcomes, accepted


async def check_serial(db: ConnectionDatabase, target: int,
                       accepted: dict[int, Decimal]) -> None:
    """In id order (the order the record's lock granted), each correction takes the net hours
    to exactly what its call asked for, and nothing else corrected the record."""
    rows = await db.fetch("SELECT id, hours, corrects_id FROM service_record WHERE id = %s OR "
                          "corrects_id = %s ORDER BY id", (target, target))
    net = rows[0]["hours"]
    assert set(accepted) == {r["id"] for r in rows[1:]}
    for row in rows[1:]:
        net += row["hours"]
        assert net == accepted[row["id"]], (row, net)
    assert 0 <= net <= WINDOW_H


async def check_balances(db: ConnectionDatabase, volunteer: int) -> None:
    """Points and minutes equal the rewards of the net confirmed hours less what was spent;
    nothing is overdrawn and the books balance."""
    nets = await db.fetch(
        "SELECT r.id, r.hours + coalesce((SELECT sum(c.hours) FROM service_record c WHERE "
        "c.corrects_id = r.id), 0) AS net FROM service_record r JOIN "
        "service_record_confirmation k ON k.record_id = r.id WHERE r.volunteer_id = %s AND "
        "r.corrects_id IS NULL", (volunteer,))
    earned = [sum(x) for x in zip(*(records.rewards(r["net"]) for r in nets), strict=True)]
    spent = await db.fetch(
        "SELECT coalesce(sum(-e.amount), 0) AS n FROM ledger_entry e JOIN ledger_transaction t "
        "ON t.id = e.transaction_id JOIN ledger_account a ON a.id = e.account_id WHERE "
        "t.kind = 'redemption' AND a.volunteer_id = %s", (volunteer,))
    balances = {r["unit"]: int(r["balance"])
                for r in await ledger.list_balances(db, volunteer_ids=[volunteer])}
    assert balances == {"points": earned[0] - int(spent[0]["n"]), "minutes": earned[1]}
    assert min(balances.values()) >= 0
    assert {r["unit"]: int(r["total"]) for r in await ledger.list_totals(db)} == {
        "points": 0, "minutes": 0}
