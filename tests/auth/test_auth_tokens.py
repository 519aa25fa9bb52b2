"""Token verification: the header, the signature, the algorithm, the claims, the secret file."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import stat
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from hub.auth import tokens
from hub.auth.ids import encode_global_id
from hub.auth.tokens import (
    ANONYMOUS,
    AuthConfigError,
    AuthError,
    Caller,
    Role,
    TokenVerifier,
    issue_token,
    load_or_create_secret,
)
from hub.settings import Settings

SECRET = secrets.token_urlsafe(48)
HS = Settings(jwt_secret=SECRET)
VOLUNTEER_SUB = encode_global_id("Volunteer", 42)


def _claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": "u-1", "role": "admin", "exp": int(time.time()) + 600}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _hs(claims: dict[str, Any], key: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _forge(header: dict[str, Any], claims: dict[str, Any], key: bytes | None) -> str:
    """A hand-built JWT, for attacks PyJWT itself refuses to produce."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = (
        b"" if key is None else hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    )
    return f"{signing_input}.{_b64(signature)}"


def _reason(verifier: TokenVerifier, header: str) -> str:
    with pytest.raises(AuthError) as info:
        verifier.caller_from_header(header)
    assert info.value.code == "UNAUTHENTICATED"
    assert str(info.value)
    return info.value.reason


@pytest.fixture(scope="module")
def hs() -> TokenVerifier:
    return TokenVerifier(HS)


@pytest.fixture(scope="module")
def rsa_private() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def rsa_public_pem(rsa_private: rsa.RSAPrivateKey) -> str:
    return (
        rsa_private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def rs(rsa_public_pem: str) -> TokenVerifier:
    return TokenVerifier(Settings(jwt_algorithm="RS256", jwt_public_key=rsa_public_pem))


# -- the header ---------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "   "])
def test_no_header_is_anonymous(hs: TokenVerifier, header: str | None) -> None:
    caller = hs.caller_from_header(header)
    assert caller is ANONYMOUS
    assert caller.is_anonymous and caller.role is Role.ANONYMOUS


@pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "Bearer a b", "Token abc"])
def test_malformed_header(hs: TokenVerifier, header: str) -> None:
    assert _reason(hs, header) == "malformed_header"


@pytest.mark.parametrize("token", ["not-a-jwt", "a.b.c", "...", "eyJhbGciOiJIUzI1NiJ9.e30"])
def test_malformed_token(hs: TokenVerifier, token: str) -> None:
    assert _reason(hs, f"Bearer {token}") == "malformed_token"


def test_scheme_is_case_insensitive(hs: TokenVerifier) -> None:
    assert hs.caller_from_header(f"bearer {_hs(_claims())}").role is Role.ADMIN


# -- good tokens --------------------------------------------------------------------------------


def test_issued_tokens_verify_for_every_role(hs: TokenVerifier) -> None:
    cases: list[tuple[dict[str, Any], Caller]] = [
        ({"sub": "a", "role": Role.ADMIN}, Caller(Role.ADMIN, "a")),
        (
            {"sub": "d", "role": "dispatcher", "region": "410100000000"},
            Caller(Role.DISPATCHER, "d", region="410100000000"),
        ),
        ({"sub": "o", "role": "org_admin", "org": 7}, Caller(Role.ORG_ADMIN, "o", org=7)),
        ({"sub": VOLUNTEER_SUB, "role": "volunteer"}, Caller(Role.VOLUNTEER, VOLUNTEER_SUB)),
        ({"sub": "p", "role": "partner"}, Caller(Role.PARTNER, "p")),
    ]
    for kwargs, expected in cases:
        caller = hs.caller_from_header("Bearer " + issue_token(HS, **kwargs))
        assert caller == expected
        assert caller.claims["sub"] == expected.sub
        assert not caller.is_anonymous
    volunteer = hs.caller_from_header(
        "Bearer " + issue_token(HS, sub=VOLUNTEER_SUB, role="volunteer")
    )
    assert volunteer.volunteer_id == 42


def test_issue_token_sets_iat_and_exp() -> None:
    claims = jwt.decode(
        issue_token(HS, sub="a", role="admin", ttl_s=120), SECRET, algorithms=["HS256"]
    )
    assert claims["exp"] - claims["iat"] == 120


@pytest.mark.parametrize(
    "org",
    [
        12,
        "12",
        encode_global_id("Organization", 12),
        encode_global_id("Organization", 12).rstrip("="),
        base64.urlsafe_b64encode(b"Organization:12").decode(),
    ],
)
def test_org_claim_forms(hs: TokenVerifier, org: int | str) -> None:
    caller = hs.caller_from_header(f"Bearer {_hs(_claims(role='org_admin', org=org))}")
    assert caller.org == 12


@pytest.mark.parametrize(
    "org", [0, -3, True, "twelve", encode_global_id("Volunteer", 12), [12], "Organization:12",
            "12\n", " 12", encode_global_id("Organization", 12) + "\n"]
)
def test_bad_org_claim(hs: TokenVerifier, org: object) -> None:
    assert _reason(hs, f"Bearer {_hs(_claims(role='org_admin', org=org))}") == "invalid_claim"


def test_region_may_be_an_integer(hs: TokenVerifier) -> None:
    token = _hs(_claims(role="dispatcher", region=410102000000))
    assert hs.caller_from_header(f"Bearer {token}").region == "410102000000"


@pytest.mark.parametrize("region", ["4101", "41010000000x", "000000000000", "0410100000000",
                                    "410100000000\n", " 410100000000", "４１０１００００００００"])
def test_bad_region_claim(hs: TokenVerifier, region: str) -> None:
    assert (
        _reason(hs, f"Bearer {_hs(_claims(role='dispatcher', region=region))}") == "invalid_claim"
    )


def test_caller_equality_ignores_raw_claims() -> None:
    a = Caller(Role.ADMIN, "a", claims={"x": 1})
    b = Caller(Role.ADMIN, "a", claims={"x": 2})
    assert a == b and hash(a) == hash(b)


# -- bad tokens ---------------------------------------------------------------------------------


def test_expired(hs: TokenVerifier) -> None:
    assert _reason(hs, f"Bearer {_hs(_claims(exp=int(time.time()) - 3600))}") == "expired"


def test_small_clock_skew_is_tolerated(hs: TokenVerifier) -> None:
    token = _hs(_claims(exp=int(time.time()) - 5))
    assert hs.caller_from_header(f"Bearer {token}").role is Role.ADMIN


def test_not_yet_valid(hs: TokenVerifier) -> None:
    assert _reason(hs, f"Bearer {_hs(_claims(nbf=int(time.time()) + 3600))}") == "not_yet_valid"


def test_bad_signature(hs: TokenVerifier) -> None:
    assert _reason(hs, f"Bearer {_hs(_claims(), key=secrets.token_urlsafe(48))}") == "bad_signature"


def test_tampered_payload(hs: TokenVerifier) -> None:
    header, _, signature = _hs(_claims(role="partner")).split(".")
    payload = _b64(json.dumps(_claims(role="admin")).encode())
    assert _reason(hs, f"Bearer {header}.{payload}.{signature}") == "bad_signature"


def test_missing_exp(hs: TokenVerifier) -> None:
    assert _reason(hs, f"Bearer {_hs(_claims(exp=None))}") == "missing_claim"


@pytest.mark.parametrize("claim", ["sub", "role"])
def test_missing_sub_or_role(hs: TokenVerifier, claim: str) -> None:
    assert _reason(hs, f"Bearer {_hs(_claims(**{claim: None}))}") == "missing_claim"


@pytest.mark.parametrize("role", ["superuser", "anonymous", "ADMIN", 3, ["admin"]])
def test_unknown_role(hs: TokenVerifier, role: object) -> None:
    assert _reason(hs, f"Bearer {_hs(_claims(role=role))}") == "unknown_role"


def test_dispatcher_without_region(hs: TokenVerifier) -> None:
    assert _reason(hs, f"Bearer {_hs(_claims(role='dispatcher'))}") == "missing_region"


def test_org_admin_without_org(hs: TokenVerifier) -> None:
    assert _reason(hs, f"Bearer {_hs(_claims(role='org_admin'))}") == "missing_org"


@pytest.mark.parametrize("sub", ["42", "volunteer-42", encode_global_id("Organization", 42)])
def test_volunteer_sub_must_be_a_volunteer_global_id(hs: TokenVerifier, sub: str) -> None:
    assert _reason(hs, f"Bearer {_hs(_claims(role='volunteer', sub=sub))}") == "invalid_claim"


# -- algorithms ---------------------------------------------------------------------------------


def test_alg_none_is_refused(hs: TokenVerifier) -> None:
    token = _forge({"alg": "none", "typ": "JWT"}, _claims(), key=None)
    assert _reason(hs, f"Bearer {token}") == "bad_algorithm"


def test_other_hmac_algorithm_is_refused(hs: TokenVerifier) -> None:
    token = _hs(_claims(), algorithm="HS512")
    assert _reason(hs, f"Bearer {token}") == "bad_algorithm"


def test_rs256_token_refused_when_hs256_configured(
    hs: TokenVerifier, rsa_private: rsa.RSAPrivateKey
) -> None:
    token = jwt.encode(_claims(), rsa_private, algorithm="RS256")
    assert _reason(hs, f"Bearer {token}") == "bad_algorithm"


def test_rs256_good_token(rs: TokenVerifier, rsa_private: rsa.RSAPrivateKey) -> None:
    token = jwt.encode(_claims(role="dispatcher", region="410100000000"), rsa_private, "RS256")
    caller = rs.caller_from_header(f"Bearer {token}")
    assert caller == Caller(Role.DISPATCHER, "u-1", region="410100000000")


def test_rs256_token_from_another_key(rs: TokenVerifier) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(_claims(), other, algorithm="RS256")
    assert _reason(rs, f"Bearer {token}") == "bad_signature"


def test_rs256_expired(rs: TokenVerifier, rsa_private: rsa.RSAPrivateKey) -> None:
    token = jwt.encode(_claims(exp=int(time.time()) - 3600), rsa_private, algorithm="RS256")
    assert _reason(rs, f"Bearer {token}") == "expired"


def test_algorithm_confusion_is_refused(rs: TokenVerifier, rsa_public_pem: str) -> None:
    """An HS256 token keyed with the public key PEM must not pass an RS256 verifier."""
    token = _forge({"alg": "HS256", "typ": "JWT"}, _claims(), key=rsa_public_pem.encode())
    assert _reason(rs, f"Bearer {token}") == "bad_algorithm"
    assert _reason(rs, f"Bearer {_hs(_claims())}") == "bad_algorithm"
    assert _reason(rs, f"Bearer {_forge({'alg': 'none'}, _claims(), key=None)}") == "bad_algorithm"


def test_public_key_may_be_a_file(tmp_path: Path, rsa_public_pem: str) -> None:
    path = tmp_path / "jwt.pub.pem"
    path.write_text(rsa_public_pem)
    assert TokenVerifier(Settings(jwt_algorithm="RS256", jwt_public_key=str(path))).algorithm


# -- configuration ------------------------------------------------------------------------------


def test_config_errors(rsa_private: rsa.RSAPrivateKey) -> None:
    ec_pem = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    bad = [
        Settings(),
        Settings(jwt_secret="too-short"),
        Settings(jwt_algorithm="RS256"),
        Settings(jwt_algorithm="RS256", jwt_public_key="not a key"),
        Settings(jwt_algorithm="RS256", jwt_public_key=ec_pem),
        Settings(jwt_algorithm="none", jwt_secret=SECRET),
    ]
    for settings in bad:
        with pytest.raises(AuthConfigError):
            TokenVerifier(settings)


def test_issue_token_refuses_bad_arguments() -> None:
    with pytest.raises(AuthConfigError):
        issue_token(Settings(jwt_algorithm="RS256", jwt_secret=SECRET), sub="a", role="admin")
    with pytest.raises(AuthConfigError):
        issue_token(Settings(), sub="a", role="admin")
    with pytest.raises(ValueError, match="region"):
        issue_token(HS, sub="d", role="dispatcher")
    with pytest.raises(ValueError, match="unknown"):
        issue_token(HS, sub="x", role="anonymous")
    with pytest.raises(ValueError, match="ttl_s"):
        issue_token(HS, sub="a", role="admin", ttl_s=0)


def test_issue_token_normalises_org() -> None:
    token = issue_token(HS, sub="o", role="org_admin", org=encode_global_id("Organization", 5))
    assert jwt.decode(token, SECRET, algorithms=["HS256"])["org"] == 5


# -- the demo secret ----------------------------------------------------------------------------


def test_load_or_create_secret(tmp_path: Path) -> None:
    home = tmp_path / ".hub"
    first = load_or_create_secret(home)
    path = home / "jwt.secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.encode()) >= 32
    assert load_or_create_secret(home) == first
    assert [p.name for p in home.iterdir()] == ["jwt.secret"]
    token = issue_token(Settings(jwt_secret=first), sub="a", role="admin")
    caller = TokenVerifier(Settings(jwt_secret=first)).caller_from_header(f"Bearer {token}")
    assert caller.role is Role.ADMIN


def test_load_or_create_secret_refuses_a_short_file(tmp_path: Path) -> None:
    (tmp_path / "jwt.secret").write_text("short\n")
    with pytest.raises(AuthConfigError):
        load_or_create_secret(tmp_path)


def test_a_verified_token_is_remembered_but_its_time_limits_are_checked_every_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    verifier = TokenVerifier(HS)
    now = time.time()
    token = _hs(_claims(exp=int(now) + 600, nbf=int(now) - 10))
    assert verifier.caller_from_token(token).role is Role.ADMIN
    decoded: list[str] = []
    real_decode = verifier._decode

    def counting_decode(text: str) -> dict[str, Any]:
        decoded.append(text)
        return real_decode(text)

    monkeypatch.setattr(verifier, "_decode", counting_decode)
    assert verifier.caller_from_token(token).role is Role.ADMIN
    assert decoded == []  # remembered: no second signature check
    # Past exp (and the leeway), or before nbf, the token is judged in full again.
    for moment in (now + 600 + tokens.LEEWAY_S + 1, now - 10 - tokens.LEEWAY_S - 1):
        monkeypatch.setattr(tokens.time, "time", lambda moment=moment: moment)
        verifier.caller_from_token(token)
    assert decoded == [token, token]
    # A token that failed is never remembered.
    bad = _hs(_claims(exp=int(now) + 600), key="another-secret-of-enough-bytes-32")
    for _ in range(2):
        with pytest.raises(AuthError):
            verifier.caller_from_token(bad)
    assert bad not in verifier._verified
