"""WeChat mini-program sign-in against a local stand-in for ``/sns/jscode2session``, refresh
token rotation and reuse detection, sign-out, station staff, and a volunteer's own profile
(issue 14.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from hub.auth import Role
from hub.auth.actions import Denied
from hub.auth.ids import encode_global_id
from hub.auth.tokens import SYSTEM
from hub.services import profile
from tests.auth.providers import stand_in, wechat
from tests.auth.signin_steps import (
    ME,
    REFRESH,
    SIGN_OUT,
    WECHAT,
    caller_of,
    codes,
    give_phone,
    request_code,
    sign_in,
    with_sign_in,
)
from tests.seeded import Gql, errors_of

PHONE = "13912340011"
APP = {"wechat_app_id": "wx-standin-app", "wechat_app_secret": "wx-secret"}


async def test_a_wechat_login_is_linked_once_then_signs_in_by_itself(
        gql: Gql, caplog: pytest.LogCaptureFixture) -> None:
    with stand_in(wechat) as provider:
        wx = with_sign_in(gql, wechat_api_base=provider.url, **APP)
        unlinked = (await wx.data(WECHAT, {"i": {"code": "good-code"}}))["signInWithWeChat"]
        assert codes(unlinked) == [("WECHAT_NOT_LINKED", "code")]
        assert unlinked["session"] is None

        phone_code = await request_code(wx, PHONE, caplog)
        linked = (await wx.data(WECHAT, {"i": {"code": "good-code", "phone": PHONE,
                                               "phoneCode": phone_code}}))["signInWithWeChat"]
        assert linked["errors"] == [] and linked["session"]["role"] == "resident"
        alone = (await wx.data(WECHAT, {"i": {"code": "good-code"}}))["signInWithWeChat"]
        assert alone["session"]["accountId"] == linked["session"]["accountId"]

        refused = (await wx.data(WECHAT, {"i": {"code": "forged"}}))["signInWithWeChat"]
        assert codes(refused) == [("WECHAT_REJECTED", "code")]
        assert "40029" in refused["errors"][0]["messageEn"]

        # Signed in (by phone), a resident links a second WeChat to their own account ...
        other = caller_of(wx, (await sign_in(wx, "13912340012", await request_code(
            wx, "13912340012", caplog)))["session"])
        mine = (await wx.data(WECHAT, {"i": {"code": "second-code"}}, caller=other)
                )["signInWithWeChat"]
        assert mine["session"]["accountId"] == encode_global_id("Account", other.account_id)
        # ... but not a third to an account that has one.
        taken = (await wx.data(WECHAT, {"i": {"code": "third-code"}}, caller=other)
                 )["signInWithWeChat"]
        assert codes(taken) == [("WECHAT_LINKED_ELSEWHERE", "code")]
    me = (await wx.data(ME, caller=caller_of(wx, alone["session"])))["me"]
    assert me["account"]["wechatLinked"] is True

    asked = provider.requests[0]
    assert asked.method == "GET" and asked.path == "/sns/jscode2session"
    assert asked.query == {"appid": ["wx-standin-app"], "secret": ["wx-secret"],
                           "js_code": ["good-code"], "grant_type": ["authorization_code"]}


async def test_wechat_sign_in_unconfigured_or_unreachable_is_refused_in_the_payload(
        gql: Gql) -> None:
    refused = (await gql.data(WECHAT, {"i": {"code": "good-code"}}))["signInWithWeChat"]
    assert codes(refused) == [("WECHAT_REJECTED", "code")]
    assert "HUB_WECHAT_APP_ID" in refused["errors"][0]["messageEn"]
    with stand_in(wechat) as gone:
        pass  # its port is closed now
    down = with_sign_in(gql, wechat_api_base=gone.url, **APP)
    refused = (await down.data(WECHAT, {"i": {"code": "good-code"}}))["signInWithWeChat"]
    assert codes(refused) == [("WECHAT_REJECTED", "code")]
    assert refused["errors"][0]["messageEn"] == "WeChat could not be reached"
    assert refused["errors"][0]["messageZh"] == "微信登录失败，请重新进入小程序"


async def _session(gql: Gql, phone: str, caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    return (await sign_in(gql, phone, await request_code(gql, phone, caplog)))["session"]


async def _refresh(gql: Gql, token: str) -> dict[str, Any]:
    return (await gql.data(REFRESH, {"i": {"refreshToken": token}}))["refreshToken"]


async def test_refresh_tokens_rotate_and_a_reused_one_revokes_its_family(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], caplog: pytest.LogCaptureFixture) -> None:
    first = await _session(gql, PHONE, caplog)
    second = (await _refresh(gql, first["refreshToken"]))["session"]
    assert second["refreshToken"] != first["refreshToken"]
    assert second["accountId"] == first["accountId"]
    assert caller_of(gql, second).role is Role.RESIDENT  # a fresh access token
    reused = await _refresh(gql, first["refreshToken"])
    assert codes(reused) == [("TOKEN_REUSED", "refreshToken")] and reused["session"] is None
    assert codes(await _refresh(gql, second["refreshToken"])) == [
        ("TOKEN_INVALID", "refreshToken")]  # its family is revoked
    other = await _session(gql, PHONE, caplog)  # another sign-in: another family, untouched
    assert (await _refresh(gql, other["refreshToken"]))["session"] is not None

    signed_in = await _session(gql, PHONE, caplog)
    out = await gql.data(SIGN_OUT, {"i": {"refreshToken": signed_in["refreshToken"]}})
    assert out["signOut"] == {"signedOut": True, "errors": []}
    assert codes(await _refresh(gql, signed_in["refreshToken"])) == [
        ("TOKEN_INVALID", "refreshToken")]
    unknown = await gql.data(SIGN_OUT, {"i": {"refreshToken": "hr1.never-issued"}})
    assert unknown["signOut"] == {"signedOut": False, "errors": [{"code": "TOKEN_INVALID"}]}

    late = await _session(gql, PHONE, caplog)
    await aconn.execute("UPDATE refresh_token SET created_at = now() - interval '40 days', "
                        "expires_at = now() - interval '10 days' WHERE used_at IS NULL")
    assert codes(await _refresh(gql, late["refreshToken"])) == [
        ("TOKEN_INVALID", "refreshToken")]  # expired
    cur = await aconn.execute("SELECT count(*) FROM refresh_token WHERE token_hash = %s",
                              (late["refreshToken"].encode(),))
    assert await cur.fetchone() == (0,)  # stored hashed


async def test_station_staff_sign_in_as_staff_of_their_station(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], caplog: pytest.LogCaptureFixture) -> None:
    cur = await aconn.execute("SELECT min(id) FROM station")
    (station,) = await cur.fetchone() or (None,)
    await profile.add_station_staff(gql.db, gql.cipher, SYSTEM, "13912340021", station)
    session = await _session(gql, "13912340021", caplog)
    caller = caller_of(gql, session)
    assert session["role"] == "station_staff" and caller.role is Role.STATION_STAFF
    assert caller.claims["station"] == station
    account = (await gql.data(ME, caller=caller))["me"]["account"]
    assert account["kind"] == "station_staff"
    assert account["stationId"] == encode_global_id("Station", station)
    with pytest.raises(Denied):
        await profile.add_station_staff(gql.db, gql.cipher, caller, "13912340022", station)


async def test_a_volunteer_changes_their_own_profile_and_nothing_half_applies(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], caplog: pytest.LogCaptureFixture) -> None:
    await give_phone(aconn, gql.cipher, "13912340031")
    caller = caller_of(gql, await _session(gql, "13912340031", caplog))
    start = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    update = ("mutation($i: UpdateMyProfileInput!) { updateMyProfile(input: $i) { volunteer "
              "{ serviceRadiusM skills { skill level } availability { weekday start end } } "
              "errors { code field messageZh messageEn } } }")
    changes = {"skills": [{"skill": "health", "level": 3}],
               "availability": [{"weekday": 6, "start": "09:00", "end": "12:00"}],
               "timeOff": [{"startsAt": start.isoformat(),
                            "endsAt": (start + timedelta(days=2)).isoformat(), "note": "出差"}],
               "serviceRadiusM": 3000}
    done = (await gql.data(update, {"i": changes}, caller=caller))["updateMyProfile"]
    assert done["errors"] == []
    assert done["volunteer"] == {"serviceRadiusM": 3000,
                                 "skills": [{"skill": "health", "level": 3}],
                                 "availability": [{"weekday": 6, "start": "09:00",
                                                   "end": "12:00"}]}
    me = (await gql.data(ME, caller=caller))["me"]
    assert [t["note"] for t in me["timeOff"]] == ["出差"]
    assert datetime.fromisoformat(me["timeOff"][0]["startsAt"]) == start

    bad = {"serviceRadiusM": 50, "availability": [],
           "timeOff": [{"startsAt": start.isoformat(), "endsAt": start.isoformat()}]}
    refused = (await gql.data(update, {"i": bad}, caller=caller))["updateMyProfile"]
    assert sorted(codes(refused)) == [("INVALID", "serviceRadiusM"), ("INVALID", "timeOff[0]")]
    assert any("50" in e["messageZh"] for e in refused["errors"])
    unknown_skill = (await gql.data(update, {"i": {"skills": [{"skill": "welding"}],
                                                   "serviceRadiusM": 2000}}, caller=caller))
    assert codes(unknown_skill["updateMyProfile"]) == [("INVALID", "skills")]
    me = (await gql.data(ME, caller=caller))["me"]
    assert me["volunteer"]["serviceRadiusM"] == 3000 and len(me["timeOff"]) == 1
    assert len(me["volunteer"]["availability"]) == 1  # none of the refused changes applied

    resident = caller_of(gql, await _session(gql, "13912340032", caplog))
    not_mine = await gql(update, {"i": {"serviceRadiusM": 2000}}, caller=resident)
    assert [c for c, _ in errors_of(not_mine)] == ["FORBIDDEN"]
