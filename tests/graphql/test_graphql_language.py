"""Language and time over HTTP (issue 13, point 4): messages in Chinese by default and in
English when Accept-Language prefers it, codes unchanged; DateTime values in the caller's zone
(Asia/Shanghai by default, Time-Zone / X-Time-Zone to choose), naive inputs read in it; the
JSON PostgreSQL writes (mapLayer) agrees. Through the whole HTTP app on the seeded PostGIS, in
the test's rolled-back transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest

from hub.schema.node import encode_id

CJK = range(0x4E00, 0xA000)
BAD_ID = '{ node(id: "not-base64!!") { id } }'
DEMANDS = """query($f: DemandFilter) { demands(first: 50, filter: $f) {
  totalCount edges { node { id category requiredSkills startsAt } } } }"""
RAISE = """mutation($input: RaiseDemandInput!) { raiseDemand(input: $input) {
  demand { id category requiredSkills startsAt }
  errors { field code message messageZh messageEn } } }"""


def chinese(text: str) -> bool:
    return any(ord(ch) in CJK for ch in text)


async def post(client: httpx.AsyncClient, query: str, variables: dict[str, Any] | None = None,
               **headers: str) -> dict[str, Any]:
    sent = {k.replace("_", "-"): v for k, v in headers.items()}
    response = await client.post("/graphql", json={"query": query, "variables": variables},
                                 headers=sent)
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(("accept", "language"), [
    (None, "zh"), ("zh-CN,zh;q=0.9", "zh"), ("en-US,en;q=0.9", "en"), ("en", "en"),
    ("fr, en;q=0.5", "en"), ("en;q=0.2, zh-TW", "zh"), ("*", "zh"), ("de", "zh"),
    ("en;q=0", "zh"), ("en;q=bad, zh;q=0.1", "zh"),
])
async def test_messages_follow_accept_language(admin_http: httpx.AsyncClient, accept: str | None,
                                               language: str):
    headers = {"Accept_Language": accept} if accept else {}
    [error] = (await post(admin_http, BAD_ID, **headers))["errors"]
    extensions = error["extensions"]
    assert extensions["code"] == "BAD_USER_INPUT"
    assert chinese(extensions["messageZh"]) and not chinese(extensions["messageEn"])
    assert "is not a global ID" in extensions["messageEn"]
    assert error["message"] == extensions["messageZh" if language == "zh" else "messageEn"]


async def test_refusals_before_execution_in_both_languages(admin_http: httpx.AsyncClient):
    batch = await admin_http.post("/graphql", json=[{"query": "{ __typename }"}])
    [error] = batch.json()["errors"]
    assert batch.status_code == 400 and error["extensions"]["code"] == "BATCHING_NOT_SUPPORTED"
    assert error["message"] == error["extensions"]["messageZh"] == "不支持批量请求，请逐个发送"
    english = await admin_http.post("/graphql", json=[], headers={"Accept-Language": "en"})
    [error] = english.json()["errors"]
    assert error["message"] == error["extensions"]["messageEn"]
    assert "batched requests" in error["message"]
    for accept in (None, "en"):
        bad = await admin_http.post("/graphql", json={"query": "{ __typename }"}, headers={
            "Authorization": "Bearer not.a.token", **({"Accept-Language": accept} if accept
                                                       else {})})
        [error] = bad.json()["errors"]
        assert bad.status_code == 401 and error["extensions"]["code"] == "UNAUTHENTICATED"
        assert error["extensions"]["messageZh"] == "身份验证失败：令牌无效或已过期"
        assert error["message"] == error["extensions"]["messageEn" if accept else "messageZh"]
        assert not chinese(error["extensions"]["messageEn"])


async def test_payload_errors_in_both_languages(admin_http: httpx.AsyncClient,
                                                aconn: psycopg.AsyncConnection[Any]):
    station = (await (await aconn.execute("SELECT min(id) FROM station")).fetchone() or [0])[0]
    bad = _demand(station, category="烹饪")
    for accept in (None, "en"):
        out = (await post(admin_http, RAISE, {"input": bad},
                          **({"Accept_Language": accept} if accept else {})))
        [error] = out["data"]["raiseDemand"]["errors"]
        assert (error["field"], error["code"]) == ("category", "INVALID")
        assert "不是可选的服务类别" in error["messageZh"]
        assert "health（医疗健康）" in error["messageZh"]
        assert "is not one of" in error["messageEn"] and "health (Health)" in error["messageEn"]
        assert error["message"] == error["messageEn" if accept else "messageZh"]


def _demand(station: int, **extra: Any) -> dict[str, Any]:
    starts = datetime.now(ZoneInfo("Asia/Shanghai")).replace(
        hour=9, minute=0, second=0, microsecond=0) + timedelta(days=3)
    return {"title": "老年人健康讲座", "category": "health", "needed": 1,
            "stationId": encode_id("Station", station), "startsAt": starts.isoformat(),
            "endsAt": (starts + timedelta(hours=2)).isoformat(), **extra}


@pytest.mark.parametrize(("headers", "zone"), [
    ({}, "Asia/Shanghai"), ({"Time_Zone": "UTC"}, "UTC"),
    ({"X_Time_Zone": "America/New_York"}, "America/New_York"),
    ({"Time_Zone": "Asia/Kathmandu", "Accept_Language": "en"}, "Asia/Kathmandu"),
])
async def test_times_go_out_in_the_callers_zone(admin_http: httpx.AsyncClient,
                                                headers: dict[str, str], zone: str):
    edges = (await post(admin_http, DEMANDS, **headers))["data"]["demands"]["edges"]
    baseline = (await post(admin_http, DEMANDS))["data"]["demands"]["edges"]
    assert edges and len(edges) == len(baseline)
    for edge, base in zip(edges, baseline, strict=True):
        moment = datetime.fromisoformat(edge["node"]["startsAt"])
        assert moment == datetime.fromisoformat(base["node"]["startsAt"])  # the same instant
        assert moment.utcoffset() == moment.astimezone(ZoneInfo(zone)).utcoffset()
    assert all(b["node"]["startsAt"].endswith("+08:00") for b in baseline)
    # The map layer's JSON is written by PostgreSQL: in the same zone, the same text.
    layer = await post(admin_http, "{ mapLayer(layer: DEMANDS, bbox: {west: 73, south: 18, "
                               "east: 135, north: 54}, limit: 10000) }", **headers)
    written = {f["id"]: f["properties"]["startsAt"] for f in layer["data"]["mapLayer"]["features"]}
    shown = {e["node"]["id"]: e["node"]["startsAt"] for e in edges}
    common = set(written) & set(shown)
    assert common and all(written[i] == shown[i] for i in common)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "../../etc/passwd", "Asia", "x" * 300])
async def test_an_unknown_time_zone_is_coded_in_both_languages(admin_http: httpx.AsyncClient,
                                                               name: str):
    for accept in (None, "en"):
        response = await admin_http.post("/graphql", json={"query": "{ __typename }"}, headers={
            "Time-Zone": name, **({"Accept-Language": accept} if accept else {})})
        [error] = response.json()["errors"]
        assert response.status_code == 400 and error["extensions"]["code"] == "BAD_USER_INPUT"
        assert "不是 IANA 时区名称" in error["extensions"]["messageZh"]
        assert "is not an IANA time zone" in error["extensions"]["messageEn"]
        assert error["message"] == error["extensions"]["messageEn" if accept else "messageZh"]


@pytest.mark.parametrize(("zone", "offset"), [("UTC", "+00:00"), (None, "+08:00"),
                                              ("Asia/Urumqi", "+06:00")])
async def test_naive_inputs_are_read_in_the_callers_zone(
        admin_http: httpx.AsyncClient, aconn: psycopg.AsyncConnection[Any], zone: str | None,
        offset: str):
    station = (await (await aconn.execute("SELECT min(id) FROM station")).fetchone() or [0])[0]
    day = (datetime.now() + timedelta(days=4)).date().isoformat()
    naive = _demand(station, startsAt=f"{day}T09:00:00", endsAt=f"{day}T11:00:00")
    out = (await post(admin_http, RAISE, {"input": naive},
                      **({"Time_Zone": zone} if zone else {})))["data"]["raiseDemand"]
    assert out["errors"] == []
    assert out["demand"]["startsAt"] == f"{day}T09:00:00{offset}"
    stored = await (await aconn.execute(
        "SELECT lower(time_window) FROM demand ORDER BY id DESC LIMIT 1")).fetchone()
    assert stored is not None
    assert stored[0] == datetime.fromisoformat(f"{day}T09:00:00{offset}")


@pytest.mark.parametrize(("zone", "offset"), [(None, "+08:00"), ("UTC", "+00:00")])
async def test_a_refused_demand_says_why_in_both_languages_and_the_callers_zone(
        admin_http: httpx.AsyncClient, aconn: psycopg.AsyncConnection[Any], zone: str | None,
        offset: str):
    station = (await (await aconn.execute("SELECT min(id) FROM station")).fetchone() or [0])[0]
    past = datetime.now(ZoneInfo("UTC")).replace(microsecond=0) - timedelta(hours=1)
    bad = _demand(station, needed=0, title="x", startsAt=past.isoformat(),
                  endsAt=(past + timedelta(days=5)).isoformat())
    out = await post(admin_http, RAISE, {"input": bad}, **({"Time_Zone": zone} if zone else {}))
    errors = {e["field"]: e for e in out["data"]["raiseDemand"]["errors"]}
    assert set(errors) == {"needed", "title", "startsAt", "endsAt"}
    for error in errors.values():
        assert chinese(error["messageZh"]) and not chinese(error["messageEn"])
        assert error["message"] == error["messageZh"]
    shown = past.astimezone(ZoneInfo(zone or "Asia/Shanghai")).isoformat()
    assert shown.endswith(offset)
    assert errors["startsAt"]["messageZh"] == f"开始时间 {shown} 已经过去"
    assert errors["startsAt"]["messageEn"] == f"{shown} is not in the future"
    assert "服务时段超过 72 小时" in errors["endsAt"]["messageZh"]
