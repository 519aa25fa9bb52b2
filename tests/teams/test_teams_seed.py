"""The demo's 学会–县区 pairings (hub/seed/pairings.py): every county of the demo provinces is
paired with a 学会 team of its own province, valid on the demo's start date."""

from __future__ import annotations

from typing import Any

import psycopg


def test_every_demo_county_has_a_society_team_of_its_province(
        sconn: psycopg.Connection[Any]) -> None:
    unpaired = sconn.execute(
        "SELECT r.code FROM region r WHERE r.level = 'county' AND left(r.code, 2) IN ('41', "
        "'62') AND NOT EXISTS (SELECT 1 FROM team_pairing p WHERE p.region_code = r.code "
        "AND p.valid @> (now() AT TIME ZONE 'Asia/Shanghai')::date)").fetchall()
    assert unpaired == []
    wrong = sconn.execute(
        "SELECT p.id FROM team_pairing p JOIN organization o ON o.id = p.organization_id "
        "WHERE o.kind <> 'society' OR left(o.region_code, 2) <> left(p.region_code, 2)"
    ).fetchall()
    assert wrong == []
    [(teams,)] = sconn.execute("SELECT count(DISTINCT organization_id) FROM team_pairing"
                               ).fetchall()
    assert teams >= 8  # four 学会 teams in each demo province share the counties
