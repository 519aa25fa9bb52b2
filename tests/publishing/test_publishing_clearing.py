"""Updates clear an optional link or value given as an explicit null, and leave a field left
out as it is: a station's organisation and contact phone, an activity's project and station,
a project's category, sub-programme and funding."""

from __future__ import annotations

from typing import Any

import psycopg

from tests.publishing.conftest import POINT, REGION, Api, Land, gid, key_of, soon
from tests.publishing.documents import (
    CREATE_ACTIVITY,
    CREATE_PROJECT,
    CREATE_STATION,
    UPDATE_ACTIVITY,
    UPDATE_PROJECT,
    UPDATE_STATION,
)


async def _row(conn: psycopg.AsyncConnection[Any], sql: str, key: int) -> tuple[Any, ...]:
    cur = await conn.execute(sql, (key,))
    found = await cur.fetchone()
    assert found is not None
    return tuple(found)


async def _ok(api: Api, who: str, document: str, data: dict[str, Any], name: str
              ) -> dict[str, Any]:
    answer = (await api.data(who, document, {"i": data}))[name]
    assert answer["errors"] == [], answer["errors"]
    return dict(answer)


async def test_a_station_loses_its_organisation_and_phone_only_when_told(
        api: Api, land: Land, pconn: psycopg.AsyncConnection[Any]) -> None:
    admin = api.token("admin", "admin-1")
    made = await _ok(api, admin, CREATE_STATION, {
        "name": "西工区科普活动室", "kind": "community_facility", "location": POINT,
        "regionCode": REGION, "organizationId": gid("Organization", land.team),
        "contactPhone": "13800138000"}, "createStation")
    station = key_of(made["station"]["id"])
    columns = "SELECT organization_id, contact_phone_masked FROM station WHERE id = %s"
    assert await _row(pconn, columns, station) == (land.team, "138****8000")

    await _ok(api, admin, UPDATE_STATION, {"id": made["station"]["id"], "name": "西工区科普室"},
              "updateStation")  # left out: kept
    assert await _row(pconn, columns, station) == (land.team, "138****8000")
    cleared = await _ok(api, admin, UPDATE_STATION, {
        "id": made["station"]["id"], "organizationId": None, "contactPhone": None},
        "updateStation")
    assert cleared["station"]["contactPhone"] is None
    assert await _row(pconn, columns, station) == (None, None)
    await _ok(api, admin, UPDATE_STATION, {"id": made["station"]["id"],
                                           "organizationId": gid("Organization", land.squad)},
              "updateStation")
    assert await _row(pconn, columns, station) == (land.squad, None)


async def test_an_activity_leaves_its_project_and_station_keeping_its_place(
        api: Api, land: Land, pconn: psycopg.AsyncConnection[Any]) -> None:
    organiser = api.token("org_admin", "team-admin", org=land.team)
    project = await _ok(api, organiser, CREATE_PROJECT, {
        "ownerId": gid("Organization", land.team), "name": "社区科普月",
        "startsOn": "2030-01-01", "endsOn": "2030-12-31"}, "createProject")
    made = await _ok(api, organiser, CREATE_ACTIVITY, {
        "organizationId": gid("Organization", land.team), "title": "站点开放日",
        "category": "youth_science", "startsAt": soon(3), "endsAt": soon(3, 3),
        "capacity": 20, "stationId": gid("Station", land.station),
        "projectId": project["project"]["id"]}, "createActivity")
    activity = key_of(made["activity"]["id"])
    columns = ("SELECT project_id, station_id, region_code, ST_X(location_geom) FROM activity "
               "WHERE id = %s")
    linked = (key_of(project["project"]["id"]), land.station, REGION, POINT["lon"])
    assert await _row(pconn, columns, activity) == linked
    await _ok(api, organiser, UPDATE_ACTIVITY, {"id": made["activity"]["id"], "capacity": 25},
              "updateActivity")
    assert await _row(pconn, columns, activity) == linked
    await _ok(api, organiser, UPDATE_ACTIVITY, {"id": made["activity"]["id"],
                                                "projectId": None, "stationId": None},
              "updateActivity")
    assert await _row(pconn, columns, activity) == (None, None, REGION, POINT["lon"])


async def test_a_project_loses_its_category_sub_programme_and_funding(
        api: Api, land: Land, pconn: psycopg.AsyncConnection[Any]) -> None:
    organiser = api.token("org_admin", "team-admin", org=land.team)
    made = await _ok(api, organiser, CREATE_PROJECT, {
        "ownerId": gid("Organization", land.team), "name": "科普惠农行动",
        "startsOn": "2030-01-01", "endsOn": "2030-06-30", "category": "health",
        "subProgramme": "助力新时代文明实践中心建设", "fundingYuan": "5000.00"}, "createProject")
    project = key_of(made["project"]["id"])
    columns = "SELECT category, sub_programme, funding_yuan FROM project WHERE id = %s"
    category, sub_programme, funding = await _row(pconn, columns, project)
    assert category and sub_programme and funding == 5000
    await _ok(api, organiser, UPDATE_PROJECT, {"id": made["project"]["id"],
                                               "description": "说明"}, "updateProject")
    assert await _row(pconn, columns, project) == (category, sub_programme, funding)
    await _ok(api, organiser, UPDATE_PROJECT, {"id": made["project"]["id"], "category": None,
                                               "subProgramme": None, "fundingYuan": None},
              "updateProject")
    assert await _row(pconn, columns, project) == (None, None, None)
    # A bad value is still refused, naming the field.
    bad = (await api.data(organiser, UPDATE_PROJECT, {"i": {
        "id": made["project"]["id"], "category": "不存在"}}))["updateProject"]
    assert [(e["code"], e["field"]) for e in bad["errors"]] == [("INVALID", "category")]
