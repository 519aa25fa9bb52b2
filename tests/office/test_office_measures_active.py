"""Volunteers who served (ACTIVE_VOLUNTEERS) from sql/0040's summaries, hand-counted: a
volunteer who moved between two counties in a year (a row in each: counted once in the city,
once in each county), one who served in two calendar years (a period over both counts them
once), one whose record was corrected to nothing (not counted), month by month and over
periods inside one year and across two."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg

from hub.auth import Caller, Role
from hub.office.measures import Measure
from hub.services import office_measures
from hub.store.base import ConnectionDatabase
from tests.office.scorecard_world import CITY, COUNTY, OTHER_COUNTY, one

ADMIN = Caller(Role.ADMIN, "admin-1")
A = Measure.ACTIVE_VOLUNTEERS


async def _served(conn: psycopg.AsyncConnection[Any], volunteer: int, corps: int,
                  day: date, hours: float, corrected: float | None = None) -> None:
    """A confirmed record of its own activity (one record per activity and volunteer)."""
    activity = await one(conn, "INSERT INTO activity (title, organization_id, category, "
                               "time_window, location_geom, region_code, capacity) VALUES ('活动',"
                               " %s, 'health', tstzrange(%s::date, %s::date + 1), ST_SetSRID("
                               "ST_MakePoint(112.4, 34.6), 4326), %s, 50) RETURNING id",
                         (corps, day, day, COUNTY))
    record = await one(conn, "INSERT INTO service_record (volunteer_id, activity_id, "
                             "region_code, title, served_on, hours, recorded_by) VALUES (%s, %s, "
                             "%s, '服务', %s, %s, 't') RETURNING id",
                       (volunteer, activity, COUNTY, day, hours))
    await conn.execute("INSERT INTO service_record_confirmation (record_id, confirmed_by) "
                       "VALUES (%s, 't')", (record,))
    if corrected is not None:
        await conn.execute("INSERT INTO service_record (volunteer_id, activity_id, region_code, "
                           "title, served_on, hours, recorded_by, corrects_id, reason) VALUES "
                           "(%s, %s, %s, '服务', %s, %s, 't', %s, '更正')",
                           (volunteer, activity, COUNTY, day, corrected, record))


async def test_movers_and_years_are_counted_once(sconn: psycopg.AsyncConnection[Any]) -> None:
    corps = await one(sconn, "INSERT INTO organization (name, level, region_code, kind) VALUES "
                             "('总队', 'corps', %s, 'association') RETURNING id", (COUNTY,))

    async def volunteer(region: str) -> int:
        return int(await one(sconn, "INSERT INTO volunteer (real_name, region_code) VALUES "
                                    "('测试', %s) RETURNING id", (region,)))

    mover, steady, nothing = (await volunteer(COUNTY), await volunteer(COUNTY),
                              await volunteer(OTHER_COUNTY))
    await _served(sconn, mover, corps, date(2019, 1, 5), 2)
    await _served(sconn, mover, corps, date(2019, 1, 20), 3)  # the same month: one row
    await sconn.execute("UPDATE volunteer SET region_code = %s WHERE id = %s",
                        (OTHER_COUNTY, mover))
    await _served(sconn, mover, corps, date(2019, 2, 3), 1)
    await _served(sconn, steady, corps, date(2018, 12, 9), 4)
    await _served(sconn, steady, corps, date(2019, 2, 9), 4)
    await _served(sconn, nothing, corps, date(2019, 3, 9), 4, corrected=-4)
    db = ConnectionDatabase(sconn)

    async def measure(starts: date, ends: date) -> tuple[float | None, dict[str, float | None]]:
        got = await office_measures.region_measure(db, ADMIN, region_code=CITY, measure=A,
                                                   starts=starts, ends=ends)
        return got.total, {c.region["code"]: c.value for c in got.children
                           if c.region["code"] in (COUNTY, OTHER_COUNTY)}

    year = {COUNTY: 2.0, OTHER_COUNTY: 1.0}  # the mover in both counties, steady in the first
    assert await measure(date(2019, 1, 1), date(2019, 4, 1)) == (2.0, year)
    assert await measure(date(2018, 12, 1), date(2019, 4, 1)) == (2.0, year)
    assert await measure(date(2018, 12, 1), date(2019, 1, 1)) == (
        1.0, {COUNTY: 1.0, OTHER_COUNTY: 0.0})
    assert await measure(date(2019, 2, 1), date(2019, 3, 1)) == (
        2.0, {COUNTY: 1.0, OTHER_COUNTY: 1.0})
    assert await measure(date(2019, 3, 1), date(2019, 4, 1)) == (
        0.0, {COUNTY: 0.0, OTHER_COUNTY: 0.0})
    series = await office_measures.region_series(db, ADMIN, region_code=CITY, measures=[A],
                                                 starts=date(2018, 12, 15),
                                                 ends=date(2019, 4, 1))
    assert series.series[0][1] == [1.0, 1.0, 2.0, 0.0]
