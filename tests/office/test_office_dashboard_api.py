"""What the console's 看板 asks of the API beyond the office's figures (issue 16.8): projects of a
region (by their owner's division, within what the caller may see), the campaign editions an
activity or demand is tagged with, and a recognition round's division by name."""

from __future__ import annotations

from typing import Any

import psycopg

from hub.schema.node import encode_id
from tests.office.scorecard_world import CITY, COUNTY, FAR, make_world
from tests.office.test_office_campaign import TAG, lei_feng_2025
from tests.publishing.conftest import Api

PROJECTS = """query ($r: String) { projects(first: 100, filter: {regionCode: $r}) {
  totalCount edges { node { name } } } }"""
TAGS = """query ($a: ID!, $d: ID!) {
  a: node(id: $a) { ... on Activity { campaignTags { peopleServed edition { campaign year } } } }
  d: node(id: $d) { ... on Demand { campaignTags { peopleServed edition { id } } } } }"""
OPEN = """mutation ($input: OpenRecognitionRoundInput!) { openRecognitionRound(input: $input) {
  errors { code } } }"""
ROUNDS = "{ recognitionRounds { level regionCode regionName } }"


def names(answer: dict[str, Any]) -> list[str]:
    return sorted(e["node"]["name"] for e in answer["projects"]["edges"])


async def test_projects_of_a_region_by_their_owner(sapi: Api,
                                                   sconn: psycopg.AsyncConnection[Any]) -> None:
    w = await make_world(sconn)
    await sconn.execute("INSERT INTO project (name, owner_id, period, status) VALUES "
                        "('洛阳市科普周', %s, daterange('2025-01-01', '2026-01-01'), 'active')",
                        (w.teams["city"],))
    admin = sapi.token("admin", "a")
    county = sorted(["西工区健康讲堂", "西工区科普大篷车", "西工区乡村振兴", "西工区旧项目"])
    assert names(await sapi.data(admin, PROJECTS, {"r": COUNTY})) == county
    assert names(await sapi.data(admin, PROJECTS, {"r": CITY})) == sorted(
        [*county, "洛阳市科普周"])
    assert names(await sapi.data(admin, PROJECTS, {"r": FAR})) == []
    # Anonymous callers: the county's among what they see anyway (no draft).
    seen = set(names(await sapi.data(None, PROJECTS)))
    anonymous = names(await sapi.data(None, PROJECTS, {"r": COUNTY}))
    assert anonymous and set(anonymous) <= seen and "西工区科普大篷车" not in anonymous
    assert set(anonymous) == seen & set(county)
    bad = await sapi.call(admin, PROJECTS, {"r": "4103x"})
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_tags_and_round_names(sapi: Api, sconn: psycopg.AsyncConnection[Any]) -> None:
    w = await make_world(sconn)
    admin = sapi.token("admin", "office")
    edition_id, demand = await lei_feng_2025(sapi, sconn, admin)
    ids = {"a": encode_id("Activity", w.activities["held0"]), "d": encode_id("Demand", demand)}
    before = await sapi.data(admin, TAGS, ids)
    assert before["a"]["campaignTags"] == [] and before["d"]["campaignTags"] == []
    tagged = await sapi.data(admin, TAG, {"input": {"editionId": edition_id,
                                                    "activityIds": [ids["a"]],
                                                    "demandIds": [ids["d"]], "peopleServed": 80}})
    assert tagged["tagCampaign"]["count"] == 2
    after = await sapi.data(admin, TAGS, ids)
    assert after["a"]["campaignTags"] == [{"peopleServed": 80, "edition": {
        "campaign": "lei_feng_day", "year": 2025}}]
    assert after["d"]["campaignTags"] == [{"peopleServed": 80, "edition": {"id": edition_id}}]
    for level, code in (("COUNTY", COUNTY[:6]), ("NATIONAL", None)):
        made = await sapi.data(admin, OPEN, {"input": {
            "award": "TOP_TEN", "level": level, "regionCode": code, "year": 2025,
            "categories": ["VOLUNTEER"]}})
        assert made["openRecognitionRound"]["errors"] == []
    rounds = (await sapi.data(admin, ROUNDS))["recognitionRounds"]
    assert {(r["level"], r["regionName"]) for r in rounds} == {("COUNTY", "西工区"),
                                                               ("NATIONAL", None)}
