"""Demo data a 科协 would recognise (issue 13): stations named by kind and place with
addresses, demands at their stations, and a deterministic year of service history."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date

import psycopg

from hub.seed import SeedOptions, seed_connection
from hub.seed.history import STAR_HOURS
from hub.seed.naming import city_short
from hub.settings import Settings

START = date(2026, 11, 23)
# Replace: the test database may hold rows other tests committed.
DEMO = SeedOptions(volunteers=800, stations=400, demands=300, random_seed=5, start_date=START,
                   replace=True, progress=False)
ADDRESS = re.compile(r"^(河南省|甘肃省)\w*?(?:市|州|县|区)\w*(?:路|街|大道)[0-9]{1,3}号$")


def rows(conn: psycopg.Connection, sql: str) -> list[tuple[object, ...]]:
    return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def one(conn: psycopg.Connection, sql: str) -> object:
    return rows(conn, sql)[0][0]


def test_stations_have_addresses_and_names_by_kind_and_place(conn: psycopg.Connection,
                                                           settings: Settings):
    seed_connection(conn, replace(DEMO, history_days=0), settings=settings)
    stations = rows(conn, "SELECT s.name, s.kind, s.address, r.name, c.name FROM station s "
                          "JOIN region r ON r.code = s.region_code "
                          "LEFT JOIN region c ON c.code = r.parent_code")
    assert len(stations) == 400
    names = [s[0] for s in stations]
    assert len(set(names)) == len(names)
    bad = [n for n in names if re.search(r"第\d+|\d+号|（\d+）", str(n))]
    assert bad == []
    suffix = {"civilization_center": "新时代文明实践中心",
              "civilization_institute": "新时代文明实践所",
              "civilization_station": "村新时代文明实践站", "party_service_center": "党群服务中心",
              "community_facility": "社区科普活动室", "science_museum": "科技馆",
              "museum": "博物馆", "memorial_hall": "革命纪念馆", "park": "科普主题公园",
              "science_base": "科普教育基地"}
    for name, kind, address, county, city in stations:
        assert str(name).endswith(suffix[str(kind)]), name
        place = str(name).removesuffix(suffix[str(kind)])
        assert place.startswith(str(county)) or (
            kind in ("science_museum", "museum") and city and place == city_short(str(city)))
        assert ADDRESS.match(str(address)), address
        assert str(county) in str(address)
    kinds = {s[1] for s in stations}
    assert {"civilization_center", "civilization_station", "science_museum"} <= kinds
    assert "金水区新时代文明实践中心" in names


def test_demands_lie_at_their_stations(conn: psycopg.Connection, settings: Settings):
    seed_connection(conn, DEMO, settings=settings)
    far = rows(conn, "SELECT count(*) FILTER (WHERE ST_Distance(d.location, s.location) > 500),"
                     " max(ST_Distance(d.location, s.location)), count(*) FROM demand d "
                     "JOIN station s ON s.id = d.station_id")
    (beyond_500, furthest, count), = far
    assert count and beyond_500 == 0 and float(str(furthest)) <= 300
    # Open demands lie ahead; the history's demands in the year before, done or reviewed.
    assert one(conn, "SELECT bool_and(lower(time_window) > '2026-11-23') FROM demand "
                     "WHERE status = 'open'") is True
    assert rows(conn, "SELECT DISTINCT status FROM demand WHERE upper(time_window) <= "
                      "'2026-11-23' ORDER BY 1") == [("done",), ("reviewed",)]
    assert one(conn, "SELECT min(lower(time_window))::date >= '2025-11-23' FROM demand") is True


def test_a_year_of_history_gives_every_star_level(conn: psycopg.Connection, settings: Settings):
    counts = seed_connection(conn, DEMO, settings=settings)
    assert int(counts["service_records"]) > 500 and int(counts["reviews"]) > 100
    levels = dict(rows(conn, """
        SELECT stars, count(*) FROM (SELECT hub_star_level(v.region_code, sum(r.hours)) stars
          FROM volunteer v JOIN service_record r ON r.volunteer_id = v.id
          JOIN service_record_confirmation k ON k.record_id = r.id GROUP BY v.id) x
         GROUP BY 1"""))
    assert set(levels) >= {1, 2, 3, 4, 5}
    # Served within the year, never more hours than the source lasts, rewards as posted by
    # the records service, all confirmed (the queue of pending records is the workflow's).
    assert one(conn, "SELECT bool_and(served_on >= '2025-11-23' AND served_on < '2026-11-23')"
                     " FROM service_record") is True
    assert one(conn, "SELECT count(*) FROM service_record r WHERE r.hours > "
                     "hub_record_bound(r.demand_id, r.activity_id)") == 0
    assert one(conn, "SELECT count(*) FROM service_record r WHERE NOT EXISTS (SELECT 1 FROM "
                     "service_record_confirmation k WHERE k.record_id = r.id)") == 0
    assert one(conn, "SELECT count(*) FROM service_record_pending") == 0
    mismatched = one(conn, """
        SELECT count(*) FROM (SELECT r.volunteer_id, sum(r.hours) * 10 AS points
          FROM service_record r JOIN service_record_confirmation k ON k.record_id = r.id
         GROUP BY 1) h JOIN ledger_account a ON a.volunteer_id = h.volunteer_id
           AND a.unit = 'points'
         WHERE h.points <> (SELECT sum(amount) FROM ledger_entry e WHERE e.account_id = a.id)""")
    assert mismatched == 0
    assert STAR_HOURS == (100, 300, 600, 1000, 1500)


def _history_digest(conn: psycopg.Connection) -> str:
    first = rows(conn, "SELECT (SELECT min(id) FROM volunteer), (SELECT min(id) FROM demand), "
                       "(SELECT min(id) FROM station)")[0]
    v, d, s = (int(str(x)) for x in first)
    parts = [
        rows(conn, f"SELECT volunteer_id - {v}, demand_id - {d}, title, served_on, hours "
                   "FROM service_record ORDER BY id"),
        rows(conn, f"SELECT demand_id - {d}, direction, volunteer_id - {v}, station_id - {s}, "
                   "rating, comment FROM review ORDER BY id"),
        rows(conn, "SELECT name, address FROM station ORDER BY id"),
        rows(conn, "SELECT a.unit, sum(e.amount) FROM ledger_entry e JOIN ledger_account a "
                   "ON a.id = e.account_id WHERE a.volunteer_id IS NOT NULL GROUP BY 1 "
                   "ORDER BY 1"),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def test_the_history_is_deterministic_and_replaced(conn: psycopg.Connection,
                                                  settings: Settings):
    small = replace(DEMO, volunteers=400, stations=300, demands=50)
    seed_connection(conn, small, settings=settings)
    digest = _history_digest(conn)
    seed_connection(conn, small, settings=settings)
    assert _history_digest(conn) == digest
    seed_connection(conn, replace(small, random_seed=6), settings=settings)
    assert _history_digest(conn) != digest


def test_the_demo_has_pending_items_for_the_console(conn: psycopg.Connection,
                                                   settings: Settings):
    """`hub demo` and `hub seed` (review_queue) leave work waiting in 郑州市 (410100, the demo
    dispatcher's region); the benchmarks' seeds (the option left out) leave none."""
    seed_connection(conn, replace(DEMO, history_days=0), settings=settings)
    assert one(conn, "SELECT count(*) FROM demand WHERE status = 'pending_review'") == 0
    assert one(conn, "SELECT count(*) FROM publication_review") == 0
    counts = seed_connection(conn, replace(DEMO, history_days=0, review_queue=True),
                             settings=settings)
    assert counts["pending_demands"] == 5
    # Residents' demands waiting for review at 郑州 stations, with the contact they gave; the
    # residents and a station's staff can sign in by phone code.
    waiting = rows(conn, "SELECT d.title, d.raised_by, d.contact_name, d.contact_phone_masked, "
                         "a.kind FROM demand d JOIN account a ON d.raised_by = 'resident:' || "
                         "encode(convert_to('Account:' || a.id, 'UTF8'), 'base64') "
                         "WHERE d.status = 'pending_review' AND d.region_code LIKE '4101%' "
                         "AND d.raised_by_kind = 'community' AND d.station_id IS NOT NULL")
    assert len(waiting) == 5 and {w[4] for w in waiting} == {"resident"}
    assert all(re.search("[\u4e00-\u9fff]{6}", str(w[0])) and w[2] and
               re.fullmatch(r"139\*{4}\d{4}", str(w[3])) for w in waiting)
    assert one(conn, "SELECT count(*) FROM account a JOIN station s ON s.id = a.station_id "
                     "WHERE a.kind = 'station_staff' AND s.region_code LIKE '4101%'") == 1
    # A draft station, and a station, an activity and a project submitted for review.
    assert rows(conn, "SELECT status, count(*) FROM station WHERE status <> 'active' "
                      "AND region_code LIKE '4101%' GROUP BY 1 ORDER BY 1") == [
        ("draft", 1), ("pending_review", 1)]
    for table, kind in (("station", "station"), ("activity", "activity"),
                        ("project", "project")):
        assert one(conn, f"SELECT count(*) FROM {table} t JOIN publication_review r ON "
                         f"r.subject_kind = '{kind}' AND r.subject_id = t.id AND "
                         "r.decision = 'submit' WHERE t.status = 'pending_review'") == 1
    names = rows(conn, "SELECT name, address FROM station WHERE status <> 'active'")
    assert all(str(n).endswith("社区科普活动室") and ADDRESS.match(str(a)) for n, a in names)
    # A county where claims need approval, and a claim waiting there.
    [(county, setting)] = rows(conn, "SELECT region_code, hub_region_setting(region_code, "
                                     "'claims_need_approval') FROM region_setting")
    assert str(county).startswith("4101") and setting == "true"
    assert one(conn, "SELECT count(*) FROM dispatch x JOIN demand d ON d.id = x.demand_id "
                     "WHERE x.status = 'claim_pending' AND x.claimed AND x.active AND "
                     f"d.region_code LIKE '{str(county)[:6]}%'") == 1
    # A full activity with a waitlist in order, its counter the places taken.
    [(capacity, signed_up, places, waiting_nos)] = rows(conn, """
        SELECT a.capacity, a.signed_up, count(*) FILTER (WHERE s.status = 'signed_up'),
               array_agg(s.waitlist_no ORDER BY s.waitlist_no) FILTER (WHERE s.status =
               'waitlisted') FROM activity a JOIN activity_signup s ON s.activity_id = a.id
         WHERE a.status = 'published' GROUP BY a.id HAVING count(*) FILTER (WHERE s.status =
               'waitlisted') > 0""")
    assert capacity == signed_up == places == 12
    assert waiting_nos == sorted(waiting_nos) and len(waiting_nos) == 4  # type: ignore[arg-type]
    # Service records waiting for confirmation: volunteers' own check-outs, hours in bounds.
    assert one(conn, "SELECT count(*) FROM service_record_pending p JOIN service_record r ON "
                     "r.id = p.record_id WHERE r.region_code LIKE '4101%' AND r.hours <= "
                     "hub_record_bound(r.demand_id, r.activity_id)") == 4
