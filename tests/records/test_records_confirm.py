"""Records that are true (issue 11): a volunteer's own record is pending until the organiser or a
dispatcher confirms it (or the sweep does after the configured period), only confirmed hours
count, hours never exceed what the source lasts, and a refusal by a database rule comes back as
a coded error."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.auth.tokens import SYSTEM
from hub.schema.node import encode_id
from hub.services import certificates
from hub.services.certificates import CST
from hub.services.records import (
    RecordsError,
    Source,
    confirm_due,
    correct_record,
    record_service,
    redeem,
)
from hub.settings import Settings
from hub.store import ledger, records
from hub.store.base import ConnectionDatabase
from tests.records.records_world import World
from tests.seeded import Gql, errors_of

CONFIRM = """mutation($r: ID!) { confirmServiceRecord(input: {recordId: $r}) {
  record { netHours confirmed confirmedBy } errors { field code message } } }"""
CORRECT = """mutation($r: ID!, $h: Decimal!) { correctServiceRecord(input: {recordId: $r,
  hours: $h, reason: "核对签到记录"}) { record { netHours } errors { field code message } } }"""
MINE = """query($v: ID!) { node(id: $v) { ... on Volunteer { totalHours pointsBalance
  timeBankBalance serviceRecords { hours netHours confirmed } } } }"""


async def _pending(db: ConnectionDatabase, world: World, hours: str = "2") -> int:
    """A volunteer's own record of service on the world's 2-hour demand, pending."""
    row = await record_service(db, volunteer_id=world.volunteers[0],
                               source=Source(demand_id=world.demand), hours=Decimal(hours),
                               verified_by="volunteer", pending=True)
    assert row["confirmed_at"] is None
    return int(row["id"])


async def test_a_pending_record_counts_only_once_confirmed(
        gql: Gql, db: ConnectionDatabase, settings: Settings, world: World):
    record = await _pending(db, world)
    me, gid = world.volunteer(0), encode_id("ServiceRecord", record)
    mine = {"v": encode_id("Volunteer", world.volunteers[0])}
    assert (await gql.data(MINE, mine, caller=me))["node"] == {
        "totalHours": "0", "pointsBalance": 0, "timeBankBalance": "0.00",
        "serviceRecords": [{"hours": "2.00", "netHours": "2.00", "confirmed": False}]}
    today = datetime.now(CST).date()
    with pytest.raises(RecordsError) as none:
        await certificates.issue(db, settings, SYSTEM, volunteer_id=world.volunteers[0],
                                 first=today - timedelta(days=30), last=today)
    assert none.value.code == "NO_RECORDS"
    # Corrected while pending: nothing moves in the ledgers yet.
    fixed = await gql.data(CORRECT, {"r": gid, "h": "1.5"}, caller=world.org_admin())
    assert fixed["correctServiceRecord"] == {"record": {"netHours": "1.50"}, "errors": []}
    for caller in (me, Caller(role=Role.DISPATCHER, sub="d", region="620000000000")):
        assert errors_of(await gql(CONFIRM, {"r": gid}, caller=caller))[0][0] == "FORBIDDEN"
    done = await gql.data(CONFIRM, {"r": gid}, caller=world.org_admin())
    assert done["confirmServiceRecord"] == {
        "record": {"netHours": "1.50", "confirmed": True, "confirmedBy": "org-admin"},
        "errors": []}
    assert (await gql.data(MINE, mine, caller=me))["node"] == {
        "totalHours": "1.50", "pointsBalance": 15, "timeBankBalance": "1.50",
        "serviceRecords": [{"hours": "-0.50", "netHours": None, "confirmed": True},
                           {"hours": "2.00", "netHours": "1.50", "confirmed": True}]}
    again = await gql.data(CONFIRM, {"r": gid}, caller=Caller(role=Role.ADMIN, sub="a"))
    [error] = again["confirmServiceRecord"]["errors"]
    assert (error["field"], error["code"]) == ("recordId", "ALREADY_CONFIRMED")
    assert "confirmed by org-admin" in error["message"]
    correction = await db.fetch("SELECT id FROM service_record WHERE corrects_id = %s", (record,))
    wrong = await gql.data(CONFIRM, {"r": encode_id("ServiceRecord", correction[0]["id"])},
                           caller=world.org_admin())
    assert [e["code"] for e in wrong["confirmServiceRecord"]["errors"]] == ["NOT_AN_ORIGINAL"]
    missing = await gql.data(CONFIRM, {"r": encode_id("ServiceRecord", 10**9)},
                             caller=world.org_admin())
    assert [e["code"] for e in missing["confirmServiceRecord"]["errors"]] == ["NOT_FOUND"]


async def test_the_sweep_confirms_records_pending_longer_than_the_period(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    record = await _pending(db, world)
    assert await confirm_due(db, after_s=3600) == 0  # recorded just now
    await aconn.execute("UPDATE service_record_pending SET since = since - interval '2 hours' "
                        "WHERE record_id = %s", (record,))
    assert await confirm_due(db, after_s=3600) == 1
    cur = await aconn.execute("SELECT confirmed_by, automatic FROM service_record_confirmation "
                              "WHERE record_id = %s", (record,))
    assert await cur.fetchone() == ("hub", True)
    balances = await ledger.list_balances(db, volunteer_ids=[world.volunteers[0]])
    assert {r["unit"]: int(r["balance"]) for r in balances} == {"points": 20, "minutes": 120}
    assert await confirm_due(db, after_s=0) == 0  # the queue is empty once confirmed


async def test_hours_are_bounded_by_what_the_source_lasts(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    record = await record_service(db, volunteer_id=world.volunteers[0],
                                  source=Source(activity_id=world.past_activity),
                                  hours=Decimal(3), verified_by="organiser")  # 3 h activity
    admin = Caller(role=Role.ADMIN, sub="a")
    for hours in ("168", "3.01"):
        out = await gql.data(CORRECT, {"r": encode_id("ServiceRecord", record["id"]),
                                       "h": hours}, caller=admin)
        [error] = out["correctServiceRecord"]["errors"]
        assert (error["field"], error["code"]) == ("hours", "INVALID_HOURS")
        assert "3.00 h the record's demand window or activity lasts" in error["message"]
    with pytest.raises(RecordsError, match=r"more than the 2\.00 h it lasts"):
        await record_service(db, volunteer_id=world.volunteers[1],
                             source=Source(demand_id=world.demand), hours=Decimal("2.5"),
                             verified_by="organiser")
    # The database holds the bound too, for any writer.
    insert = ("INSERT INTO service_record (volunteer_id, activity_id, region_code, title, "
              "served_on, hours, corrects_id, reason, recorded_by) SELECT volunteer_id, "
              "activity_id, region_code, title, served_on, %s, {corrects}, {reason}, 'x' FROM "
              "service_record WHERE id = %s")
    for hours, corrects, reason in ((Decimal("0.5"), "id", "'多记'"), (Decimal(4), "NULL",
                                                                     "NULL")):
        with pytest.raises(psycopg.errors.CheckViolation) as refused:
            async with aconn.transaction():
                await aconn.execute(insert.format(corrects=corrects, reason=reason),
                                    (hours, record["id"]))
        assert refused.value.diag.constraint_name == "service_record_within_window"
    lowered = await correct_record(db, record_id=record["id"], hours=Decimal(1), reason="早退",
                                   corrected_by="a")
    assert lowered["hours"] == Decimal(-2)


async def test_a_database_refusal_is_a_coded_error(gql: Gql, db: ConnectionDatabase,
                                                   world: World):
    record = await record_service(db, volunteer_id=world.volunteers[0],
                                  source=Source(activity_id=world.past_activity),
                                  hours=Decimal(3), verified_by="organiser")
    await redeem(db, volunteer_id=world.volunteers[0], points=25, minutes=0, memo="兑换",
                 by="shop")
    with pytest.raises(RecordsError) as broke:
        await redeem(db, volunteer_id=world.volunteers[0], points=6, minutes=0, memo="兑换",
                     by="shop")
    assert broke.value.code == "INSUFFICIENT_BALANCE"
    out = await gql.data(CORRECT, {"r": encode_id("ServiceRecord", record["id"]), "h": "0"},
                         caller=world.org_admin())
    assert [e["code"] for e in out["correctServiceRecord"]["errors"]] == ["INSUFFICIENT_BALANCE"]
    assert (await records.get(db, record_id=record["id"]) or {})["net_hours"] == 3
