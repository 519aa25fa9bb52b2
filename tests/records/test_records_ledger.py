"""积分 and 时间储蓄 are double-entry: every transaction sums to zero per unit, no volunteer
account is overdrawn, and rewards always equal those of the net verified hours."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from hub.services.records import (
    RecordsError,
    Source,
    correct_record,
    record_service,
    rewards,
)
from hub.store import ledger, records
from hub.store.base import ConnectionDatabase
from tests.records.records_world import World


async def _balances(db: ConnectionDatabase, volunteer_id: int) -> dict[str, int]:
    rows = await ledger.list_balances(db, volunteer_ids=[volunteer_id])
    return {r["unit"]: int(r["balance"]) for r in rows}


async def _books_balance(db: ConnectionDatabase) -> None:
    assert {r["unit"]: int(r["total"]) for r in await ledger.list_totals(db)} in (
        {}, {"points": 0, "minutes": 0})


def test_rewards_are_ten_points_and_sixty_minutes_an_hour():
    assert rewards(Decimal("2.5")) == (25, 150)
    assert rewards(Decimal("0.01")) == (0, 1)


async def test_recording_service_posts_balanced_rewards(db: ConnectionDatabase, world: World):
    await record_service(db, volunteer_id=world.volunteers[0],
                         source=Source(activity_id=world.past_activity), hours=Decimal("2.5"),
                         verified_by="t")
    assert await _balances(db, world.volunteers[0]) == {"points": 25, "minutes": 150}
    await db.fetch("SET CONSTRAINTS ALL IMMEDIATE")
    await _books_balance(db)


async def _unbalanced(aconn: psycopg.AsyncConnection[Any], entries: list[tuple[int, int]],
                      constraint: str) -> None:
    db = ConnectionDatabase(aconn)
    with pytest.raises(psycopg.errors.CheckViolation) as caught:
        async with aconn.transaction():
            await ledger.create_transaction(db, kind="redemption", service_record_id=None, memo="x",
                              created_by="t", entries=entries)
            await aconn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # as at commit
    assert caught.value.diag.constraint_name == constraint


async def test_no_balance_can_be_created_from_nothing(aconn: psycopg.AsyncConnection[Any],
                                                      world: World):
    db = ConnectionDatabase(aconn)
    mine = await ledger.get_account(db, unit="points", volunteer_id=world.volunteers[0])
    theirs = await ledger.get_account(db, unit="points", volunteer_id=world.volunteers[1])
    minutes = await ledger.get_account(db, unit="minutes", volunteer_id=world.volunteers[0])
    # A credit with no matching debit.
    await _unbalanced(aconn, [(mine, 100)], "ledger_balanced")
    # Balanced in count, but across units: points are not minutes.
    await _unbalanced(aconn, [(mine, 60), (minutes, -60)], "ledger_balanced")
    # Balanced, but taken from a volunteer who has nothing: an overdraft.
    await _unbalanced(aconn, [(mine, 100), (theirs, -100)], "ledger_not_overdrawn")
    assert await _balances(db, world.volunteers[0]) == {"points": 0, "minutes": 0}


async def test_a_correction_moves_the_difference_and_voiding_returns_everything(
        db: ConnectionDatabase, world: World):
    record = await record_service(db, volunteer_id=world.volunteers[0],
                                  source=Source(activity_id=world.past_activity),
                                  hours=Decimal("3"), verified_by="t")
    await correct_record(db, record_id=record["id"], hours=Decimal("2"), reason="签退时间有误",
                         corrected_by="auditor")
    assert await _balances(db, world.volunteers[0]) == {"points": 20, "minutes": 120}
    await correct_record(db, record_id=record["id"], hours=Decimal("0"), reason="未实际参加",
                         corrected_by="auditor")
    assert await _balances(db, world.volunteers[0]) == {"points": 0, "minutes": 0}
    with pytest.raises(RecordsError) as caught:
        await correct_record(db, record_id=record["id"], hours=Decimal("0"), reason="再次作废",
                             corrected_by="auditor")
    assert caught.value.code == "NO_CHANGE"


async def test_record_service_refuses_the_same_service_twice(db: ConnectionDatabase,
                                                             world: World):
    source = Source(demand_id=world.demand)
    await record_service(db, volunteer_id=world.volunteers[0], source=source,
                         hours=Decimal(2), verified_by="t")
    with pytest.raises(RecordsError) as caught:
        await record_service(db, volunteer_id=world.volunteers[0], source=source,
                             hours=Decimal(2), verified_by="t")
    assert caught.value.code == "ALREADY_RECORDED"
    with pytest.raises(RecordsError, match="outside"):
        await record_service(db, volunteer_id=world.volunteers[1], source=source,
                             hours=Decimal(0), verified_by="t")


async def test_random_services_and_corrections_keep_books_equal_to_net_hours(
        db: ConnectionDatabase, world: World):
    rng = random.Random(5)
    originals: list[tuple[int, int]] = []
    sources = [Source(activity_id=world.past_activity), Source(demand_id=world.demand)]
    for volunteer_id in world.volunteers:
        for source in sources:  # within the demand's 2 h window and the activity's 3 h
            hours = Decimal(rng.randint(1, 200)) / 100
            row = await record_service(db, volunteer_id=volunteer_id, source=source, hours=hours,
                                       verified_by="t")
            originals.append((row["id"], volunteer_id))
    for _ in range(25):
        record_id, _volunteer = rng.choice(originals)
        target = Decimal(rng.randint(0, 200)) / 100
        try:
            await correct_record(db, record_id=record_id, hours=target, reason="随机更正",
                                 corrected_by="t")
        except RecordsError as exc:
            assert exc.code == "NO_CHANGE"
    await db.fetch("SET CONSTRAINTS ALL IMMEDIATE")
    await _books_balance(db)
    for volunteer_id in world.volunteers:
        nets = [Decimal((await records.get(db, record_id=r))["net_hours"])  # type: ignore[index]
                for r, v in originals if v == volunteer_id]
        expected = [sum(x) for x in zip(*(rewards(n) for n in nets), strict=True)]
        assert await _balances(db, volunteer_id) == {"points": expected[0],
                                                     "minutes": expected[1]}
