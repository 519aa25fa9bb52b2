"""The demo seed: deterministic, plausible, and named by the rules."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date

import psycopg

from hub.seed import SeedOptions, seed_connection
from hub.settings import Settings

SMALL = SeedOptions(
    volunteers=600,
    stations=300,
    demands=200,
    random_seed=7,
    start_date=date(2026, 11, 23),
    history_days=0,  # only the open demands ahead; the year behind: test_db_seed_demo.py
    progress=False,
)


def _digest(conn: psycopg.Connection) -> str:
    """A digest of the seeded content (ciphertexts use random nonces, so their hashes stand in)."""
    # Identity values are not rolled back with a transaction: compare ids relative to the first.
    first = conn.execute(
        "SELECT (SELECT min(id) FROM organization), (SELECT min(id) FROM "
        "volunteer), (SELECT min(id) FROM station)"
    ).fetchone()
    assert first is not None
    offsets = {"o": first[0], "v": first[1], "s": first[2]}
    parts = []
    for template in (
        "SELECT real_name, encode(id_number_hash, 'hex'), encode(phone_hash, 'hex'), birth_date,"
        " gender, education, cohorts, skills, ST_AsText(home_geom), region_code,"
        " weekly_availability, insured_until, status FROM volunteer ORDER BY id",
        "SELECT name, level, parent_id - {o}, region_code, kind, captain_id - {v}"
        " FROM organization ORDER BY id",
        "SELECT name, kind, ST_AsText(location_geom), region_code FROM station ORDER BY id",
        "SELECT title, category, required_skills, needed, time_window, ST_AsText(location_geom),"
        " station_id - {s}, priority FROM demand ORDER BY id",
        "SELECT volunteer_id - {v}, organization_id - {o}, role FROM membership ORDER BY 1, 2",
    ):
        sql = template.format(**offsets)
        parts.append(repr(conn.execute(sql).fetchall()))  # type: ignore[arg-type]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def test_the_same_seed_gives_the_same_data(conn: psycopg.Connection, settings: Settings):
    first = seed_connection(conn, SMALL, settings=settings)
    digest = _digest(conn)
    second = seed_connection(conn, replace(SMALL, replace=True), settings=settings)
    assert _digest(conn) == digest
    assert {k: v for k, v in first.items() if k != "seconds"} == {
        k: v for k, v in second.items() if k != "seconds"
    }
    seed_connection(conn, replace(SMALL, replace=True, random_seed=8), settings=settings)
    assert _digest(conn) != digest


def test_seeded_data_is_plausible(conn: psycopg.Connection, settings: Settings):
    counts = seed_connection(conn, SMALL, settings=settings)
    assert counts["volunteers"] == 600 and counts["demands"] == 200
    provinces = dict(
        conn.execute("SELECT left(region_code, 2), count(*) FROM volunteer GROUP BY 1").fetchall()
    )
    assert set(provinces) == {"41", "62"}
    # Every county has a 新时代文明实践中心; all categories appear among the demands.
    missing = conn.execute(
        "SELECT count(*) FROM region r WHERE r.level = 'county' AND r.centroid IS NOT NULL"
        " AND left(r.code, 2) IN ('41', '62') AND NOT EXISTS (SELECT 1 FROM station s"
        " WHERE s.region_code = r.code AND s.kind = 'civilization_center')"
    ).fetchone()
    assert missing == (0,)
    categories = conn.execute("SELECT count(DISTINCT category) FROM demand").fetchone()
    assert categories == (8,)
    future = conn.execute("SELECT bool_and(lower(time_window) > '2026-11-23') FROM demand")
    assert future.fetchone() == (True,)
    names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM organization WHERE level = 'corps' ORDER BY name"
        ).fetchall()
    ]
    assert names == ["河南省科技志愿服务总队", "甘肃省科技志愿服务总队"]
    team = conn.execute(
        "SELECT count(*) FROM organization WHERE level = 'team' AND name = '郑州市科技志愿服务队'"
    ).fetchone()
    assert team == (1,)
    # No clear ID number or phone anywhere: the stored bytes are ciphertext.
    clear = conn.execute(
        "SELECT count(*) FROM volunteer WHERE id_number_enc::text ~ '^\\\\x3[0-9]{17}'"
    )
    assert clear.fetchone() == (0,)


def test_priority_areas_raise_demand_priority(conn: psycopg.Connection, settings: Settings):
    seed_connection(conn, SMALL, settings=settings)
    rows = dict(
        conn.execute(
            "SELECT r.is_ethnic OR r.is_poor OR r.is_remote OR r.is_border OR r.is_revolutionary,"
            " min(d.priority) FROM demand d JOIN region r ON r.code = d.region_code GROUP BY 1"
        ).fetchall()
    )
    assert rows[True] > rows[False] == 1.0
