"""The database itself keeps service records (and ledgers, reviews, certificates) append-only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg
import pytest

from hub.services.records import Source, record_service
from hub.store.base import ConnectionDatabase
from tests.records.records_world import World


async def _record(db: ConnectionDatabase, world: World, hours: str = "3") -> int:
    row = await record_service(db, volunteer_id=world.volunteers[0],
                               source=Source(activity_id=world.past_activity),
                               hours=Decimal(hours), verified_by="tester")
    return int(row["id"])


async def _refused(conn: psycopg.AsyncConnection[Any], sql: str, constraint: str) -> None:
    with pytest.raises(psycopg.Error) as caught:
        async with conn.transaction():
            await conn.execute(sql)
    assert caught.value.diag.constraint_name == constraint, caught.value


@pytest.mark.parametrize("sql", [
    "UPDATE service_record SET hours = 99",
    "UPDATE service_record SET title = 'x' WHERE false",  # refused even when no row matches
    "DELETE FROM service_record",
    "TRUNCATE service_record CASCADE",
])
async def test_service_records_refuse_update_delete_and_truncate(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World, sql: str):
    await _record(db, world)
    await aconn.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no pending check
    await _refused(aconn, sql, "service_record_append_only")


@pytest.mark.parametrize(("sql", "constraint"), [
    ("UPDATE ledger_entry SET amount = amount * 2", "ledger_entry_append_only"),
    ("DELETE FROM ledger_transaction", "ledger_transaction_append_only"),
    ("UPDATE review SET rating = 5", "review_append_only"),
    ("DELETE FROM certificate", "certificate_append_only"),
])
async def test_ledgers_reviews_and_certificates_are_append_only_too(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World, sql: str,
        constraint: str):
    await _record(db, world)
    await _refused(aconn, sql, constraint)


async def test_a_correction_is_a_new_row_that_keeps_the_original(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    original = await _record(db, world, "3")
    await aconn.execute(
        "INSERT INTO service_record (volunteer_id, activity_id, region_code, title, served_on, "
        "hours, corrects_id, reason, recorded_by) SELECT volunteer_id, activity_id, "
        "region_code, title, served_on, -1, id, '多记了一小时', 'auditor' FROM service_record "
        "WHERE id = %s", (original,))
    cur = await aconn.execute("SELECT hours, corrects_id FROM service_record WHERE volunteer_id "
                              "= %s ORDER BY id", (world.volunteers[0],))
    assert await cur.fetchall() == [(Decimal("3.00"), None), (Decimal("-1.00"), original)]


async def test_corrections_never_take_hours_below_zero(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    original = await _record(db, world, "3")
    await _refused(aconn, (
        "INSERT INTO service_record (volunteer_id, activity_id, region_code, title, served_on, "
        "hours, corrects_id, reason, recorded_by) SELECT volunteer_id, activity_id, "
        "region_code, title, served_on, -3.5, id, '更正原因', 'x' FROM service_record "
        f"WHERE id = {original}"), "service_record_net_hours")


async def test_a_correction_must_copy_the_original_and_not_correct_a_correction(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    original = await _record(db, world, "3")
    insert = ("INSERT INTO service_record (volunteer_id, activity_id, region_code, title, "
              "served_on, hours, corrects_id, reason, recorded_by) SELECT {volunteer}, "
              "activity_id, region_code, title, served_on, -1, id, '更正原因', 'x' "
              "FROM service_record WHERE id = {target} RETURNING id")
    await _refused(aconn, insert.format(volunteer=world.volunteers[1], target=original),
                   "service_record_correction_copies")
    cur = await aconn.execute(insert.format(volunteer="volunteer_id", target=original))
    row = await cur.fetchone()
    assert row is not None
    await _refused(aconn, insert.format(volunteer="volunteer_id", target=row[0]),
                   "service_record_corrects_original")


async def test_an_original_record_needs_positive_hours_and_one_source(
        aconn: psycopg.AsyncConnection[Any], world: World):
    base = ("INSERT INTO service_record (volunteer_id, demand_id, activity_id, region_code, "
            "title, served_on, hours, recorded_by) VALUES ({v}, {d}, {a}, '410303000000', "
            "'t', current_date, {h}, 'x')")
    for sql in (base.format(v=world.volunteers[0], d="NULL", a=world.past_activity, h=-2),
                base.format(v=world.volunteers[0], d=world.demand, a=world.past_activity, h=2)):
        with pytest.raises(psycopg.errors.CheckViolation):
            async with aconn.transaction():
                await aconn.execute(sql)
