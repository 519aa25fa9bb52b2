"""The database itself refuses bad rows, whatever the code above it does."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import errors

ZZ = "410102000000"  # 郑州市中原区


def _expect(conn: psycopg.Connection, error: type[Exception], sql: str, *params: object) -> None:
    with pytest.raises(error), conn.transaction():
        conn.execute(sql, params)


def _org(conn: psycopg.Connection, name: str, level: str, parent: int | None = None) -> int:
    row = conn.execute(
        "INSERT INTO organization (name, level, parent_id, region_code, kind) "
        "VALUES (%s, %s, %s, %s, 'association') RETURNING id",
        (name, level, parent, ZZ),
    ).fetchone()
    assert row is not None
    return int(row[0])


def test_a_latitude_of_91_is_refused(conn: psycopg.Connection):
    for table, column, extra_cols, extra_vals in (
        ("volunteer", "home_geom", "real_name", "'张三'"),
        ("station", "location_geom", "name, kind, region_code", f"'某站点', 'park', '{ZZ}'"),
    ):
        _expect(
            conn,
            psycopg.DatabaseError,
            f"INSERT INTO {table} ({extra_cols}, {column}) VALUES ({extra_vals}, "
            "'SRID=4326;POINT(113.6 91)')",
        )


def test_an_end_before_a_start_is_refused(conn: psycopg.Connection):
    base = (
        "INSERT INTO demand (title, category, needed, time_window, location_geom, region_code, "
        "raised_by) VALUES ('健康讲座', 'health', 1, %s, 'SRID=4326;POINT(113.6 34.7)', %s, 't')"
    )
    _expect(conn, errors.DataException, base, "[2026-12-05 11:00+08,2026-12-05 09:00+08)", ZZ)
    _expect(conn, errors.CheckViolation, base, "[2026-12-05 11:00+08,2026-12-05 11:00+08)", ZZ)
    _expect(conn, errors.CheckViolation, base, "[2026-12-05 11:00+08,)", ZZ)


def test_a_headcount_below_1_is_refused(conn: psycopg.Connection):
    _expect(
        conn,
        errors.CheckViolation,
        "INSERT INTO demand (title, category, needed, time_window, location_geom, region_code, "
        "raised_by) VALUES ('健康讲座', 'health', 0, '[2026-12-05 09:00+08,2026-12-05 11:00+08)',"
        " 'SRID=4326;POINT(113.6 34.7)', %s, 't')",
        ZZ,
    )
    org = _org(conn, "郑州市科技志愿服务队", "team")
    _expect(
        conn,
        errors.CheckViolation,
        "INSERT INTO activity (title, organization_id, category, time_window, location_geom, "
        "region_code, capacity) VALUES ('科普活动', %s, 'health', "
        "'[2026-12-05 09:00+08,2026-12-05 11:00+08)', 'SRID=4326;POINT(113.6 34.7)', %s, 0)",
        org,
        ZZ,
    )


def test_a_child_organization_must_sit_below_its_parent(conn: psycopg.Connection):
    corps = _org(conn, "河南省科技志愿服务总队", "corps")
    team = _org(conn, "郑州市科技志愿服务队", "team", corps)
    detachment = _org(conn, "中原区科技志愿服务队", "detachment", team)
    sql = (
        "INSERT INTO organization (name, level, parent_id, region_code, kind) "
        "VALUES (%s, %s, %s, %s, 'association')"
    )
    _expect(conn, errors.CheckViolation, sql, "开封市科技志愿服务队", "team", team, ZZ)
    _expect(conn, errors.CheckViolation, sql, "另一个总队", "corps", detachment, ZZ)
    # A move that would put a team under its own descendant, or a level change that puts a
    # parent at or below its child, is refused too.
    _expect(
        conn,
        errors.CheckViolation,
        "UPDATE organization SET parent_id = %s, level = 'squad' WHERE id = %s",
        detachment,
        team,
    )
    _expect(
        conn, errors.CheckViolation, "UPDATE organization SET level = 'squad' WHERE id = %s", team
    )
    path = conn.execute("SELECT path::text FROM organization WHERE id = %s", (detachment,))
    assert path.fetchone() == (f"{corps}.{team}.{detachment}",)


def test_moving_a_team_moves_its_subtree_path(conn: psycopg.Connection):
    corps = _org(conn, "河南省科技志愿服务总队", "corps")
    a = _org(conn, "郑州市科技志愿服务队", "team", corps)
    b = _org(conn, "开封市科技志愿服务队", "team", corps)
    county = _org(conn, "中牟县科技志愿服务队", "detachment", a)
    squad = _org(conn, "中牟县农技科技志愿服务分队", "squad", county)
    conn.execute("UPDATE organization SET parent_id = %s WHERE id = %s", (b, county))
    row = conn.execute("SELECT path::text FROM organization WHERE id = %s", (squad,)).fetchone()
    assert row == (f"{corps}.{b}.{county}.{squad}",)


def test_skills_levels_and_vocabularies_are_checked(conn: psycopg.Connection):
    sql = "INSERT INTO volunteer (real_name, skills) VALUES ('李四', %s::jsonb)"
    for bad in ('{"health": 6}', '{"astrology": 3}', '{"health": 2.5}', '{"health": "3"}',
                '{"health": null}', '{"health": {"level": 3}}', '{"health": 0}',
                '{"health": 3, "astrology": 3}', '{"health": 3, "emergency": 9}'):
        _expect(conn, errors.CheckViolation, sql, bad)
    _expect(conn, psycopg.DatabaseError, sql, "[]")  # not an object: skill_codes refuses it
    for good in ('{}', '{"health": 5.0}', '{"emergency": 1, "biosafety": 5}'):
        conn.execute(sql, (good,))  # in the test's transaction, rolled back after it
    _expect(
        conn,
        errors.CheckViolation,
        "INSERT INTO volunteer (real_name, cohorts) VALUES ('李四', '{wizard}')",
    )
    row = conn.execute(
        "INSERT INTO volunteer (real_name, skills) VALUES ('王五', "
        '\'{"health": 3, "emergency": 1}\') RETURNING skill_codes'
    ).fetchone()
    assert row == (["emergency", "health"],)


def test_the_same_id_number_hash_cannot_be_registered_twice(conn: psycopg.Connection):
    digest = b"\x01" * 32
    conn.execute(
        "INSERT INTO volunteer (real_name, id_number_enc, id_number_hash, id_number_masked) "
        "VALUES ('甲', 'x', %s, '410***')",
        (digest,),
    )
    _expect(
        conn,
        errors.UniqueViolation,
        "INSERT INTO volunteer (real_name, id_number_enc, id_number_hash, id_number_masked) "
        "VALUES ('乙', 'y', %s, '410***')",
        digest,
    )
