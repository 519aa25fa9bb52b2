"""Stars for organisations and projects (issue 16.2): the figures kept as service is confirmed,
corrected and rated, checked against a count over the rows; rules as data per province, and
volunteers' thresholds as data too."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import psycopg

from hub.office.stars import Rule, Tally, level
from hub.schema.node import encode_id
from tests.office.scorecard_world import COUNTY, World, at, make_world, one, rows_of
from tests.publishing.conftest import Api, codes, top_codes

STARS = """
query ($id: ID!) {
  node(id: $id) {
    ... on Organization { stars { stars hours activities volunteers rating ratingCount
                                  next { stars short shortZh shortEn } } }
    ... on Project { stars { stars hours activities volunteers next { stars shortEn } } }
  }
}"""
RULES = """
mutation ($input: SaveStarRulesInput!) {
  saveStarRules(input: $input) { rules { scope subject rules { stars hours } }
                                 errors { code field messageEn messageZh } }
}"""
THRESHOLDS = """
mutation ($input: SaveStarThresholdsInput!) {
  saveStarThresholds(input: $input) { scope errors { code field messageEn } }
}"""


def test_a_level_needs_every_threshold_and_every_level_below() -> None:
    ladder = [Rule(1, Decimal(10), 1, 1), Rule(2, Decimal(20), 2, 2, Decimal("4.0")),
              Rule(3, Decimal(30), 3, 3)]
    assert level(Tally(Decimal(5), 5, 5), ladder).stars == 0
    high_but_unrated = level(Tally(Decimal(100), 9, 9), ladder)
    assert high_but_unrated.stars == 1  # 2★ asks a rating of 4.0; 3★ needs 2★ first
    assert high_but_unrated.next is not None
    assert high_but_unrated.next.short_en == ("average rating none, needs 4.0",)
    rated = level(Tally(Decimal(100), 9, 9, rating_sum=9, rating_count=2), ladder)
    assert rated.stars == 3 and rated.next is None and rated.tally.rating == Decimal("4.50")


async def serve(conn: psycopg.AsyncConnection[Any], volunteer: int, activity: int | None,
                org: int, hours: float, *, demand: int | None = None,
                confirm: bool = True) -> int:
    record = int(await one(conn, "INSERT INTO service_record (volunteer_id, activity_id, "
                                 "demand_id, organization_id, region_code, title, served_on, "
                                 "hours, recorded_by) VALUES (%s, %s, %s, %s, %s, '服务', "
                                 "'2025-05-01', %s, 'test') RETURNING id",
                           (volunteer, activity, demand, org, COUNTY, hours)))
    if confirm:
        await conn.execute("INSERT INTO service_record_confirmation (record_id, confirmed_by) "
                           "VALUES (%s, 'test')", (record,))
    return record


async def correct(conn: psycopg.AsyncConnection[Any], record: int, hours: float) -> None:
    await conn.execute("INSERT INTO service_record (volunteer_id, activity_id, demand_id, "
                       "organization_id, region_code, title, served_on, hours, corrects_id, "
                       "reason, recorded_by) SELECT volunteer_id, activity_id, demand_id, "
                       "organization_id, region_code, title, served_on, %s, id, '更正时长', "
                       "'test' FROM service_record WHERE id = %s", (hours, record))


async def counted(conn: psycopg.AsyncConnection[Any], subject: str,
                  key: int) -> tuple[Decimal, int, int]:
    """(hours, activities and demands, volunteers) counted over the rows in plain Python."""
    orgs = await rows_of(conn, "organization")
    acts = {a["id"]: a for a in await rows_of(conn, "activity")}
    confirmed = {k["record_id"] for k in await rows_of(conn, "service_record_confirmation")}
    records = await rows_of(conn, "service_record")
    if subject == "organization":
        ids = {o["id"] for o in orgs if str(key) in str(o["path"]).split(".")}

        def mine(r: dict[str, Any]) -> bool:
            return r["organization_id"] in ids
    elif subject == "project":
        def mine(r: dict[str, Any]) -> bool:
            return r["activity_id"] in acts and acts[r["activity_id"]]["project_id"] == key
    else:  # an activity's or demand's own tally: what served it, not itself
        def mine(r: dict[str, Any]) -> bool:
            return bool(r[f"{subject}_id"] == key)
    ours = [r for r in records if mine(r) and (r["corrects_id"] or r["id"]) in confirmed]
    hours = sum((r["hours"] for r in ours), Decimal(0))
    served = {("a", r["activity_id"]) if r["activity_id"] else ("d", r["demand_id"])
              for r in ours if r["corrects_id"] is None}
    if subject in ("activity", "demand"):
        served = set()
    return hours, len(served), len({r["volunteer_id"] for r in ours if r["corrects_id"] is None})


async def tally(conn: psycopg.AsyncConnection[Any], subject: str,
                key: int) -> tuple[Decimal, int, int]:
    cur = await conn.execute("SELECT hours, activities, volunteers FROM star_tally "
                             "WHERE subject = %s AND subject_id = %s", (subject, key))
    row = await cur.fetchone()
    return (Decimal(0), 0, 0) if row is None else (Decimal(row[0]), row[1], row[2])


async def test_figures_follow_confirmations_corrections_and_ratings(
        sconn: psycopg.AsyncConnection[Any], sapi: Api) -> None:
    w: World = await make_world(sconn)
    team, corps = w.teams["full"], int(await one(sconn, "SELECT parent_id FROM organization "
                                                        "WHERE id = %s", (w.teams["full"],)))
    project = w.projects["live"]
    held = [w.activities[f"held{n}"] for n in range(3)]  # the live project's activities
    records = [await serve(sconn, w.volunteers[n], held[n % 3], team, 3) for n in range(6)]
    await serve(sconn, w.volunteers[7], held[0], team, 2, confirm=False)  # pending: not counted
    await correct(sconn, records[0], -1.5)
    demand = int(await one(sconn, "INSERT INTO demand (title, category, needed, time_window, "
                                  "location_geom, region_code, raised_by, status) VALUES "
                                  "('义诊', 'health', 2, tstzrange(%s, %s), ST_SetSRID("
                                  "ST_MakePoint(112.45, 34.62), 4326), %s, 'resident:1', "
                                  "'done') RETURNING id",
                            (at(date(2025, 5, 1), 8), at(date(2025, 5, 1), 12), COUNTY)))
    await serve(sconn, w.volunteers[0], None, w.teams["squad"], 4, demand=demand)
    await sconn.execute("INSERT INTO review (demand_id, direction, rating, reviewed_by) "
                        "VALUES (%s, 'requester_to_service', 4, 'resident:1')", (demand,))
    for subject, key in (("organization", team), ("organization", corps),
                         ("organization", w.teams["squad"]), ("project", project)):
        assert await tally(sconn, subject, key) == await counted(sconn, subject, key), key
    assert await tally(sconn, "organization", team) == (Decimal("16.50"), 3, 6)
    assert await tally(sconn, "organization", corps) == (Decimal("20.50"), 4, 6)
    admin = sapi.token("admin", "a")
    got = (await sapi.data(admin, STARS, {"id": encode_id("Organization", corps)}))["node"]
    stars = got["stars"]
    assert (stars["stars"], stars["hours"], stars["activities"], stars["volunteers"]) == (
        0, "20.50", 4, 6)
    assert (stars["rating"], stars["ratingCount"]) == ("4.00", 1)
    assert stars["next"]["stars"] == 1
    assert stars["next"]["shortEn"] == ["20.50 h served, needs 200.00"]
    assert stars["next"]["shortZh"] == ["服务时长 20.50 小时，需 200.00"]
    # Henan's own rules (scope 41) re-rate at once.
    saved = (await sapi.data(admin, RULES, {"input": {"scope": "41", "subject": "organization",
        "rules": [{"stars": 1, "hours": 10, "activities": 2, "volunteers": 2},
                  {"stars": 2, "hours": 20, "activities": 4, "volunteers": 5, "rating": 4}]}}))
    assert saved["saveStarRules"]["rules"]["scope"] == "41"
    got = (await sapi.data(admin, STARS, {"id": encode_id("Organization", corps)}))["node"]
    assert got["stars"]["stars"] == 2 and got["stars"]["next"] is None
    proj = (await sapi.data(admin, STARS, {"id": encode_id("Project", project)}))["node"]
    assert (proj["stars"]["hours"], proj["stars"]["activities"]) == ("16.50", 3)


async def test_rules_and_thresholds_are_checked_and_scoped(sapi: Api) -> None:
    admin = sapi.token("admin", "a")
    bad = (await sapi.data(admin, RULES, {"input": {"scope": "41", "subject": "team", "rules": [
        {"stars": 2, "hours": 10}, {"stars": 1, "hours": 5, "rating": 6}]}}))["saveStarRules"]
    # Level 1 is not 1★, level 2 not 2★ and asks fewer hours, a rating above 5, no such subject.
    assert sorted(e["field"] for e in bad["errors"]) == [
        "rules[0]", "rules[1]", "rules[1]", "rules[1].rating", "subject"]
    assert set(codes(bad)) == {"INVALID"} and bad["rules"] is None
    scope = (await sapi.data(admin, RULES, {"input": {"scope": "4", "subject": "project",
                                                     "rules": []}}))["saveStarRules"]
    assert [e["field"] for e in scope["errors"]] == ["scope"]
    national = (await sapi.data(admin, RULES, {"input": {"scope": "", "subject": "project",
                                                        "rules": []}}))["saveStarRules"]
    assert [e["field"] for e in national["errors"]] == ["rules"]
    gansu = sapi.token("dispatcher", "gs", region="620000000000")
    assert top_codes(await sapi.call(gansu, RULES, {"input": {
        "scope": "41", "subject": "project", "rules": []}})) == ["FORBIDDEN"]
    falling = (await sapi.data(admin, THRESHOLDS, {"input": {
        "scope": "41", "hours": [50, 40]}}))["saveStarThresholds"]
    assert [e["field"] for e in falling["errors"]] == ["hours[1]"]
    ok = (await sapi.data(admin, THRESHOLDS, {"input": {"scope": "41", "hours": [50, 150]}}))
    assert ok["saveStarThresholds"]["errors"] == []
    read = await sapi.data(None, '{ starThresholds(regionCode: "410303000000") { stars hours '
                                 "scope } }")
    assert [(t["stars"], t["hours"], t["scope"]) for t in read["starThresholds"]] == [
        (1, "50.00", "41"), (2, "150.00", "41")]
    elsewhere = await sapi.data(None, '{ starThresholds(regionCode: "620102000000") { hours } }')
    assert [t["hours"] for t in elsewhere["starThresholds"]] == [
        "100.00", "300.00", "600.00", "1000.00", "1500.00"]


LIST = """
query ($n: Int!) {
  organizations(first: $n, filter: {regionCode: "410303000000"}) {
    edges { node { name stars { stars hours volunteers }
                   projects { name stars { stars hours } } } }
  }
}"""


async def test_stars_of_a_list_cost_the_same_statements_for_few_and_many(
        sconn: psycopg.AsyncConnection[Any], settings: Any) -> None:
    from hub.auth import Caller, Role
    from hub.pii import PiiCipher
    from hub.store.base import ConnectionDatabase
    from tests.seeded import Gql

    w: World = await make_world(sconn)
    for n in range(3):
        await serve(sconn, w.volunteers[n], w.activities[f"held{n}"], w.teams["full"], 2)
    gql = Gql(ConnectionDatabase(sconn), settings, PiiCipher.from_text(settings.data_key))
    admin = Caller(Role.ADMIN, "a")

    async def statements(n: int) -> int:
        before = gql.db.statements
        data = await gql.data(LIST, {"n": n}, caller=admin)
        nodes = [e["node"] for e in data["organizations"]["edges"]]
        assert len(nodes) == n
        full = [x for x in nodes if x["name"] == "西工区医疗科技志愿服务队"]
        assert not full or full[0]["stars"]["hours"] == "6.00"
        assert all(x["stars"]["hours"].endswith(".00") for x in nodes)  # zero too: "0.00"
        return gql.db.statements - before

    assert await statements(2) == await statements(6)  # the county's six teams and units
