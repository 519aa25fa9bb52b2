"""Signing in with a phone and a one-time code (issue 14.1), through GraphQL against the seeded
database: the log gateway, the Tencent Cloud SMS SDK against a local stand-in, codes that are
single-use, short-lived and bounded in wrong guesses, rate limits, and ``me``."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import jwt
import psycopg
import pytest

from hub.auth import ANONYMOUS, Role
from hub.auth.ids import decode_global_id, encode_global_id
from hub.schema import build_schema
from hub.services import accounts
from hub.services.ratelimit import RateLimited
from tests.auth.providers import stand_in, tencent_sms
from tests.auth.signin_steps import (
    ME,
    REFRESH,
    caller_of,
    codes,
    give_phone,
    logged_code,
    request_code,
    sign_in,
    with_sign_in,
)
from tests.seeded import Gql, errors_of

PHONE = "13912340001"


async def test_a_resident_signs_in_with_a_code_the_log_gateway_wrote(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], caplog: pytest.LogCaptureFixture) -> None:
    code = await request_code(gql, "+86 139-1234-0001", caplog)
    cur = await aconn.execute("SELECT code_hash, expires_at - created_at FROM sign_in_code "
                              "ORDER BY id DESC LIMIT 1")
    stored, lifetime = await cur.fetchone() or (None, None)
    assert code.encode() not in bytes(stored) and len(stored) == 32  # an HMAC, not the code
    assert lifetime.total_seconds() == 300

    payload = await sign_in(gql, PHONE, code)
    assert payload["errors"] == []
    session = payload["session"]
    assert session["role"] == "resident" and session["accessTokenExpiresInS"] == 900
    caller = caller_of(gql, session)  # the usual verifier accepts it
    assert caller.role is Role.RESIDENT
    assert caller.account_id == decode_global_id(session["accountId"], type_name="Account")
    claims = jwt.decode(session["accessToken"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 900 and claims["exp"] > time.time()

    again = await sign_in(gql, PHONE, code)  # used once
    assert codes(again) == [("CODE_EXPIRED", "code")] and again["session"] is None
    assert again["errors"][0]["messageZh"] == "验证码已过期或已使用，请重新获取"

    me = (await gql.data(ME, caller=caller))["me"]
    assert me["account"] == {"id": session["accountId"], "kind": "resident",
                             "phone": "139****0001", "wechatLinked": False, "stationId": None}
    assert me["volunteer"] is None and me["offers"] == []
    assert (await gql.data("{ me { account { id } } }"))["me"] is None  # anonymous: no one


async def test_a_volunteers_mobile_signs_in_as_the_volunteer(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], caplog: pytest.LogCaptureFixture) -> None:
    volunteer_id = await give_phone(aconn, gql.cipher, "13912340002")
    session = (await sign_in(gql, "13912340002",
                             await request_code(gql, "13912340002", caplog)))["session"]
    caller = caller_of(gql, session)
    assert session["role"] == "volunteer" and caller.role is Role.VOLUNTEER
    assert caller.volunteer_id == volunteer_id and caller.account_id is not None
    me = (await gql.data(ME, caller=caller))["me"]
    assert me["account"]["kind"] == "volunteer"
    assert decode_global_id(me["volunteer"]["id"], type_name="Volunteer") == volunteer_id
    assert me["volunteer"]["phone"] is not None and "*" not in me["volunteer"]["phone"]  # own
    assert isinstance(me["volunteer"]["stars"], int)
    assert isinstance(me["volunteer"]["serviceRecords"], list)


async def test_wrong_guesses_are_bounded_and_codes_are_short_lived_and_superseded(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], caplog: pytest.LogCaptureFixture) -> None:
    code = await request_code(gql, PHONE, caplog)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        assert codes(await sign_in(gql, PHONE, wrong)) == [("CODE_INVALID", "code")]
    assert codes(await sign_in(gql, PHONE, wrong)) == [("TOO_MANY_GUESSES", "code")]
    assert codes(await sign_in(gql, PHONE, code)) == [("CODE_EXPIRED", "code")]  # burned

    code = await request_code(gql, PHONE, caplog)
    await aconn.execute("UPDATE sign_in_code SET created_at = now() - interval '10 minutes', "
                        "expires_at = now() - interval '5 minutes' WHERE used_at IS NULL")
    assert codes(await sign_in(gql, PHONE, code)) == [("CODE_EXPIRED", "code")]

    first = await request_code(gql, PHONE, caplog)
    second = await request_code(gql, PHONE, caplog)
    cur = await aconn.execute("SELECT used_at IS NULL FROM sign_in_code ORDER BY id DESC "
                              "LIMIT 2")
    assert await cur.fetchall() == [(True,), (False,)]  # the first is used up by the second
    assert (await sign_in(gql, PHONE, second))["session"] is not None
    assert first  # (either way, the first no longer signs in: checked by the counts above)

    assert codes(await sign_in(gql, PHONE, "12ab")) == [("INVALID", "code")]
    bad_phone = await gql.data("mutation { requestSignInCode(input: {phone: \"12345\"}) "
                               "{ errors { code field } } }")
    assert bad_phone["requestSignInCode"]["errors"] == [{"code": "INVALID", "field": "phone"}]


async def test_sending_and_guessing_are_rate_limited_per_phone_and_per_client(
        gql: Gql, caplog: pytest.LogCaptureFixture) -> None:
    limited = with_sign_in(gql, sends_per_phone_per_hour=2, sends_per_client_per_hour=3,
                           guesses_per_phone_per_hour=2, guesses_per_client_per_hour=3)
    for _ in range(2):
        await request_code(limited, PHONE, caplog)
    result = await limited("mutation($p: String!) { requestSignInCode(input: {phone: $p}) "
                           "{ expiresInS } }", {"p": PHONE})
    assert [c for c, _ in errors_of(result)] == ["RATE_LIMITED"]
    assert result.errors and result.errors[0].extensions["retryAfterS"] > 0

    code = await request_code(gql, "13912340005", caplog)
    for _ in range(2):
        assert codes(await sign_in(limited, "13912340005", "000000" if code != "000000"
                                   else "111111"))[0][0] == "CODE_INVALID"
    result = await limited("mutation($c: String!) { signInWithCode(input: {phone: "
                           "\"13912340005\", code: $c}) { session { role } } }", {"c": code})
    assert [c for c, _ in errors_of(result)] == ["RATE_LIMITED"]  # even the right code

    db, cipher, settings = limited.db, limited.cipher, limited.settings
    for k in range(3):  # per client, whatever the phone
        await accounts.request_code(db, cipher, settings, ANONYMOUS, f"1381234000{k}",
                                    client="203.0.113.9")
    with pytest.raises(RateLimited):
        await accounts.request_code(db, cipher, settings, ANONYMOUS, "13812340009",
                                    client="203.0.113.9")
    await accounts.request_code(db, cipher, settings, ANONYMOUS, "13812340008",
                                client="203.0.113.10")  # another client is not held back


SMS = {"sms_gateway": "tencent", "sms_secret_id": "AKIDstandin", "sms_secret_key": "s3cret",
       "sms_sdk_app_id": "1400000001", "sms_sign_name": "科技志愿", "sms_template_id": "449739"}


async def test_codes_go_out_through_tencent_clouds_sdk_to_its_endpoint(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]) -> None:
    with stand_in(tencent_sms) as provider:
        tencent = with_sign_in(gql, sms_endpoint=provider.url, **SMS)
        sent = await tencent.data("mutation($p: String!) { requestSignInCode(input: {phone: "
                                  "$p}) { expiresInS errors { code } } }", {"p": PHONE})
        refused = await tencent.data("mutation { requestSignInCode(input: {phone: "
                                     "\"13912340000\"}) { expiresInS errors { code field } } }")
    assert sent["requestSignInCode"] == {"expiresInS": 300, "errors": []}
    assert refused["requestSignInCode"] == {
        "expiresInS": None, "errors": [{"code": "SMS_UNAVAILABLE", "field": "phone"}]}
    request = provider.requests[0]
    assert request.method == "POST" and request.path == "/"
    assert request.headers["x-tc-action"] == "SendSms"
    assert request.headers["x-tc-version"] == "2021-01-11"
    assert request.headers["x-tc-region"] == "ap-guangzhou"
    assert request.headers["authorization"].startswith(
        "TC3-HMAC-SHA256 Credential=AKIDstandin/")  # signed by the SDK
    body = request.body
    assert body["PhoneNumberSet"] == ["+8613912340001"]
    assert (body["SmsSdkAppId"], body["SignName"], body["TemplateId"]) == (
        "1400000001", "科技志愿", "449739")
    code, minutes = body["TemplateParamSet"]
    assert minutes == "5" and len(code) == 6 and code.isdigit()

    session = (await sign_in(tencent, PHONE, code))["session"]
    assert session is not None and session["role"] == "resident"
    cur = await aconn.execute("SELECT count(*) FROM sign_in_code WHERE used_at IS NULL")
    assert await cur.fetchone() == (0,)  # the unsent code was used up at once


async def test_a_volunteer_who_erases_their_data_takes_their_accounts_with_them(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], caplog: pytest.LogCaptureFixture) -> None:
    phone = "13912340071"
    volunteer_id = await give_phone(aconn, gql.cipher, phone)
    session = (await sign_in(gql, phone, await request_code(gql, phone, caplog)))["session"]
    caller = caller_of(gql, session)
    exited = await gql.data("mutation($id: ID!) { exitVolunteer(input: {id: $id, "
                            "erasePersonalData: true}) { errors { code } } }",
                            {"id": encode_global_id("Volunteer", volunteer_id)}, caller=caller)
    assert exited["exitVolunteer"]["errors"] == []
    cur = await aconn.execute("SELECT phone_hash, phone_masked, disabled_at IS NOT NULL FROM "
                              "account WHERE volunteer_id = %s", (volunteer_id,))
    assert await cur.fetchone() == (None, None, True)
    refreshed = await gql.data(REFRESH, {"i": {"refreshToken": session["refreshToken"]}})
    assert codes(refreshed["refreshToken"]) == [("TOKEN_INVALID", "refreshToken")]
    again = (await sign_in(gql, phone, await request_code(gql, phone, caplog)))["session"]
    assert again["role"] == "resident"  # the phone is no one's now


async def test_the_sign_in_documents_are_registered_for_anonymous_only_deployments(
        gql: Gql, caplog: pytest.LogCaptureFixture) -> None:
    """With HUB_ANONYMOUS_REGISTERED_ONLY, a mini-program signs in by the documents' hashes."""
    strict = build_schema()
    held = Gql(gql.db, replace(gql.settings, anonymous_registered_only=True), gql.cipher)
    documents = {d.name: d for d in strict.trusted}
    assert {"RequestSignInCode", "SignInWithCode", "SignInWithWeChat", "RefreshToken",
            "SignOut"} <= set(documents)

    def by_hash(name: str) -> dict[str, Any]:
        return {"persistedQuery": {"version": 1, "sha256Hash": documents[name].id}}

    caplog.set_level(logging.WARNING, logger="hub.sms")
    sent = await held(None, {"input": {"phone": PHONE}}, on=strict,
                      extensions=by_hash("RequestSignInCode"))
    assert sent.errors is None and sent.data == {
        "requestSignInCode": {"expiresInS": 300, "errors": []}}
    signed_in = await held(None, {"input": {"phone": PHONE, "code": logged_code(caplog)}},
                           on=strict, extensions=by_hash("SignInWithCode"))
    assert signed_in.errors is None and signed_in.data is not None
    token = signed_in.data["signInWithCode"]["session"]["refreshToken"]
    for name, field in (("RefreshToken", "refreshToken"), ("SignOut", "signOut")):
        answer = await held(None, {"input": {"refreshToken": token}}, on=strict,
                            extensions=by_hash(name))
        assert answer.errors is None and answer.data is not None
        assert answer.data[field]["errors"] == []
        token = (answer.data[field].get("session") or {}).get("refreshToken", token)
    unregistered = await held(
        "mutation { signOut(input: {refreshToken: \"x\"}) { signedOut } }", on=strict)
    assert [c for c, _ in errors_of(unregistered)] == ["PERSISTED_QUERY_NOT_IN_LIST"]
