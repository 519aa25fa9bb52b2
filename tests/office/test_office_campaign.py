"""Campaigns (issue 16.6): key dates as data with yearly editions, activities and demands tagged
by those who may, and an edition's figures per region subtree against a count over the rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import psycopg

from hub.schema.node import encode_id
from tests.office.scorecard_world import CITY, COUNTY, FAR, at, make_world, one, rows_of
from tests.office.test_office_stars import correct, serve
from tests.publishing.conftest import Api, codes, top_codes

CAMPAIGNS = "{ campaigns(year: 2025) { code nameZh nameEn fixedMonth fixedDay season " \
            "editions { id year startsOn endsOn } } }"
EDITION = """
mutation ($input: SaveCampaignEditionInput!) {
  saveCampaignEdition(input: $input) { edition { id campaign year startsOn endsOn }
                                       errors { code field messageEn messageZh } }
}"""
TAG = """
mutation ($input: TagCampaignInput!) {
  tagCampaign(input: $input) { count errors { code field messageEn } }
}"""
UNTAG = """
mutation ($input: UntagCampaignInput!) {
  untagCampaign(input: $input) { count errors { code field } }
}"""
STATS = """
query ($edition: ID!, $region: String) {
  campaignStats(editionId: $edition, regionCode: $region) {
    edition { campaign year } regionCode activities demands volunteers hours peopleServed
    unreported
  }
}"""


async def test_key_dates_are_data_with_an_edition_per_year(sapi: Api) -> None:
    admin = sapi.token("admin", "office")
    listed = {c["code"]: c for c in (await sapi.data(admin, CAMPAIGNS))["campaigns"]}
    assert (listed["lei_feng_day"]["nameZh"], listed["lei_feng_day"]["fixedMonth"],
            listed["lei_feng_day"]["fixedDay"]) == ("学雷锋纪念日", 3, 5)
    assert (listed["volunteer_day"]["fixedMonth"], listed["volunteer_day"]["fixedDay"]) == (12, 5)
    assert listed["sci_tech_workers_day"]["fixedDay"] == 30
    assert listed["sci_tech_week"]["fixedMonth"] is None
    assert set(listed) == {"lei_feng_day", "sci_tech_workers_day", "sci_tech_week",
                           "sci_pop_day", "volunteer_day", "three_to_countryside"}
    day = (await sapi.data(admin, EDITION, {"input": {"campaign": "volunteer_day",
                                                     "year": 2025}}))["saveCampaignEdition"]
    assert (day["edition"]["startsOn"], day["edition"]["endsOn"]) == ("2025-12-05",
                                                                      "2025-12-05")
    week = (await sapi.data(admin, EDITION, {"input": {"campaign": "sci_pop_day",
                                                      "year": 2025}}))["saveCampaignEdition"]
    assert [e["field"] for e in week["errors"]] == ["startsOn"] and week["edition"] is None
    week = (await sapi.data(admin, EDITION, {"input": {
        "campaign": "sci_pop_day", "year": 2025, "startsOn": "2025-09-15",
        "endsOn": "2025-09-10"}}))["saveCampaignEdition"]
    assert [e["field"] for e in week["errors"]] == ["endsOn"]
    first = (await sapi.data(admin, EDITION, {"input": {
        "campaign": "sci_pop_day", "year": 2025, "startsOn": "2025-09-15",
        "endsOn": "2025-09-21"}}))["saveCampaignEdition"]["edition"]
    moved = (await sapi.data(admin, EDITION, {"input": {
        "campaign": "sci_pop_day", "year": 2025, "startsOn": "2025-09-16",
        "endsOn": "2025-09-22"}}))["saveCampaignEdition"]["edition"]
    assert moved["id"] == first["id"] and moved["startsOn"] == "2025-09-16"
    unknown = (await sapi.data(admin, EDITION, {"input": {"campaign": "nope", "year": 2025}}))
    assert codes(unknown["saveCampaignEdition"]) == ["NOT_FOUND"]
    dispatcher = sapi.token("dispatcher", "ly", region=CITY)
    assert top_codes(await sapi.call(dispatcher, EDITION, {"input": {
        "campaign": "volunteer_day", "year": 2026}})) == ["FORBIDDEN"]


async def oracle(conn: psycopg.AsyncConnection[Any], edition: int,
                 prefix: str) -> dict[str, Any]:
    """An edition's figures counted in plain Python over the rows."""
    acts = {a["id"]: a for a in await rows_of(conn, "activity")}
    dems = {d["id"]: d for d in await rows_of(conn, "demand")}
    tagged_a = [t for t in await rows_of(conn, "campaign_activity") if t["edition_id"] == edition
                and acts[t["activity_id"]]["region_code"].startswith(prefix)
                and acts[t["activity_id"]]["status"] in ("published", "closed", "archived")]
    tagged_d = [t for t in await rows_of(conn, "campaign_demand") if t["edition_id"] == edition
                and dems[t["demand_id"]]["region_code"].startswith(prefix)
                and dems[t["demand_id"]]["status"] not in ("cancelled", "rejected",
                                                           "pending_review")]
    a_ids = {t["activity_id"] for t in tagged_a}
    d_ids = {t["demand_id"] for t in tagged_d}
    confirmed = {k["record_id"] for k in await rows_of(conn, "service_record_confirmation")}
    records = [r for r in await rows_of(conn, "service_record")
               if (r["activity_id"] in a_ids or r["demand_id"] in d_ids)
               and (r["corrects_id"] or r["id"]) in confirmed]
    net: dict[int, Decimal] = {}
    for r in records:
        key = r["corrects_id"] or r["id"]
        net[key] = net.get(key, Decimal(0)) + r["hours"]
    by_id = {r["id"]: r for r in records}
    reach = [t["people_served"] for t in tagged_a + tagged_d]
    return {"activities": len(tagged_a), "demands": len(tagged_d),
            "volunteers": len({by_id[k]["volunteer_id"] for k in net}),
            "hours": str(sum(net.values(), Decimal(0)).quantize(Decimal("0.01"))),
            "peopleServed": sum(x or 0 for x in reach),
            "unreported": sum(1 for x in reach if x is None)}


async def lei_feng_2025(sapi: Api, sconn: psycopg.AsyncConnection[Any],
                       admin: str) -> tuple[str, int]:
    """The 2025 学雷锋纪念日 edition saved by ``admin`` (its global ID) and a done demand of the
    county on that day (its id)."""
    edition = (await sapi.data(admin, EDITION, {"input": {"campaign": "lei_feng_day",
                                                         "year": 2025}}))
    demand = int(await one(sconn, "INSERT INTO demand (title, category, needed, time_window, "
                                  "location_geom, region_code, raised_by, status) VALUES "
                                  "('学雷锋义诊', 'health', 3, tstzrange(%s, %s), ST_SetSRID("
                                  "ST_MakePoint(112.45, 34.62), 4326), %s, 'resident:1', 'done') "
                                  "RETURNING id", (at(date(2025, 3, 5), 8),
                                                   at(date(2025, 3, 5), 12), COUNTY)))
    return edition["saveCampaignEdition"]["edition"]["id"], demand


async def test_tagging_and_figures_per_region(sapi: Api,
                                              sconn: psycopg.AsyncConnection[Any]) -> None:
    w = await make_world(sconn)
    admin = sapi.token("admin", "office")
    edition_id, demand = await lei_feng_2025(sapi, sconn, admin)
    edition_key = int(await one(sconn, "SELECT id FROM campaign_edition WHERE year = 2025 AND "
                                       "campaign_code = 'lei_feng_day'"))
    held = [w.activities[f"held{n}"] for n in range(3)]
    owner = sapi.token("org_admin", "captain", org=w.teams["full"])
    stranger = sapi.token("org_admin", "other", org=w.teams["other"])
    far = sapi.token("dispatcher", "lz", region=FAR)
    acts = [encode_id("Activity", a) for a in held]
    assert top_codes(await sapi.call(stranger, TAG, {"input": {
        "editionId": edition_id, "activityIds": acts}})) == ["FORBIDDEN"]
    assert top_codes(await sapi.call(far, TAG, {"input": {
        "editionId": edition_id, "demandIds": [encode_id("Demand", demand)]}})) == ["FORBIDDEN"]
    tagged = (await sapi.data(owner, TAG, {"input": {"editionId": edition_id,
                                                     "activityIds": acts[:2],
                                                     "peopleServed": 120}}))["tagCampaign"]
    assert tagged == {"count": 2, "errors": []}
    county = sapi.token("dispatcher", "xg", region=COUNTY)
    both = (await sapi.data(county, TAG, {"input": {
        "editionId": edition_id, "activityIds": [acts[2], encode_id("Activity",
                                                                    w.activities["cancelled"])],
        "demandIds": [encode_id("Demand", demand)]}}))["tagCampaign"]
    assert both["count"] == 3
    missing = (await sapi.data(admin, TAG, {"input": {
        "editionId": edition_id, "activityIds": [encode_id("Activity", 999_999)]}}))
    assert [e["field"] for e in missing["tagCampaign"]["errors"]] == ["activityIds[0]"]
    many = (await sapi.data(admin, TAG, {"input": {
        "editionId": edition_id, "activityIds": [acts[0]] * 501}}))
    assert codes(many["tagCampaign"]) == ["INVALID"]
    records = [await serve(sconn, w.volunteers[n], held[n % 3], w.teams["full"], 2)
               for n in range(5)]
    await serve(sconn, w.volunteers[9], held[0], w.teams["full"], 2, confirm=False)
    await correct(sconn, records[1], -2)  # net 0 h: the volunteer still counts as having served
    await serve(sconn, w.volunteers[0], None, w.teams["full"], 3, demand=demand)
    for region in (COUNTY, CITY, FAR):
        got = (await sapi.data(admin, STATS, {"edition": edition_id, "region": region}))
        figures = got["campaignStats"]
        expected = await oracle(sconn, edition_key, region[:6] if region != CITY else "4103")
        assert {k: figures[k] for k in expected} == expected, region
    county_figures = (await sapi.data(county, STATS, {"edition": edition_id,
                                                      "region": COUNTY}))["campaignStats"]
    assert (county_figures["activities"], county_figures["demands"]) == (3, 1)
    assert (county_figures["volunteers"], county_figures["hours"]) == (5, "11.00")
    assert (county_figures["peopleServed"], county_figures["unreported"]) == (240, 2)
    assert top_codes(await sapi.call(county, STATS, {"edition": edition_id})) == ["FORBIDDEN"]
    assert top_codes(await sapi.call(far, STATS, {"edition": edition_id,
                                                  "region": COUNTY})) == ["FORBIDDEN"]
    whole = (await sapi.data(admin, STATS, {"edition": edition_id}))["campaignStats"]
    assert whole["activities"] == 3
    untagged = (await sapi.data(owner, UNTAG, {"input": {"editionId": edition_id,
                                                         "activityIds": acts[:1]}}))
    assert untagged["untagCampaign"]["count"] == 1
    after = (await sapi.data(admin, STATS, {"edition": edition_id, "region": COUNTY}))
    assert after["campaignStats"]["activities"] == 2
