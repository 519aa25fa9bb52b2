"""The records, reviews, activities and ledger stores, statement by statement, against what the
rows in the database say (read back here with plain SQL)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import psycopg

from hub.services.records import Source, record_service
from hub.store import activities, ledger, records, reviews, signups
from hub.store.base import ConnectionDatabase
from tests.records.records_world import REGION, World  # REGION: a county of Henan (41)


async def _rows(aconn: psycopg.AsyncConnection[Any], sql: str, params: Any = None
                ) -> list[tuple[Any, ...]]:
    cur = await aconn.execute(sql, params)
    return await cur.fetchall()


async def test_a_sign_up_again_is_dated_anew_and_a_cancellation_keeps_its_date(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    activity, volunteer = world.future_activity, world.volunteers[0]
    assert await signups.lock(db, activity_id=activity, volunteer_id=volunteer) is None
    first = await signups.update_status(db, activity_id=activity, volunteer_id=volunteer,
                                                  status="signed_up")
    assert await signups.lock(db, activity_id=activity, volunteer_id=volunteer) == first
    await aconn.execute("UPDATE activity_signup SET signed_up_at = signed_up_at - interval '1 day'"
                        " WHERE activity_id = %s AND volunteer_id = %s", (activity, volunteer))
    ((earlier,),) = await _rows(aconn, "SELECT signed_up_at FROM activity_signup "
                                       "WHERE activity_id = %s", (activity,))
    cancelled = await signups.update_status(db, activity_id=activity,
                                                      volunteer_id=volunteer, status="cancelled")
    assert (cancelled["status"], cancelled["signed_up_at"]) == ("cancelled", earlier)
    again = await signups.update_status(db, activity_id=activity, volunteer_id=volunteer,
                                                  status="signed_up")
    ((now,),) = await _rows(aconn, "SELECT now()")
    assert (again["status"], again["signed_up_at"]) == ("signed_up", now)
    assert await signups.update_signed_up(db, activity_id=activity, delta=2) == 2
    assert await signups.update_signed_up(db, activity_id=activity, delta=-1) == 1


async def test_an_activity_source_is_served_on_its_first_day_in_china(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    # 23:30 UTC is already the next day in China.
    await aconn.execute("UPDATE activity SET time_window = tstzrange('2026-03-01 23:30+00', "
                        "'2026-03-02 01:00+00') WHERE id = %s", (world.past_activity,))
    row = await activities.get_source(db, activity_id=world.past_activity)
    assert row is not None and row == await activities.lock_source(
        db, activity_id=world.past_activity)
    assert row["day"] == date(2026, 3, 2) == row["starts_at"].astimezone(
        ZoneInfo("Asia/Shanghai")).date()
    assert (row["window_hours"], row["org_path"]) == (Decimal("1.5"), world.org_path)
    assert await activities.get_source(db, activity_id=-1) is None


async def test_stars_at_a_date_count_confirmed_hours_served_by_then(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    await aconn.execute("INSERT INTO star_threshold (scope, stars, hours) VALUES ('41', 1, 1), "
                        "('41', 2, 3)")
    assert [(r["scope"], r["stars"]) for r in await records.list_thresholds(
        db, region_code=REGION)] == [("41", 1), ("41", 2)]
    assert {r["scope"] for r in await records.list_thresholds(db, region_code=None)} == {""}
    mine, other = world.volunteers[0], world.volunteers[1]
    day = date(2026, 1, 10)
    await record_service(db, volunteer_id=mine, source=Source(activity_id=world.past_activity),
                         hours=Decimal(2), verified_by="t", served_on=day)
    await record_service(db, volunteer_id=mine, source=Source(demand_id=world.demand),
                         hours=Decimal(2), verified_by="t", served_on=day + timedelta(days=5))
    await record_service(db, volunteer_id=other, source=Source(demand_id=world.demand),
                         hours=Decimal(2), verified_by="t", served_on=day, pending=True)
    assert await records.get_stars_at(db, volunteer_id=mine, last=day - timedelta(days=1)) == 0
    assert await records.get_stars_at(db, volunteer_id=mine, last=day) == 1
    assert await records.get_stars_at(db, volunteer_id=mine, last=day + timedelta(days=5)) == 2
    assert await records.get_stars_at(db, volunteer_id=other, last=day) == 0  # pending
    assert await records.get_stars_at(db, volunteer_id=-1, last=day) == 0
    period = await records.list_net_in_period(db, volunteer_id=mine, first=day,
                                              last=day + timedelta(days=4))
    assert [(r["served_on"], r["hours"], r["organization"]) for r in period] == [
        (day, Decimal("2.00"), "记录测试科技志愿服务队")]
    assert await records.list_net_in_period(db, volunteer_id=other, first=day, last=day) == []


async def test_served_demands_and_the_review_given_once(db: ConnectionDatabase, world: World):
    mine, other = world.volunteers[0], world.volunteers[1]
    assert not await records.get_served(db, demand_id=world.demand)
    await record_service(db, volunteer_id=mine, source=Source(demand_id=world.demand),
                         hours=Decimal(1), verified_by="t")
    assert await records.get_served(db, demand_id=world.demand)
    assert await records.get_served(db, demand_id=world.demand, volunteer_id=mine)
    assert not await records.get_served(db, demand_id=world.demand, volunteer_id=other)
    given = {"demand_id": world.demand, "direction": "requester_to_service", "volunteer_id": None,
             "station_id": world.station, "rating": 4, "comment": "好", "reviewed_by": "r"}
    row = await reviews.create(db, **given)
    assert row is not None and {k: row[k] for k in given} == given
    assert await reviews.create(db, **{**given, "rating": 1}) is None
    (rating,) = await reviews.list_volunteer_ratings(db, volunteer_ids=[mine, other])
    assert (rating["id"], rating["n"], rating["average"]) == (mine, 1, Decimal(4))


async def test_pending_records_fall_due_oldest_first(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    made = []
    for volunteer, age in zip(world.volunteers, ("2 hours", "3 hours", "10 seconds"),
                              strict=True):
        row = await record_service(db, volunteer_id=volunteer,
                                   source=Source(activity_id=world.past_activity),
                                   hours=Decimal(1), verified_by="t", pending=True)
        await aconn.execute("UPDATE service_record_pending SET since = now() - %s::interval "
                            "WHERE record_id = %s", (age, row["id"]))
        made.append(row["id"])
    assert await records.list_pending_due(db, default_s=3600, limit=10) == [made[1], made[0]]
    assert await records.list_pending_due(db, default_s=1.5, limit=2) == [made[1], made[0]]
    assert await records.list_pending_due(db, default_s=0, limit=10) == [
        made[1], made[0], made[2]]


async def test_a_transaction_is_appended_with_its_nonzero_entries(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    mine = await ledger.get_account(db, unit="points", volunteer_id=world.volunteers[0])
    issuance = await ledger.get_account(db, unit="points", system_code="issuance")
    assert mine == await ledger.get_account(db, unit="points", volunteer_id=world.volunteers[0])
    record = await record_service(db, volunteer_id=world.volunteers[0], pending=True,
                                  source=Source(activity_id=world.past_activity),
                                  hours=Decimal(1), verified_by="t")
    made = await ledger.create_transaction(db, kind="service_reward",
                                           service_record_id=record["id"], memo="测试",
                                           created_by="t",
                                           entries=[(mine, 7), (issuance, -7), (mine, 0)])
    await ledger.check_balanced(db)
    assert await _rows(aconn, "SELECT kind, service_record_id, memo, created_by FROM "
                              "ledger_transaction WHERE id = %s", (made,)) == [
        ("service_reward", record["id"], "测试", "t")]
    assert sorted(await _rows(aconn, "SELECT account_id, amount FROM ledger_entry "
                                     "WHERE transaction_id = %s", (made,))) == sorted(
        [(mine, 7), (issuance, -7)])
    entries = await ledger.list_entries(db, volunteer_id=world.volunteers[0], unit="points",
                                        limit=5)
    assert [(e["amount"], e["kind"]) for e in entries] == [(7, "service_reward")]
