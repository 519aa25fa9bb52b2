"""Divisions loaded into the database: parents right, also where the code rule breaks."""

from __future__ import annotations

import psycopg
import pytest


def _parent(conn: psycopg.Connection, name: str, code_prefix: str) -> tuple[str, str]:
    row = conn.execute(
        "SELECT p.code, p.name FROM region r JOIN region p ON p.code = r.parent_code "
        "WHERE r.name = %s AND r.code LIKE %s",
        (name, code_prefix + "%"),
    ).fetchone()
    assert row is not None, f"{name} not found"
    return row[0], row[1]


@pytest.mark.parametrize(
    ("name", "prefix", "parent"),
    [
        ("东城区", "11", "北京市"),
        ("浦东新区", "31", "上海市"),
        ("和平区", "12", "天津市"),
        ("忠县", "50", "重庆市"),
        ("济源市", "41", "河南省"),
        ("郑州市", "41", "河南省"),
        ("中原区", "41", "郑州市"),
        ("临夏市", "62", "临夏回族自治州"),
    ],
)
def test_division_parents(conn: psycopg.Connection, name: str, prefix: str, parent: str):
    assert _parent(conn, name, prefix)[1] == parent


def test_every_parent_exists_and_levels_descend(conn: psycopg.Connection):
    orphans = conn.execute(
        "SELECT count(*) FROM region r WHERE r.parent_code IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM region p WHERE p.code = r.parent_code)"
    ).fetchone()
    assert orphans == (0,)
    rank = "array_position(ARRAY['province','city','county','township','village'], {}.level)"
    bad = conn.execute(
        f"SELECT count(*) FROM region r JOIN region p ON p.code = r.parent_code "
        f"WHERE {rank.format('r')} <= {rank.format('p')}"
    ).fetchone()
    assert bad == (0,)


def test_points_are_stored_in_wgs84(conn: psycopg.Connection):
    # Amap (GCJ-02) gives 郑州市 at 113.625368, 34.746599; WGS-84 lies a few hundred metres off.
    row = conn.execute(
        "SELECT ST_Distance(centroid, 'SRID=4326;POINT(113.625368 34.746599)'::geography) "
        "FROM region WHERE code = '410100000000'"
    ).fetchone()
    assert row is not None and 200 < row[0] < 800


def test_a_region_setting_is_inherited_from_the_nearest_ancestor_that_sets_it(
        conn: psycopg.Connection):
    """hub_region_setting: the county's own value, else its city's, else its province's."""
    county, city, province = "410102000000", "410100000000", "410000000000"

    def setting(code: str, name: str) -> str | None:
        return conn.execute("SELECT hub_region_setting(%s, %s)", (code, name)).fetchone()[0]

    assert setting(county, "record_auto_confirm_hours") is None
    conn.execute("INSERT INTO region_setting (region_code, record_auto_confirm_hours, "
                 "claims_need_approval) VALUES (%s, 72, true)", (province,))
    conn.execute("INSERT INTO region_setting (region_code, claims_need_approval) "
                 "VALUES (%s, false)", (city,))
    assert setting(county, "record_auto_confirm_hours") == "72"  # the province's
    assert setting(county, "claims_need_approval") == "false"  # the city's, nearer
    assert setting("420000000000", "claims_need_approval") is None
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        setting(county, "region_code")
