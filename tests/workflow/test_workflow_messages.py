"""What a volunteer is told when 接单, 签到 or 签退 is refused: in Chinese (by default) and in
English, the instance's own numbers, states and times (in the caller's zone) in both."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from workflow_world import offer, volunteer_caller, world

from hub.auth import Caller, Role
from hub.localization import DEFAULT, Locale
from hub.schema.node import encode_id
from tests.seeded import Gql

ERRORS = "errors { field code message messageZh messageEn }"
ACCEPT = f"""mutation($id: ID!) {{ acceptDispatch(input: {{dispatchId: $id}}) {{ {ERRORS} }} }}"""
CHECK = f"""mutation($id: ID!, $lon: Float!, $lat: Float!) {{
  checkIn(input: {{dispatchId: $id, point: {{lon: $lon, lat: $lat}}}}) {{ {ERRORS} }} }}"""
UTC = Locale("en", ZoneInfo("UTC"), "UTC")
CJK = re.compile(r"[\u4e00-\u9fff]")


async def test_refusals_carry_their_details_in_both_languages(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, volunteers=1, starts_in=timedelta(minutes=30))
    dispatch_id = await offer(aconn, w.demand_id, w.volunteer_ids[0])
    await aconn.execute("UPDATE dispatch SET status = 'accepted' WHERE id = %s", (dispatch_id,))
    me, gid = volunteer_caller(w.volunteer_ids[0]), encode_id("Dispatch", dispatch_id)
    far = {"id": gid, "lon": w.lon + 0.01, "lat": w.lat}
    [error] = (await gql.data(CHECK, far, caller=me, locale=DEFAULT))["checkIn"]["errors"]
    assert error["code"] == "TOO_FAR" and error["message"] == error["messageZh"]
    metres = re.search(r"距服务地点 (\d+) 米，须在 500 米以内", error["messageZh"])
    assert metres and 850 < int(metres.group(1)) < 950
    assert f" is {metres.group(1)} m from the demand" in error["messageEn"]
    [error] = (await gql.data(ACCEPT, {"id": gid}, caller=me, locale=DEFAULT)
               )["acceptDispatch"]["errors"]
    assert error["code"] == "INVALID_TRANSITION"
    assert error["messageZh"] == f"派单 {dispatch_id} 当前为“已接单”，不能变为“已接单”"
    assert not CJK.search(error["messageEn"]) and "is accepted" in error["messageEn"]


async def test_times_in_refusals_are_in_the_callers_zone(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    for locale, offset in ((DEFAULT, "+08:00"), (UTC, "+00:00")):
        w = await world(aconn, volunteers=1)
        dispatch_id = await offer(aconn, w.demand_id, w.volunteer_ids[0])
        await aconn.execute("UPDATE dispatch SET offered_at = now() - interval '2 hours', "
                            "respond_by = now() - interval '1 hour' WHERE id = %s",
                            (dispatch_id,))
        me, gid = volunteer_caller(w.volunteer_ids[0]), encode_id("Dispatch", dispatch_id)
        out = await gql(ACCEPT, {"id": gid}, caller=me, locale=locale)
        assert out.data is not None
        [error] = out.data["acceptDispatch"]["errors"]
        assert error["code"] == "OFFER_EXPIRED"
        assert re.search(rf"的邀请已于 \S+{re.escape(offset)} 过期", error["messageZh"])
        assert re.search(rf"expired at \S+{re.escape(offset)}$", error["messageEn"])
        assert error["message"] == error["messageEn" if locale is UTC else "messageZh"]


PREVIEW = """mutation($code: String!, $from: DateTime!, $to: DateTime!) {
  previewDispatch(input: {regionCode: $code, from: $from, to: $to}) { plan { id } {ERRORS} } }
""".replace("{ERRORS}", ERRORS)


async def test_a_refused_preview_says_why_in_both_languages(gql: Gql):
    admin = Caller(role=Role.ADMIN, sub="admin-1")
    cases = [("410100000000", "2027-01-02T00:00:00+00:00", "2027-01-01T00:00:00+00:00",
              "INVALID_PERIOD", "结束时间 2027-01-01T08:00:00+08:00 不晚于开始时间 "
                                "2027-01-02T08:00:00+08:00"),
             ("629999", "2027-01-01T00:00:00+08:00", "2027-01-02T00:00:00+08:00",
              "UNKNOWN_REGION", "'629999' 不是已知的行政区划代码")]
    for code, start, end, expected, zh in cases:
        out = await gql.data(PREVIEW, {"code": code, "from": start, "to": end}, caller=admin,
                             locale=DEFAULT)
        [error] = out["previewDispatch"]["errors"]
        assert error["code"] == expected and error["messageZh"] == zh
        assert error["message"] == zh and not CJK.search(error["messageEn"])
