"""Categories, skills and cohorts (and statuses and kinds) by their Chinese labels, synonyms or
English labels as well as their codes, in filters and inputs (issue 13, point 4); anything else
is BAD_USER_INPUT naming the field and listing the codes with their labels, in both languages.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.localization import DEFAULT, ENGLISH
from hub.schema.node import encode_id
from tests.seeded import Gql

ADMIN = Caller(role=Role.ADMIN, sub="admin-1")
DEMANDS = """query($f: DemandFilter) { demands(first: 100, filter: $f) {
  totalCount edges { node { id } } } }"""
VOLUNTEERS = """query($f: VolunteerFilter) { volunteers(first: 100, filter: $f) {
  totalCount edges { node { id } } } }"""
STATIONS = """query($f: StationFilter) { stations(first: 100, filter: $f) {
  totalCount edges { node { id } } } }"""
RAISE = """mutation($input: RaiseDemandInput!) { raiseDemand(input: $input) {
  demand { category requiredSkills } errors { field code message messageZh messageEn } } }"""


async def _ids(gql: Gql, query: str, key: str, filter_: dict[str, Any]) -> tuple[int, set[str]]:
    page = (await gql.data(query, {"f": filter_}, caller=ADMIN))[key]
    return page["totalCount"], {e["node"]["id"] for e in page["edges"]}


@pytest.mark.parametrize(("query", "key", "name", "codes", "words"), [
    (DEMANDS, "demands", "categories", ["health"], ["医疗健康"]),
    (DEMANDS, "demands", "categories", ["health"], ["健康科普"]),
    (DEMANDS, "demands", "categories", ["health", "emergency"], ["Health", "应急安全"]),
    (DEMANDS, "demands", "skills", ["anti_pseudoscience"], ["科学辟谣"]),
    (DEMANDS, "demands", "statuses", ["open"], ["待派单"]),
    (VOLUNTEERS, "volunteers", "skills", ["emergency"], ["应急安全"]),
    (VOLUNTEERS, "volunteers", "skills", ["agri_tech"], ["农技"]),
    (VOLUNTEERS, "volunteers", "cohorts", ["retired_scientist"], ["老科技工作者"]),
    (VOLUNTEERS, "volunteers", "cohorts", ["university_student"], ["大学生"]),
    (STATIONS, "stations", "kinds", ["science_museum"], ["科技馆"]),
])
async def test_filters_take_labels_and_synonyms(gql: Gql, query: str, key: str, name: str,
                                                codes: list[str], words: list[str]):
    by_code = await _ids(gql, query, key, {name: codes})
    assert by_code[0] > 0, "the seeded data has some: else the test proves nothing"
    assert await _ids(gql, query, key, {name: words}) == by_code
    assert await _ids(gql, query, key, {name: codes + words}) == by_code  # once each
    assert (await _ids(gql, query, key, {}))[0] > by_code[0]


@pytest.mark.parametrize(("query", "name", "valid", "listed_zh", "listed_en"), [
    (DEMANDS, "categories", "医疗健康", "health（医疗健康）", "health (Health)"),
    (DEMANDS, "skills", "health", "biosafety（生物安全）", "biosafety (Biosafety)"),
    (VOLUNTEERS, "cohorts", "科研人员", "researcher（科研人员）", "researcher (Researcher)"),
])
async def test_an_unknown_value_is_coded_naming_the_field(
        gql: Gql, query: str, name: str, valid: str, listed_zh: str, listed_en: str):
    for locale in (ENGLISH, DEFAULT):
        result = await gql(query, {"f": {name: [valid, "烹饪"]}}, caller=ADMIN, locale=locale)
        [error] = result.errors or []
        extensions = error.extensions or {}
        assert extensions["code"] == "BAD_USER_INPUT"
        assert extensions["field"] == f"filter.{name}[1]"
        assert "'烹饪'" in extensions["messageEn"] and listed_en in extensions["messageEn"]
        assert "不是可选的值" in extensions["messageZh"] and listed_zh in extensions["messageZh"]
        assert error.message == extensions["messageZh" if locale is DEFAULT else "messageEn"]


def _demand(station: int, **extra: Any) -> dict[str, Any]:
    starts = datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=3)
    return {"title": "科普讲座", "category": "health", "needed": 1,
            "stationId": encode_id("Station", station), "startsAt": starts.isoformat(),
            "endsAt": (starts + timedelta(hours=2)).isoformat(), **extra}


async def test_a_demand_is_raised_with_labels(gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    station = (await (await aconn.execute("SELECT min(id) FROM station")).fetchone() or [0])[0]
    labelled = _demand(station, category="医疗健康", requiredSkills=["科学辟谣", "Health"])
    out = (await gql.data(RAISE, {"input": labelled}, caller=ADMIN))["raiseDemand"]
    assert out["errors"] == []
    assert out["demand"] == {"category": "health",
                             "requiredSkills": ["anti_pseudoscience", "health"]}
    twice = _demand(station, requiredSkills=["health", "健康科普"])
    [error] = (await gql.data(RAISE, {"input": twice}, caller=ADMIN))["raiseDemand"]["errors"]
    assert (error["field"], error["code"]) == ("requiredSkills", "INVALID")
    unknown = _demand(station, category="health", requiredSkills=["占卜"])
    [error] = (await gql.data(RAISE, {"input": unknown}, caller=ADMIN, locale=DEFAULT)
               )["raiseDemand"]["errors"]
    assert error["field"] == "requiredSkills[0]" and error["message"] == error["messageZh"]
    assert "'占卜' 不是可选的服务类别" in error["messageZh"]
