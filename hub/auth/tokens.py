"""Who the caller is: ``Authorization: Bearer <JWT>`` verified with PyJWT.

A token carries ``sub``, ``role``, ``exp`` and, by role, ``region`` (a dispatcher's 12-digit
division code) or ``org`` (an org admin's organization). No header means anonymous; a header
that is present but bad is an :class:`AuthError` (``UNAUTHENTICATED``), never anonymous access.

Accepted ``org`` claim forms (all normalised to the numeric organization id):

* an integer, ``12``;
* a numeric string, ``"12"``;
* a relay global ID, base64 of ``"Organization:12"`` (standard or URL-safe, padding optional).

A volunteer's ``sub`` must be their global ID (base64 of ``"Volunteer:<id>"``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from hub.auth.ids import decode_global_id, is_division_code
from hub.auth.keys import AuthConfigError, hs256_secret, load_public_key
from hub.auth.keys import load_or_create_secret as load_or_create_secret  # re-exported
from hub.settings import Settings

LEEWAY_S = 30
"""Clock skew tolerated on ``exp``, ``nbf`` and ``iat``."""

VERIFIED_CACHE = 4096
"""Tokens remembered as verified (the memory is emptied when full)."""

SUPPORTED_ALGORITHMS = frozenset({"HS256", "RS256"})


class Role(StrEnum):
    """What a caller is; ``ANONYMOUS`` is never accepted inside a token."""

    ADMIN = "admin"
    DISPATCHER = "dispatcher"
    ORG_ADMIN = "org_admin"
    VOLUNTEER = "volunteer"
    PARTNER = "partner"
    RESIDENT = "resident"  # 群众 signed in with a phone code or WeChat (issue 14)
    STATION_STAFF = "station_staff"  # a station's staff, signed in the same way
    ANONYMOUS = "anonymous"
    SYSTEM = "system"  # the hub itself: CLI commands, seeding, background work; never a token


TOKEN_ROLES = frozenset(Role) - {Role.ANONYMOUS, Role.SYSTEM}
ACCOUNT_ROLES = frozenset({Role.RESIDENT, Role.STATION_STAFF})
"""Roles whose ``sub`` is an Account global ID (a volunteer's is their Volunteer's)."""
ACCOUNT_CLAIM = "acct"
"""The signed-in account's numeric id, in tokens the hub issues at sign-in."""
STATION_CLAIM = "station"
"""A station staff member's station (numeric id), in tokens the hub issues at sign-in."""
FAMILY_CLAIM = "fam"
"""The refresh family (a UUID) of a token the hub issues at sign-in: revoking the family (sign-out)
refuses the token on every process (hub.services.revocation)."""


class AuthError(Exception):
    """The credentials are present but unacceptable; reported as ``UNAUTHENTICATED``.

    ``reason`` is a short machine-readable key (``expired``, ``bad_signature``, ``bad_algorithm``,
    ``malformed_header``, ``malformed_token``, ``missing_claim``, ``invalid_claim``,
    ``unknown_role``, ``missing_region``, ``missing_org``, ``not_yet_valid``,
    ``too_long_lived``, ``invalid``).
    """

    code: ClassVar[str] = "UNAUTHENTICATED"

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class Caller:
    """The verified caller. ``claims`` holds the raw token claims (excluded from ``==``/hash)."""

    role: Role
    sub: str | None = None
    region: str | None = None
    org: int | None = None
    claims: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_anonymous(self) -> bool:
        """Whether no token was presented."""
        return self.role is Role.ANONYMOUS

    @property
    def volunteer_id(self) -> int | None:
        """The numeric volunteer id of a volunteer caller (decoded from ``sub``), else ``None``."""
        if self.role is not Role.VOLUNTEER or self.sub is None:
            return None
        return decode_global_id(self.sub, type_name="Volunteer")

    @property
    def account_id(self) -> int | None:
        """The account a token issued at sign-in speaks for (issue 14), else ``None``."""
        if self.role in ACCOUNT_ROLES and self.sub is not None:
            return decode_global_id(self.sub, type_name="Account")
        value = self.claims.get(ACCOUNT_CLAIM)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def family(self) -> uuid.UUID | None:
        """The refresh family of a token issued at sign-in (checked by caller_from_claims)."""
        value = self.claims.get(FAMILY_CLAIM)
        return uuid.UUID(value) if isinstance(value, str) else None

    @property
    def station_id(self) -> int | None:
        """The station a station-staff caller works at (the ``station`` claim), else ``None``."""
        if self.role is not Role.STATION_STAFF:
            return None
        value = self.claims.get(STATION_CLAIM)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 \
            else None


ANONYMOUS = Caller(role=Role.ANONYMOUS)
SYSTEM = Caller(role=Role.SYSTEM, sub="system")
"""The explicit caller of CLI commands and background work (``hub import``, ``hub match``)."""


def _parse_org(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str):
        if value != value.strip() or not value:  # claims are taken whole, never trimmed
            return None
        if value.isascii() and value.isdigit():
            return int(value) if int(value) > 0 else None
        return decode_global_id(value, type_name="Organization")
    return None


def _parse_region(value: object) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and is_division_code(value):
        return value
    return None


def caller_from_claims(claims: Mapping[str, Any]) -> Caller:
    """Build a :class:`Caller` from already-verified claims, checking role-specific claims."""
    for name in ("sub", "role"):
        if claims.get(name) in (None, ""):
            raise AuthError(f"token is missing the required claim {name!r}", reason="missing_claim")
    sub = claims["sub"]
    if not isinstance(sub, str):
        raise AuthError(f"token claim 'sub' must be a string, got {sub!r}", reason="invalid_claim")
    raw_role = claims["role"]
    if not isinstance(raw_role, str) or raw_role not in {r.value for r in TOKEN_ROLES}:
        allowed = ", ".join(sorted(r.value for r in TOKEN_ROLES))
        raise AuthError(
            f"token role {raw_role!r} is unknown (expected one of {allowed})", reason="unknown_role"
        )
    role = Role(raw_role)

    region: str | None = None
    if claims.get("region") is not None:
        region = _parse_region(claims["region"])
        if region is None:
            raise AuthError(
                f"token claim 'region' must be a 12-digit division code, got {claims['region']!r}",
                reason="invalid_claim",
            )
    org: int | None = None
    if claims.get("org") is not None:
        org = _parse_org(claims["org"])
        if org is None:
            raise AuthError(
                "token claim 'org' must be a positive integer, a numeric string or an "
                f"Organization global ID, got {claims['org']!r}",
                reason="invalid_claim",
            )

    if role is Role.DISPATCHER and region is None:
        raise AuthError("a dispatcher token must carry a 'region' claim", reason="missing_region")
    if role is Role.ORG_ADMIN and org is None:
        raise AuthError("an org_admin token must carry an 'org' claim", reason="missing_org")
    if role is Role.VOLUNTEER and (sub != sub.strip()
                                   or decode_global_id(sub, type_name="Volunteer") is None):
        raise AuthError(
            f"a volunteer token's 'sub' must be a Volunteer global ID, got {sub!r}",
            reason="invalid_claim",
        )
    if role in ACCOUNT_ROLES and (sub != sub.strip()
                                  or decode_global_id(sub, type_name="Account") is None):
        raise AuthError(f"a {role.value} token's 'sub' must be an Account global ID, got {sub!r}",
                        reason="invalid_claim")
    if FAMILY_CLAIM in claims and not _is_uuid(claims[FAMILY_CLAIM]):
        raise AuthError(f"token claim {FAMILY_CLAIM!r} must be a UUID", reason="invalid_claim")
    return Caller(role=role, sub=sub, region=region, org=org, claims=dict(claims))


def _is_uuid(value: object) -> bool:
    try:
        return isinstance(value, str) and str(uuid.UUID(value)) == value
    except ValueError:
        return False


class TokenVerifier:
    """Turns an ``Authorization`` header into a :class:`Caller`; the algorithm is pinned."""

    def __init__(self, settings: Settings) -> None:
        algorithm = settings.jwt_algorithm
        if algorithm not in SUPPORTED_ALGORITHMS:
            raise AuthConfigError(
                f"Config 'HUB_JWT_ALGORITHM' must be HS256 or RS256, got {algorithm!r}."
            )
        self.algorithm = algorithm
        self.max_ttl_s = dict(settings.token_max_ttl_s)
        self._verified: dict[str, tuple[Caller, float, float]] = {}
        self._key: str | RSAPublicKey
        if algorithm == "RS256":
            if not settings.jwt_public_key:
                raise AuthConfigError(
                    "Config 'HUB_JWT_PUBLIC_KEY' is missing, and RS256 has no default."
                )
            self._key = load_public_key(settings.jwt_public_key)
        else:
            self._key = hs256_secret(settings)

    def caller_from_header(self, authorization: str | None) -> Caller:
        """``None`` or empty → :data:`ANONYMOUS`; ``Bearer <jwt>`` → the verified caller."""
        if authorization is None or not authorization.strip():
            return ANONYMOUS
        parts = authorization.split()
        if len(parts) != 2 or parts[0].lower() != "bearer":
            raise AuthError(
                "the Authorization header must be 'Bearer <token>'", reason="malformed_header"
            )
        return self.caller_from_token(parts[1])

    def caller_from_token(self, token: str) -> Caller:
        """Verify ``token`` (signature, ``exp`` required, pinned algorithm) and build the caller.

        A token verified before is not verified again (~0.1 ms each, on every request of a
        signed-in client): its signature cannot have changed, and its time limits (``exp``,
        ``nbf``) are checked again on every use.
        """
        known = self._verified.get(token)
        if known is not None:
            caller, not_before, expires = known
            now = time.time()
            if not_before - LEEWAY_S <= now < expires + LEEWAY_S:  # as PyJWT judges them
                return caller
        claims = self._decode(token)
        caller = caller_from_claims(claims)
        self._check_lifetime(claims, caller.role)
        if len(self._verified) >= VERIFIED_CACHE:
            self._verified.clear()
        self._verified[token] = (caller, float(claims.get("nbf", float("-inf"))),
                                 float(claims["exp"]))
        return caller

    def _check_lifetime(self, claims: Mapping[str, Any], role: Role) -> None:
        """A token may live at most its role's maximum (``HUB_TOKEN_MAX_TTL_S``), counted from
        ``iat`` (or from now, without one)."""
        limit = self.max_ttl_s.get(role.value)
        if limit is None:
            return
        issued = claims.get("iat", time.time())
        if not isinstance(issued, int | float) or isinstance(issued, bool):
            raise AuthError("token claim 'iat' must be a number", reason="invalid_claim")
        lifetime = float(claims["exp"]) - float(issued)
        if lifetime > limit + LEEWAY_S:
            raise AuthError(f"a {role.value} token may live at most {limit} s; this one lives "
                            f"{int(lifetime)} s", reason="too_long_lived")

    def _decode(self, token: str) -> dict[str, Any]:
        try:
            alg = jwt.get_unverified_header(token).get("alg")
        except jwt.InvalidTokenError:
            raise AuthError(
                "the bearer token is not a well-formed JWT", reason="malformed_token"
            ) from None
        if alg != self.algorithm:
            raise AuthError(
                f"token algorithm {alg!r} is not accepted (expected {self.algorithm})",
                reason="bad_algorithm",
            )
        try:
            return jwt.decode(
                token,
                self._key,
                algorithms=[self.algorithm],
                options={"require": ["exp"]},
                leeway=LEEWAY_S,
            )
        except jwt.ExpiredSignatureError:
            raise AuthError("token has expired", reason="expired") from None
        except jwt.InvalidSignatureError:
            raise AuthError("token signature is invalid", reason="bad_signature") from None
        except jwt.MissingRequiredClaimError as exc:
            raise AuthError(
                f"token is missing the required claim {exc.claim!r}", reason="missing_claim"
            ) from None
        except jwt.ImmatureSignatureError:
            raise AuthError("token is not yet valid", reason="not_yet_valid") from None
        except jwt.InvalidAlgorithmError:
            raise AuthError(
                f"token algorithm is not accepted (expected {self.algorithm})",
                reason="bad_algorithm",
            ) from None
        except jwt.DecodeError:
            raise AuthError(
                "the bearer token is not a well-formed JWT", reason="malformed_token"
            ) from None
        except jwt.InvalidTokenError as exc:
            raise AuthError(f"token is invalid: {exc}", reason="invalid") from None


def issue_token(
    settings: Settings,
    *,
    sub: str,
    role: Role | str,
    region: str | None = None,
    org: int | str | None = None,
    ttl_s: int = 3600,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """Sign an HS256 token with ``settings.jwt_secret`` (demo, console sign-in, tests).

    The claims are checked exactly as :class:`TokenVerifier` checks them, so a token this
    issues always verifies; a bad argument raises ``ValueError``.
    """
    if settings.jwt_algorithm != "HS256":
        raise AuthConfigError(
            f"issue_token signs HS256 only; 'HUB_JWT_ALGORITHM' is {settings.jwt_algorithm!r}."
        )
    if ttl_s <= 0:
        raise ValueError(f"ttl_s must be positive, got {ttl_s}")
    longest = settings.max_token_ttl_s(str(role))
    if longest is not None and ttl_s > longest:
        raise ValueError(f"a {role} token may live at most {longest} s "
                         f"(HUB_TOKEN_MAX_TTL_S), asked for {ttl_s} s")
    secret = hs256_secret(settings)
    now = int(time.time())
    claims: dict[str, Any] = {**(extra or {}), "sub": sub, "role": str(role), "iat": now,
                              "exp": now + ttl_s}
    if region is not None:
        claims["region"] = region
    if org is not None:
        claims["org"] = org
    try:
        caller = caller_from_claims(claims)
    except AuthError as exc:
        raise ValueError(exc.message) from None
    if caller.org is not None:
        claims["org"] = caller.org
    return jwt.encode(claims, secret, algorithm="HS256")
