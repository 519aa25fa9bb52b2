"""Demo 学会–县区 pairings (seed 002: 鼓励各学会与县区科协协商对接，建立结对机制): each county of a
demo province is paired with one of its province's 学会 teams in turn, for a year around the
demo's start date, so escalation's third step (hub.services.escalation) has teams to reach."""

from __future__ import annotations

from datetime import date, timedelta

import psycopg

PAIRED_BY = "seed"
VALID_BEFORE = timedelta(days=90)  # begun before the demo starts
VALID_AFTER = timedelta(days=275)  # and lasting the rest of a year


def seed_pairings(conn: psycopg.Connection, *, today: date) -> int:
    """Pair every county of the demo with a 学会 team of its province; returns how many."""
    teams = conn.execute(
        "SELECT left(region_code, 2), array_agg(id ORDER BY id) FROM organization "
        "WHERE kind = 'society' AND level = 'team' GROUP BY 1").fetchall()
    made = 0
    for province, team_ids in teams:
        counties = [r[0] for r in conn.execute(
            "SELECT code FROM region WHERE level = 'county' AND left(code, 2) = %s ORDER BY code",
            (province,)).fetchall()]
        rows = [(team_ids[k % len(team_ids)], code) for k, code in enumerate(counties)]
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO team_pairing (organization_id, region_code, valid, note, created_by) "
                "VALUES (%s, %s, daterange(%s, %s), '学会与县区结对（示例数据）', %s)",
                [(team, code, today - VALID_BEFORE, today + VALID_AFTER, PAIRED_BY)
                 for team, code in rows])
        made += len(rows)
    return made
