"""The demo's year of service history (hub.seed.history) as the services read it: every star
level, ledgers equal to the confirmed hours, ratings, and a certificate of real records."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hub.auth.tokens import SYSTEM
from hub.seed.history import STAR_HOURS
from hub.services import certificates
from hub.services.records import MINUTES_PER_HOUR, POINTS_PER_HOUR
from hub.settings import Settings
from hub.store import ledger, records, reviews
from hub.store.base import ConnectionDatabase
from tests.seeded import SEED


async def _served(db: ConnectionDatabase) -> list[int]:
    rows = await db.fetch("SELECT DISTINCT volunteer_id FROM service_record ORDER BY 1")
    return [r["volunteer_id"] for r in rows]


async def test_every_star_level_has_volunteers_and_ledgers_match_the_hours(
        db: ConnectionDatabase):
    served = await _served(db)
    recognition = await records.list_recognition(db, volunteer_ids=served)
    levels = {r["stars"] for r in recognition}
    assert levels >= {1, 2, 3, 4, 5}
    for r in recognition:
        assert r["stars"] == sum(r["total_hours"] >= h for h in STAR_HOURS)
        assert r["points"] == r["total_hours"] * POINTS_PER_HOUR
        assert r["minutes"] == r["total_hours"] * MINUTES_PER_HOUR
    assert sum(r["total_hours"] > 0 for r in recognition) > SEED.volunteers // 10
    totals = {r["unit"]: r["total"] for r in await ledger.list_totals(db)}
    assert totals == {"points": 0, "minutes": 0}  # every reward came from issuance


async def test_volunteers_and_stations_have_ratings(db: ConnectionDatabase):
    served = await _served(db)
    ratings = await reviews.list_volunteer_ratings(db, volunteer_ids=served)
    assert len(ratings) > len(served) // 2
    assert all(1 <= r["average"] <= 5 and r["n"] >= 1 for r in ratings)
    stations = [r["station_id"] for r in await db.fetch(
        "SELECT DISTINCT station_id FROM review WHERE station_id IS NOT NULL LIMIT 50")]
    both = await reviews.list_station_ratings(db, station_ids=stations)
    assert {r["direction"] for r in both} == {"requester_to_service", "volunteer_to_organiser"}


async def test_a_five_star_volunteer_gets_a_certificate_of_a_year(db: ConnectionDatabase,
                                                                  settings: Settings):
    recognition = await records.list_recognition(db, volunteer_ids=await _served(db))
    star = max(recognition, key=lambda r: r["total_hours"])
    assert star["stars"] == 5
    last = SEED.start_date - timedelta(days=1)
    row = await certificates.issue(db, settings, SYSTEM, volunteer_id=star["id"],
                                   first=last - timedelta(days=400), last=last)
    data = (await certificates.lookup(db, settings, code=row["code"])).result.data
    assert data is not None and data["stars"] == 5
    assert Decimal(data["total_hours"]) == star["total_hours"] >= STAR_HOURS[-1]
    assert len(data["records"]) >= 30 and all(r["organization"] for r in data["records"])
