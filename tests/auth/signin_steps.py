"""Documents and steps the sign-in tests share (test_auth_signin*.py)."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

import psycopg
import pytest

from hub.auth import ANONYMOUS, Caller
from hub.auth.tokens import TokenVerifier
from hub.pii import PiiCipher
from tests.seeded import Gql

REQUEST = ("mutation($i: RequestSignInCodeInput!) { requestSignInCode(input: $i) "
           "{ expiresInS errors { code field message messageZh messageEn } } }")
SESSION = ("session { accessToken accessTokenExpiresInS refreshToken refreshTokenExpiresInS "
           "role accountId } errors { code field messageZh messageEn }")
SIGN_IN = "mutation($i: SignInWithCodeInput!) { signInWithCode(input: $i) { " + SESSION + " } }"
WECHAT = ("mutation($i: SignInWithWeChatInput!) { signInWithWeChat(input: $i) { " + SESSION
          + " } }")
REFRESH = "mutation($i: RefreshTokenInput!) { refreshToken(input: $i) { " + SESSION + " } }"
SIGN_OUT = ("mutation($i: SignOutInput!) { signOut(input: $i) { signedOut errors { code } } }")
ME = ("{ me { account { id kind phone wechatLinked stationId } offers { id state } "
      "timeOff { startsAt endsAt note } volunteer { id serviceRadiusM phone "
      "skills { skill level } availability { weekday start end } stars totalHours "
      "pointsBalance timeBankBalance serviceRecords { id } serviceCertificates { code } } } }")
_LOGGED = re.compile(r"sign-in code for \S+: (\d{6}) ")


def logged_code(caplog: pytest.LogCaptureFixture) -> str:
    """The last code the ``log`` gateway wrote."""
    codes = [m.group(1) for r in caplog.records if r.name == "hub.sms"
             for m in [_LOGGED.search(r.getMessage())] if m]
    assert codes, "the log gateway wrote no code"
    return codes[-1]


async def request_code(gql: Gql, phone: str, caplog: pytest.LogCaptureFixture) -> str:
    """Ask for a code through GraphQL; the code the log gateway wrote."""
    caplog.set_level(logging.WARNING, logger="hub.sms")
    answer = (await gql.data(REQUEST, {"i": {"phone": phone}}))["requestSignInCode"]
    assert answer["errors"] == [] and answer["expiresInS"] == gql.settings.sign_in.code_ttl_s
    return logged_code(caplog)


async def sign_in(gql: Gql, phone: str, code: str) -> dict[str, Any]:
    """signInWithCode's payload."""
    return (await gql.data(SIGN_IN, {"i": {"phone": phone, "code": code}}))["signInWithCode"]


def caller_of(gql: Gql, session: dict[str, Any]) -> Caller:
    """The caller the hub's usual verifier makes of a session's access token."""
    return TokenVerifier(gql.settings).caller_from_header(f"Bearer {session['accessToken']}")


def with_sign_in(gql: Gql, **changes: Any) -> Gql:
    """The same database and cipher, other sign-in settings."""
    settings = replace(gql.settings, sign_in=replace(gql.settings.sign_in, **changes))
    return Gql(gql.db, settings, gql.cipher)


async def give_phone(aconn: psycopg.AsyncConnection[Any], cipher: PiiCipher, phone: str) -> int:
    """Give the first active seeded volunteer this mobile (its keyed hash); their id."""
    cur = await aconn.execute(
        "UPDATE volunteer SET phone_hash = %s WHERE id = (SELECT min(id) FROM volunteer "
        "WHERE status = 'active') RETURNING id", (cipher.blind_index(phone, field="phone"),))
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    """(code, field) of a payload's errors."""
    return [(e["code"], e["field"]) for e in payload["errors"]]


__all__ = ["ANONYMOUS", "ME", "REFRESH", "SIGN_OUT", "WECHAT", "caller_of", "codes",
           "give_phone", "logged_code", "request_code", "sign_in", "with_sign_in"]
