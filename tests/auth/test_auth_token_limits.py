"""Token lifetimes: each role's tokens may live at most its maximum (HUB_TOKEN_MAX_TTL_S)."""

from __future__ import annotations

import secrets
import time
from dataclasses import replace

import jwt
import pytest

from hub.auth.ids import encode_global_id
from hub.auth.tokens import AuthError, TokenVerifier, issue_token
from hub.settings import TOKEN_MAX_TTL_S, Settings, SettingsError

SECRET = secrets.token_urlsafe(48)
HS = Settings(jwt_secret=SECRET)
CLAIMS = {"admin": {}, "dispatcher": {"region": "410100000000"}, "org_admin": {"org": 7},
          "volunteer": {}, "partner": {}, "resident": {}, "station_staff": {}}
SUBS = {"volunteer": encode_global_id("Volunteer", 42),
        "resident": encode_global_id("Account", 5), "station_staff": encode_global_id("Account", 6)}


def _token(role: str, *, lifetime_s: float, iat: bool = True) -> str:
    now = int(time.time())
    sub = SUBS.get(role, "u-1")
    claims = {"sub": sub, "role": role, "exp": now + int(lifetime_s), **CLAIMS[role]}
    if iat:
        claims["iat"] = now
    return jwt.encode(claims, SECRET, algorithm="HS256")


@pytest.mark.parametrize("role", sorted(TOKEN_MAX_TTL_S))
def test_each_role_has_a_maximum_lifetime(role: str) -> None:
    verifier = TokenVerifier(HS)
    longest = TOKEN_MAX_TTL_S[role]
    assert verifier.caller_from_token(_token(role, lifetime_s=longest)).role.value == role
    with pytest.raises(AuthError) as refused:
        verifier.caller_from_token(_token(role, lifetime_s=longest + 3600))
    assert refused.value.reason == "too_long_lived" and refused.value.code == "UNAUTHENTICATED"
    with pytest.raises(AuthError):  # no iat: counted from now
        verifier.caller_from_token(_token(role, lifetime_s=longest + 3600, iat=False))


def test_the_maximum_is_configurable_and_issue_token_keeps_to_it() -> None:
    settings = replace(HS, token_max_ttl_s=(("admin", 60),))
    verifier = TokenVerifier(settings)
    with pytest.raises(AuthError):
        verifier.caller_from_token(_token("admin", lifetime_s=3600))
    with pytest.raises(ValueError, match="at most 60 s"):
        issue_token(settings, sub="a", role="admin", ttl_s=3600)
    assert verifier.caller_from_token(issue_token(settings, sub="a", role="admin", ttl_s=60))


def test_a_non_numeric_iat_is_refused() -> None:
    claims = {"sub": "u", "role": "admin", "exp": int(time.time()) + 60, "iat": "yesterday"}
    with pytest.raises(AuthError):
        TokenVerifier(HS).caller_from_token(jwt.encode(claims, SECRET, algorithm="HS256"))


@pytest.mark.parametrize("text", ["admin=0", "admin", "root=60", "admin=ten", "admin=-5"])
def test_bad_settings_name_key_and_value(text: str) -> None:
    with pytest.raises(SettingsError, match="HUB_TOKEN_MAX_TTL_S"):
        Settings.from_env({"HUB_TOKEN_MAX_TTL_S": text})
    assert dict(Settings.from_env({"HUB_TOKEN_MAX_TTL_S": "admin=60, partner=120"})
                .token_max_ttl_s)["partner"] == 120
