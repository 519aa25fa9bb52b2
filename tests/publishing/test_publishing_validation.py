"""Bad input is refused with coded errors naming the field and the value, in Chinese and
English, every error at once, and nothing is stored."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.publishing.conftest import (
    FAR_POINT,
    POINT,
    REGION,
    Api,
    Land,
    codes,
    gid,
    one,
    soon,
)
from tests.publishing.documents import (
    CREATE_ACTIVITY,
    CREATE_PROJECT,
    CREATE_STATION,
    NODE,
    SUBMIT,
    UPDATE_ACTIVITY,
    UPDATE_STATION,
)

AT_STATION = """query($id: ID!) { node(id: $id) { ... on Activity {
  station { id } location { lon lat } region { code } } } }"""


CLOSE_WHY = """mutation($id: ID!, $r: String) { closePublication(input: {id: $id, reason: $r})
  { errors { code field } } }"""


async def _count(conn: psycopg.AsyncConnection[Any], table: str) -> int:
    return int(await one(conn, f"SELECT count(*) FROM {table}"))


async def test_a_station_with_every_field_wrong(api: Api, land: Land,
                                                pconn: psycopg.AsyncConnection[Any]) -> None:
    dispatcher = api.token("dispatcher", "d", region="410300000000")
    before = await _count(pconn, "station")
    answer = (await api.data(dispatcher, CREATE_STATION, {"i": {
        "name": "站", "kind": "博物院", "location": FAR_POINT, "regionCode": REGION,
        "openingHours": [{"weekday": 8, "start": "09:00", "end": "17:00"}],
        "contactPhone": "12345"}}))["createStation"]
    assert answer["station"] is None
    found = {e["field"]: e for e in answer["errors"]}
    assert set(found) == {"name", "kind", "openingHours[0]", "contactPhone", "location"}
    assert "'站'" in found["name"]["messageEn"] and "'站'" in found["name"]["messageZh"]
    assert "博物院" in found["kind"]["messageEn"]
    assert "103.83" in found["location"]["messageEn"] and "不在" in found["location"]["messageZh"]
    assert "12345" not in found["contactPhone"]["messageEn"]  # a phone is shown masked
    assert await _count(pconn, "station") == before


async def test_a_station_in_an_unknown_region(api: Api, land: Land) -> None:
    admin = api.token("admin", "admin-1")
    answer = (await api.data(admin, CREATE_STATION, {"i": {
        "name": "科普站", "kind": "park", "location": POINT, "regionCode": "990000000000"}}))
    assert codes(answer["createStation"]) == ["UNKNOWN_REGION"]
    missing = (await api.data(admin, CREATE_STATION, {"i": {"name": "科普站"}}))["createStation"]
    assert {e["field"] for e in missing["errors"]} == {"kind", "location", "regionCode"}


async def test_an_activity_with_bad_times_skills_and_project(
        api: Api, land: Land, pconn: psycopg.AsyncConnection[Any]) -> None:
    organiser = api.token("org_admin", "team-admin", org=land.team)
    far_project = await one(pconn, "INSERT INTO project (name, owner_id, period) VALUES "
                                   "('兰州项目', %s, '[2027-01-01,2027-12-31)') RETURNING id",
                            (land.far_corps,))
    before = await _count(pconn, "activity")
    answer = (await api.data(organiser, CREATE_ACTIVITY, {"i": {
        "organizationId": gid("Organization", land.team), "title": "讲座",
        "category": "烹饪", "startsAt": soon(-1), "endsAt": soon(-2), "capacity": 0,
        "requiredSkills": ["health", "医疗健康"], "location": POINT, "regionCode": REGION,
        "projectId": gid("Project", far_project)}}))["createActivity"]
    found = {e["field"]: e["code"] for e in answer["errors"]}
    assert found == {"category": "INVALID", "startsAt": "WINDOW_STARTED", "endsAt": "INVALID",
                     "capacity": "INVALID", "requiredSkills[1]": "INVALID",
                     "projectId": "INVALID"}
    assert await _count(pconn, "activity") == before


async def test_an_activity_at_a_station_takes_its_place_and_region(
        api: Api, land: Land, pconn: psycopg.AsyncConnection[Any]) -> None:
    organiser = api.token("org_admin", "team-admin", org=land.team)
    made = (await api.data(organiser, CREATE_ACTIVITY, {"i": {
        "organizationId": gid("Organization", land.team), "title": "站点开放日",
        "category": "youth_science", "startsAt": soon(3), "endsAt": soon(3, 3), "capacity": 20,
        "stationId": gid("Station", land.station)}}))["createActivity"]
    assert made["errors"] == []
    placed = (await api.data(organiser, AT_STATION, {"id": made["activity"]["id"]}))["node"]
    assert placed == {"station": {"id": gid("Station", land.station)},
                      "location": {"lon": POINT["lon"], "lat": POINT["lat"]},
                      "region": {"code": REGION}}
    await pconn.execute("UPDATE station SET status = 'closed' WHERE id = %s", (land.station,))
    moved = (await api.data(organiser, UPDATE_ACTIVITY, {"i": {
        "id": made["activity"]["id"], "stationId": gid("Station", land.station)}}))
    assert codes(moved["updateActivity"]) == ["INVALID"]
    assert moved["updateActivity"]["errors"][0]["field"] == "stationId"


async def test_a_project_with_a_bad_period_and_amount(api: Api, land: Land) -> None:
    organiser = api.token("org_admin", "team-admin", org=land.team)
    answer = (await api.data(organiser, CREATE_PROJECT, {"i": {
        "ownerId": gid("Organization", land.team), "name": "项目",
        "startsOn": "2027-12-31", "endsOn": "2027-01-01", "fundingYuan": "-1",
        "subProgramme": "不存在的子项目"}}))["createProject"]
    assert {e["field"] for e in answer["errors"]} == {"endsOn", "fundingYuan", "subProgramme"}
    assert all(e["messageZh"] and e["messageEn"] for e in answer["errors"])


async def test_not_found_and_wrong_ids(api: Api, land: Land) -> None:
    admin = api.token("admin", "admin-1")
    missing = (await api.data(admin, SUBMIT, {"id": gid("Activity", 987654)}))
    assert codes(missing["submitForReview"]) == ["NOT_FOUND"]
    wrong = (await api.data(admin, SUBMIT, {"id": gid("Volunteer", 1)}))
    assert codes(wrong["submitForReview"]) == ["INVALID"]


async def test_unknown_operator_and_overlong_reason(api: Api, land: Land) -> None:
    admin = api.token("admin", "admin-1")
    answer = (await api.data(admin, CREATE_STATION, {"i": {
        "name": "科普站", "kind": "park", "location": POINT, "regionCode": REGION,
        "organizationId": gid("Organization", 987654)}}))["createStation"]
    assert [(e["code"], e["field"]) for e in answer["errors"]] == [("NOT_FOUND",
                                                                   "organizationId")]
    station = gid("Station", land.station)
    long = await api.data(admin, CLOSE_WHY, {"id": station, "r": "因" * 1001})
    assert codes(long["closePublication"]) == ["INVALID"]
    assert (await api.data(None, NODE, {"id": station}))["node"]["status"] == "active"
    windows = [{"weekday": 1 + n % 7, "start": "08:00", "end": "09:00"} for n in range(71)]
    many = (await api.data(admin, UPDATE_STATION, {"i": {"id": station,
                                                         "openingHours": windows}}))
    assert [(e["code"], e["field"]) for e in many["updateStation"]["errors"]] == [
        ("INVALID", "openingHours")]
