"""Pilots and quota sets through the API (issue 16.1): validation with coded errors naming the
field, nothing half-applied, who may create which, Henan's 001 set as the default."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.office.scorecard_world import (
    CITY,
    COUNTY,
    FAR,
    one,
)
from tests.publishing.conftest import Api, codes, top_codes

CREATE = """
mutation ($input: CreatePilotInput!) {
  createPilot(input: $input) {
    pilot { id name regionCode pilotType fundedOn quotaSet }
    errors { code field message messageZh messageEn }
  }
}"""
UPDATE = """
mutation ($input: UpdatePilotInput!) {
  updatePilot(input: $input) {
    pilot { id name fundedOn quotaSet }
    errors { code field messageEn }
  }
}"""
SAVE_SET = """
mutation ($input: SavePilotQuotaSetInput!) {
  savePilotQuotaSet(input: $input) {
    quotaSet { code name provincePrefix periodMonths
               quotas { pilotType item target minMembers sixStandard } }
    errors { code field messageEn messageZh }
  }
}"""
SETS = "{ pilotQuotaSets { code provincePrefix quotas { pilotType item target minMembers } } }"


async def test_henan_001_ships_as_the_default(sapi: Api) -> None:
    sets = (await sapi.data(sapi.token("admin", "a"), SETS))["pilotQuotaSets"]
    henan = next(s for s in sets if s["code"] == "henan_001")
    got = {(q["pilotType"], q["item"]): (q["target"], q["minMembers"]) for q in henan["quotas"]}
    assert got == {("city", "teams"): (10, 50), ("city", "projects"): (5, None),
                   ("city", "activities"): (20, None), ("city", "stations"): (10, None),
                   ("county", "teams"): (2, 20), ("county", "projects"): (2, None),
                   ("county", "activities"): (10, None), ("county", "stations"): (2, None)}
    created = (await sapi.data(sapi.token("dispatcher", "ly", region=CITY), CREATE, {
        "input": {"regionCode": COUNTY, "fundedOn": "2025-01-10"}}))["createPilot"]
    assert created["errors"] == []
    assert created["pilot"]["quotaSet"] == "henan_001"
    assert created["pilot"]["pilotType"] == "county"
    assert created["pilot"]["name"] == "西工区科技志愿服务体系建设试点"


async def test_bad_pilots_are_refused_with_the_field_named(
        sapi: Api, sconn: psycopg.AsyncConnection[Any]) -> None:
    admin = sapi.token("admin", "a")
    province = (await sapi.data(admin, CREATE, {"input": {
        "regionCode": "410000000000", "fundedOn": "1999-01-01", "name": "x",
        "quotaSet": "nope"}}))["createPilot"]
    assert province["pilot"] is None
    assert sorted((e["field"], e["code"]) for e in province["errors"]) == [
        ("fundedOn", "INVALID"), ("name", "INVALID"), ("quotaSet", "NOT_FOUND"),
        ("regionCode", "INVALID")]
    assert all(e["messageZh"] and e["messageEn"] for e in province["errors"])
    unknown = (await sapi.data(admin, CREATE, {"input": {
        "regionCode": "419999000000", "fundedOn": "2025-01-01"}}))["createPilot"]
    assert codes(unknown) == ["UNKNOWN_REGION"]
    first = (await sapi.data(admin, CREATE, {"input": {
        "regionCode": CITY, "fundedOn": "2025-03-01"}}))["createPilot"]
    again = (await sapi.data(admin, CREATE, {"input": {
        "regionCode": CITY, "fundedOn": "2025-03-01"}}))["createPilot"]
    assert codes(again) == ["CONFLICT"]
    assert await one(sconn, "SELECT count(*) FROM pilot") == 1
    changed = (await sapi.data(admin, UPDATE, {"input": {
        "pilotId": first["pilot"]["id"], "fundedOn": "2025-04-01"}}))["updatePilot"]
    assert changed["pilot"]["fundedOn"] == "2025-04-01"
    nothing = (await sapi.data(admin, UPDATE, {"input": {
        "pilotId": first["pilot"]["id"]}}))["updatePilot"]
    assert codes(nothing) == ["INVALID"]


async def test_who_may_create_pilots(sapi: Api) -> None:
    far = sapi.token("dispatcher", "lz", region=FAR)
    answer = await sapi.call(far, CREATE, {"input": {"regionCode": COUNTY,
                                                     "fundedOn": "2025-01-10"}})
    assert top_codes(answer) == ["FORBIDDEN"]
    org_admin = sapi.token("org_admin", "o", org=1)
    assert top_codes(await sapi.call(org_admin, CREATE, {"input": {
        "regionCode": COUNTY, "fundedOn": "2025-01-10"}})) == ["FORBIDDEN"]


async def test_quota_sets_are_checked_whole_and_belong_to_a_province(sapi: Api) -> None:
    admin = sapi.token("admin", "a")
    bad = (await sapi.data(admin, SAVE_SET, {"input": {
        "code": "Gansu!", "name": "甘", "provincePrefix": "6", "periodMonths": 0,
        "quotas": [{"pilotType": "town", "item": "teams", "target": 0},
                   {"pilotType": "city", "item": "stations", "target": 3, "minMembers": 5},
                   {"pilotType": "city", "item": "stations", "target": 3}]}}))
    fields = sorted(e["field"] for e in bad["savePilotQuotaSet"]["errors"])
    assert fields == ["code", "name", "periodMonths", "provincePrefix", "quotas[0].minMembers",
                      "quotas[0].pilotType", "quotas[0].target", "quotas[1].minMembers",
                      "quotas[2].item"]
    gansu = {"code": "gansu_2025", "name": "甘肃省科技志愿服务试点", "provincePrefix": "62",
             "quotas": [{"pilotType": "county", "item": "teams", "target": 1, "minMembers": 10},
                        {"pilotType": "county", "item": "stations", "target": 1,
                         "sixStandard": True}]}
    henan_dispatcher = sapi.token("dispatcher", "hn", region="410000000000")
    assert top_codes(await sapi.call(henan_dispatcher, SAVE_SET, {"input": gansu})) == [
        "FORBIDDEN"]
    gansu_dispatcher = sapi.token("dispatcher", "gs", region="620000000000")
    saved = (await sapi.data(gansu_dispatcher, SAVE_SET, {"input": gansu}))["savePilotQuotaSet"]
    assert saved["errors"] == [] and saved["quotaSet"]["provincePrefix"] == "62"
    assert len(saved["quotaSet"]["quotas"]) == 2
    national = {**gansu, "code": "national_x", "provincePrefix": ""}
    assert top_codes(await sapi.call(gansu_dispatcher, SAVE_SET, {"input": national})) == [
        "FORBIDDEN"]
    wrong = (await sapi.data(admin, CREATE, {"input": {
        "regionCode": COUNTY, "fundedOn": "2025-01-10", "quotaSet": "gansu_2025"}}))
    assert [e["field"] for e in wrong["createPilot"]["errors"]] == ["quotaSet"]
