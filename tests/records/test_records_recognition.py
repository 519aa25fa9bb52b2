"""星级 from verified hours, with thresholds kept as data: national defaults and province
overrides."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg
import pytest

from hub.schema.node import encode_id
from hub.services.records import Source, correct_record, record_service
from hub.store import records
from hub.store.base import ConnectionDatabase
from tests.records.records_world import World
from tests.seeded import PARTNER, Gql

HENAN, GANSU = "410303000000", "620102000000"


async def _level(aconn: psycopg.AsyncConnection[Any], region: str, hours: str) -> int:
    cur = await aconn.execute("SELECT hub_star_level(%s, %s)", (region, Decimal(hours)))
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.parametrize(("hours", "stars"), [
    ("0", 0), ("99.99", 0), ("100", 1), ("299.99", 1), ("300", 2), ("600", 3), ("1000", 4),
    ("1499.99", 4), ("1500", 5), ("100000", 5)])
async def test_national_thresholds(aconn: psycopg.AsyncConnection[Any], hours: str,
                                   stars: int):
    assert await _level(aconn, HENAN, hours) == stars


async def test_a_province_may_override_the_thresholds(aconn: psycopg.AsyncConnection[Any],
                                                      gql: Gql):
    await aconn.execute("INSERT INTO star_threshold (scope, stars, hours) VALUES ('41', 1, 50), "
                        "('41', 2, 150), ('41', 3, 300), ('41', 4, 500), ('41', 5, 800)")
    assert await _level(aconn, HENAN, "150") == 2
    assert await _level(aconn, GANSU, "150") == 1
    data = await gql.data("""{ henan: starThresholds(regionCode: "410303") { stars hours scope }
                               national: starThresholds { hours scope } }""")
    assert [t["hours"] for t in data["henan"]] == ["50.00", "150.00", "300.00", "500.00",
                                                    "800.00"]
    assert {t["scope"] for t in data["henan"]} == {"41"}
    assert [t["hours"] for t in data["national"]] == ["100.00", "300.00", "600.00", "1000.00",
                                                       "1500.00"]


async def test_stars_follow_net_verified_hours(db: ConnectionDatabase, gql: Gql, world: World):
    volunteer = world.volunteers[0]
    # Net hours never exceed what the source lasts: a 100-hour activity and a 50-hour demand.
    await db.fetch("UPDATE activity SET time_window = tstzrange(lower(time_window), "
                   "lower(time_window) + interval '100 hours') WHERE id = %s",
                   (world.past_activity,))
    await db.fetch("UPDATE demand SET time_window = tstzrange(lower(time_window), "
                   "lower(time_window) + interval '50 hours') WHERE id = %s", (world.demand,))
    first = await record_service(db, volunteer_id=volunteer,
                                 source=Source(activity_id=world.past_activity),
                                 hours=Decimal(60), verified_by="t")
    await record_service(db, volunteer_id=volunteer, source=Source(demand_id=world.demand),
                         hours=Decimal(45), verified_by="t")
    (row,) = await records.list_recognition(db, volunteer_ids=[volunteer])
    assert (row["total_hours"], row["stars"]) == (Decimal("105.00"), 1)
    await correct_record(db, record_id=first["id"], hours=Decimal(50), reason="核减重复时长",
                         corrected_by="t")
    query = "query($v: ID!) { node(id: $v) { ... on Volunteer { totalHours stars } } }"
    data = await gql.data(query, {"v": encode_id("Volunteer", volunteer)}, caller=PARTNER)
    assert data["node"] == {"totalHours": "95.00", "stars": 0}
