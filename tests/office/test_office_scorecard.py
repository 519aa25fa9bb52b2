"""Scorecards (issue 16.1): against a plain-Python count over the rows at several dates, with
hand-counted figures beside, the lists behind the numbers with why not, who may read which."""

from __future__ import annotations

from datetime import date
from typing import Any

import psycopg
import pytest

from hub.auth.tokens import SYSTEM
from hub.services import scorecards
from hub.store.base import ConnectionDatabase
from tests.office.scorecard_world import (
    CITY,
    COUNTY,
    FAR,
    World,
    make_world,
    oracle,
)
from tests.publishing.conftest import Api, top_codes

DATES = (date(2025, 3, 15), date(2025, 5, 1), date(2025, 7, 1), date(2025, 12, 1),
         date(2026, 6, 1))
CARD = """
query ($pilot: ID, $region: String, $asOf: Date) {
  scorecard(pilotId: $pilot, regionCode: $region, asOf: $asOf) {
    pilot { id name regionCode pilotType fundedOn }
    asOf judgedOn startsOn endsOn passed
    items { item labelZh target actual passed minMembers
            entries(first: 20) { id kind name counts figure reason reasonZh reasonEn } }
  }
}"""


@pytest.fixture
async def world(sconn: psycopg.AsyncConnection[Any]) -> World:
    return await make_world(sconn)


def _figures(card: scorecards.PilotScorecard) -> dict[str, tuple[int, int]]:
    return {i.item: (i.target, i.actual) for i in card.items}


async def test_scorecards_agree_with_a_count_over_the_rows_at_every_date(
        sconn: psycopg.AsyncConnection[Any], world: World) -> None:
    db = ConnectionDatabase(sconn)
    for pilot in (world.county_pilot, world.city_pilot):
        for day in DATES:
            cards = await scorecards.scorecards(db, SYSTEM, pilot_id=pilot, as_of=day)
            assert _figures(cards[0]) == await oracle(sconn, pilot, day), (pilot, day)


async def test_hand_counted_figures(sconn: psycopg.AsyncConnection[Any], world: World) -> None:
    db = ConnectionDatabase(sconn)

    async def figures(pilot: int, day: date) -> dict[str, tuple[int, int]]:
        return _figures((await scorecards.scorecards(db, SYSTEM, pilot_id=pilot,
                                                     as_of=day))[0])

    # 1 May: 3 teams of ≥ 20 (25; 19 + 3 in its squad since April; 10 + 10 who left in June),
    # 1 project begun and approved, 5 activities held + 1 approved on 2 April, 2 stations open.
    assert await figures(world.county_pilot, date(2025, 5, 1)) == {
        "teams": (2, 3), "projects": (2, 1), "activities": (10, 6), "stations": (2, 2)}
    # 15 March: the squad's 3 had not joined (22 → 19); the April activity was still a draft.
    assert (await figures(world.county_pilot, date(2025, 3, 15)))["teams"] == (2, 2)
    assert (await figures(world.county_pilot, date(2025, 3, 15)))["activities"] == (10, 3)
    # 1 July: 10 left the small team in June.
    assert (await figures(world.county_pilot, date(2025, 7, 1)))["teams"] == (2, 2)
    # Past the period's end the card is final: judged on 2026-01-09.
    late = await figures(world.county_pilot, date(2026, 6, 1))
    assert late == {"teams": (2, 3), "projects": (2, 2), "activities": (10, 11),
                    "stations": (2, 2)}
    # The city (funded 1 March): one team of ≥ 50 (in another county); 4 activities by May
    # (13 March, 2 and 22 April, and the one approved on 2 April).
    city = await figures(world.city_pilot, date(2025, 5, 1))
    assert city["teams"] == (10, 1) and city["activities"] == (20, 4)
    assert city["stations"] == (10, 3) and city["projects"] == (5, 1)


async def test_the_list_behind_each_number_says_why_not(sapi: Api, world: World) -> None:
    from hub.schema.node import encode_id

    admin = sapi.token("admin", "office")
    data = await sapi.data(admin, CARD, {"pilot": encode_id("Pilot", world.county_pilot),
                                         "asOf": "2025-07-01"})
    card = data["scorecard"][0]
    assert card["pilot"]["pilotType"] == "county" and card["passed"] is False
    items = {i["item"]: i for i in card["items"]}
    teams = {e["name"]: e for e in items["teams"]["entries"]}
    small = teams["西工区应急科技志愿服务队"]
    assert small["counts"] is False and small["figure"] == 10
    assert small["reasonZh"] == "10 名成员，需 20"
    assert small["reasonEn"] == "10 members, needs 20" == small["reason"]
    assert teams["西工区农技科技志愿服务队"]["reasonEn"] == "dissolved"
    assert "西工区青少年科技志愿服务队" not in teams  # created in September
    assert [e["counts"] for e in items["teams"]["entries"]] == [True, True, False, False]
    acts = {e["name"]: e for e in items["activities"]["entries"]}
    assert acts["草稿活动"]["reasonEn"] == "not approved (draft)"
    assert acts["草稿活动"]["reasonZh"] == "未获批准（“草稿”）"
    assert acts["取消的讲座"]["reasonEn"] == "cancelled"
    assert "年底科普日" not in acts  # created on 30 November
    assert "试点前的活动" not in acts
    stations = {e["name"]: e for e in items["stations"]["entries"]}
    assert stations["西工区公园站点"]["reasonEn"] == "not in service (closed)"
    projects = {e["name"]: e for e in items["projects"]["entries"]}
    assert projects["西工区乡村振兴"]["reasonEn"].startswith("not begun by 2025-07-01")
    assert items["teams"]["actual"] == sum(e["counts"] for e in items["teams"]["entries"])
    december = (await sapi.data(admin, CARD, {"pilot": encode_id("Pilot", world.county_pilot),
                                              "asOf": "2025-12-10"}))["scorecard"][0]
    acts = {e["name"]: e for i in december["items"] if i["item"] == "activities"
            for e in i["entries"]}
    assert acts["年底科普日"]["reasonEn"] == "not held by 2025-12-10 (on 2025-12-20)"
    assert acts["年底科普日"]["reasonZh"] == "尚未举行（2025-12-20）"


async def test_who_reads_which_scorecards(sapi: Api, world: World) -> None:
    from hub.schema.node import encode_id

    county = encode_id("Pilot", world.county_pilot)
    city = encode_id("Pilot", world.city_pilot)
    county_dispatcher = sapi.token("dispatcher", "xg", region=COUNTY)
    city_dispatcher = sapi.token("dispatcher", "ly", region=CITY)
    far = sapi.token("dispatcher", "lz", region=FAR)
    assert (await sapi.data(county_dispatcher, CARD, {"pilot": county}))["scorecard"]
    assert top_codes(await sapi.call(county_dispatcher, CARD, {"pilot": city})) == ["FORBIDDEN"]
    both = (await sapi.data(city_dispatcher, CARD, {"region": CITY}))["scorecard"]
    assert {c["pilot"]["id"] for c in both} == {county, city}
    assert top_codes(await sapi.call(far, CARD, {"region": CITY})) == ["FORBIDDEN"]
    for token in (sapi.token("org_admin", "x", org=world.teams["full"]),
                  sapi.token("volunteer", encode_id("Volunteer", world.volunteers[0])),
                  sapi.token("partner", "x")):
        assert top_codes(await sapi.call(token, CARD, {"pilot": county})) == ["FORBIDDEN"]
    assert top_codes(await sapi.call(None, CARD, {"pilot": county})) == ["UNAUTHENTICATED"]
    bad = await sapi.call(sapi.token("admin", "a"), CARD, {"pilot": county, "region": CITY})
    assert top_codes(bad) == ["BAD_USER_INPUT"]


DRILL = """
query ($region: String!, $asOf: Date) {
  scorecards(regionCode: $region, asOf: $asOf) {
    asOf total { regionCode pilots pilotsPassed items itemsPassed }
    children { regionCode regionName level pilots pilotsPassed items itemsPassed }
    scorecards { pilot { regionCode } passed }
  }
}"""


async def test_drill_down_from_province_to_city_to_county(sapi: Api, world: World) -> None:
    admin = sapi.token("admin", "office")
    province = (await sapi.data(admin, DRILL, {"region": "410000000000",
                                               "asOf": "2025-12-31"}))["scorecards"]
    assert province["total"]["pilots"] == 2
    luoyang = next(c for c in province["children"] if c["regionCode"] == CITY)
    assert luoyang["pilots"] == 2 and luoyang["level"] == "city"
    assert sum(c["pilots"] for c in province["children"]) == 2
    passed = {c["pilot"]["regionCode"]: c["passed"] for c in province["scorecards"]}
    assert passed == {COUNTY: True, CITY: False}
    assert luoyang["pilotsPassed"] == 1 and luoyang["items"] == 8
    city = (await sapi.data(admin, DRILL, {"region": CITY, "asOf": "2025-12-31"}))["scorecards"]
    county = next(c for c in city["children"] if c["regionCode"] == COUNTY)
    assert (county["pilots"], county["pilotsPassed"], county["itemsPassed"]) == (1, 1, 4)
    dispatcher = sapi.token("dispatcher", "xg", region=COUNTY)
    assert top_codes(await sapi.call(dispatcher, DRILL, {"region": CITY})) == ["FORBIDDEN"]
