"""Signing in without the CLI (issue 14.1): a phone and a one-time code, or WeChat.

* **Codes** (``requestSignInCode``): six random digits, stored as an HMAC under the hub's data
  key (never the code), valid ``HUB_SIGN_IN_CODE_TTL_S``, used once, superseded by a newer
  code, and burned after ``HUB_SIGN_IN_CODE_MAX_GUESSES`` wrong guesses. Sending and guessing
  are rate-limited per phone and per client (``rate_limit``, hub.services.ratelimit).
* **Accounts**: the first sign-in of a phone makes its account: a volunteer's when a registered
  volunteer has that mobile, else a resident's (群众). Station staff accounts are made by an
  admin (:func:`hub.services.profile.add_station_staff`). A WeChat openid (code2session) is
  linked to an account once: by signing in with it together with a phone code, or while
  signed in.
* **Tokens**: a short-lived access token (``HUB_ACCESS_TOKEN_TTL_S``), a JWT the usual verifier
  checks (a volunteer's ``sub`` is their Volunteer ID; a resident's or station staff's, their
  Account ID), and an opaque refresh token stored as its SHA-256. Each refresh rotates it; a
  rotated token presented again revokes its whole family (reuse detection), as does
  ``signOut``. Concurrent uses of one refresh token wait on its row lock: exactly one rotates.
  An access token names its family (``fam``); once the family is revoked, every hub process
  refuses it (hub.services.revocation).

A refusal that must be remembered (a wrong guess, a burned code, a revoked family) is
committed before it is raised.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from enum import StrEnum

from hub.auth.actions import Action, require
from hub.auth.ids import encode_global_id
from hub.auth.tokens import ACCOUNT_CLAIM, FAMILY_CLAIM, STATION_CLAIM, Caller, Role, issue_token
from hub.pii import PiiCipher, mask_phone
from hub.registration.errors import FieldError
from hub.registration.phone import parse_mobile
from hub.services import ratelimit, sms, wechat
from hub.services.workflow_errors import WorkflowError
from hub.settings import Settings
from hub.store import accounts as store
from hub.store import volunteers
from hub.store.base import Database, Row

log = logging.getLogger(__name__)
CODE_DIGITS = 6
HOUR_S = 3600
REFRESH_PREFIX = "hr1."
_ROLE_OF_KIND = {"volunteer": Role.VOLUNTEER, "resident": Role.RESIDENT,
                 "station_staff": Role.STATION_STAFF}


class Code(StrEnum):
    """Why a sign-in was refused (each mutation's error enum is a subset)."""

    INVALID = "INVALID"
    CODE_INVALID = "CODE_INVALID"
    CODE_EXPIRED = "CODE_EXPIRED"
    TOO_MANY_GUESSES = "TOO_MANY_GUESSES"
    SMS_UNAVAILABLE = "SMS_UNAVAILABLE"
    WECHAT_REJECTED = "WECHAT_REJECTED"
    WECHAT_NOT_LINKED = "WECHAT_NOT_LINKED"
    WECHAT_LINKED_ELSEWHERE = "WECHAT_LINKED_ELSEWHERE"
    TOKEN_INVALID = "TOKEN_INVALID"
    TOKEN_REUSED = "TOKEN_REUSED"
    ACCOUNT_DISABLED = "ACCOUNT_DISABLED"
    NOT_A_VOLUNTEER = "NOT_A_VOLUNTEER"
    NOT_FOUND = "NOT_FOUND"
    EXITED = "EXITED"


class AccountError(WorkflowError):
    """A refused sign-in step (answered in the mutation's payload, as workflow refusals are)."""

    def __init__(self, code: Code, field: str, message: str,
                 message_zh: str | None = None) -> None:
        super().__init__(code, field, message, message_zh)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Tokens:
    """What a sign-in or a refresh gives the client."""

    access_token: str
    access_expires_in_s: int
    refresh_token: str
    refresh_expires_in_s: int
    account_id: int
    role: Role


def parse_phone(text: str) -> str:
    try:
        return parse_mobile(text, field="phone")
    except FieldError as exc:
        raise AccountError(Code.INVALID, "phone", f"{exc.value!r}: {exc.reason}"
                           if exc.value else exc.reason) from None


def _bucket(kind: str, key: str | bytes) -> str:
    text = key.hex()[:32] if isinstance(key, bytes) else key[:120]
    return f"sign-in:{kind}:{text}"


async def _limit(db: Database, kind: str, phone_hash: bytes | None, client: str | None, *,
                 per_phone: int, per_client: int) -> None:
    if phone_hash is not None:
        await ratelimit.check(db, bucket=_bucket(f"{kind}:phone", phone_hash), limit=per_phone,
                              window_s=HOUR_S, what=f"sign-in {kind}s for this phone")
    if client:
        await ratelimit.check(db, bucket=_bucket(f"{kind}:client", client), limit=per_client,
                              window_s=HOUR_S, what=f"sign-in {kind}s from this client")


async def _counted_phone(db: Database, cipher: PiiCipher, settings: Settings, caller: Caller,
                         phone_text: str, kind: str, client: str | None) -> tuple[str, bytes]:
    """The caller may sign in, the phone is a mobile, and this ``kind`` of attempt (``code``:
    a send, ``guess``: a sign-in) is within its limits: the phone and its keyed hash."""
    require(caller, Action.ACCOUNT_SIGN_IN)
    conf = settings.sign_in
    phone = parse_phone(phone_text)
    phone_hash = cipher.blind_index(phone, field="phone")
    if kind == "code":
        per_phone, per_client = conf.sends_per_phone_per_hour, conf.sends_per_client_per_hour
    else:
        per_phone, per_client = conf.guesses_per_phone_per_hour, conf.guesses_per_client_per_hour
    await _limit(db, kind, phone_hash, client, per_phone=per_phone, per_client=per_client)
    return phone, phone_hash


def _code_hash(cipher: PiiCipher, phone: str, code: str) -> bytes:
    return cipher.blind_index(f"{phone}:{code}", field="sign_in_code")


async def request_code(db: Database, cipher: PiiCipher, settings: Settings, caller: Caller,
                       phone_text: str, *, client: str | None) -> int:
    """Send a new sign-in code to a mobile; the seconds it is valid."""
    conf = settings.sign_in
    phone, phone_hash = await _counted_phone(db, cipher, settings, caller, phone_text, "code",
                                             client)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    async with db.transaction() as tx:
        code_id = await store.create_code(tx, phone_hash=phone_hash,
                                          code_hash=_code_hash(cipher, phone, code),
                                          ttl_s=conf.code_ttl_s)
    try:
        await sms.gateway(conf).send_code(phone, code, conf.code_ttl_s)
    except (sms.SmsError, OSError, ValueError) as exc:
        log.error("sign-in code for %s not sent: %s", mask_phone(phone), exc)
        async with db.transaction() as tx:
            await store.update_code_used(tx, code_id=code_id)
        raise AccountError(Code.SMS_UNAVAILABLE, "phone", "the text message could not be "
                                                          "sent; try again later") from None
    return conf.code_ttl_s


def _access(settings: Settings, account: Row, family: uuid.UUID) -> str:
    """An access token naming its refresh family, so that revoking the family refuses it."""
    role = _ROLE_OF_KIND[account["kind"]]
    ttl = settings.sign_in.access_token_ttl_s
    if role is Role.VOLUNTEER:
        return issue_token(settings, sub=encode_global_id("Volunteer", account["volunteer_id"]),
                           role=role, ttl_s=ttl, extra={ACCOUNT_CLAIM: account["id"],
                                                        FAMILY_CLAIM: str(family)})
    extra: dict[str, object] = {FAMILY_CLAIM: str(family)}
    if account["station_id"]:
        extra[STATION_CLAIM] = account["station_id"]
    return issue_token(settings, sub=encode_global_id("Account", account["id"]), role=role,
                       ttl_s=ttl, extra=extra)


async def _issue(tx: Database, settings: Settings, account: Row,
                 family: uuid.UUID | None = None) -> Tokens:
    """Tokens for an account (inside the caller's transaction): a new family unless given."""
    if account["disabled_at"] is not None:
        raise AccountError(Code.ACCOUNT_DISABLED, "input", "the account is disabled")
    conf = settings.sign_in
    refresh = REFRESH_PREFIX + secrets.token_urlsafe(32)
    family = family or uuid.uuid4()
    await store.create_refresh(tx, account_id=account["id"], family=family,
                               token_hash=_refresh_hash(refresh), ttl_s=conf.refresh_token_ttl_s)
    await store.update_signed_in(tx, account_id=account["id"])
    return Tokens(_access(settings, account, family), conf.access_token_ttl_s, refresh,
                  conf.refresh_token_ttl_s, int(account["id"]), _ROLE_OF_KIND[account["kind"]])


def _refresh_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def _account_of_phone(tx: Database, phone: str, phone_hash: bytes) -> Row:
    """The phone's account, made at its first sign-in (a resident's or, for a registered
    volunteer's mobile, theirs); a resident who has since registered becomes the volunteer."""
    account = await store.get_by_phone(tx, phone_hash=phone_hash)
    volunteer_id = None
    if account is None or account["kind"] == "resident":
        volunteer_id = await volunteers.get_id_by_phone(tx, phone_hash=phone_hash)
    if account is None:
        await store.create(tx, kind="volunteer" if volunteer_id else "resident",
                           phone_hash=phone_hash, phone_masked=mask_phone(phone),
                           volunteer_id=volunteer_id)
    elif volunteer_id is not None:
        await store.update_volunteer(tx, account_id=account["id"], volunteer_id=volunteer_id)
    account = await store.get_by_phone(tx, phone_hash=phone_hash)
    if account is None:  # the volunteer signs in under another phone already
        raise AccountError(Code.INVALID, "phone", "this volunteer already has an account under "
                                                  "another phone")
    return account


async def _check_code(tx: Database, cipher: PiiCipher, settings: Settings, phone: str,
                      phone_hash: bytes, code: str) -> Code | None:
    """Use up the phone's live code if ``code`` is it; else count the guess (what refused)."""
    row = await store.lock_live_code(tx, phone_hash=phone_hash)
    if row is None:
        return Code.CODE_EXPIRED
    if row["expired"]:
        await store.update_code_used(tx, code_id=row["id"])
        return Code.CODE_EXPIRED
    if hmac.compare_digest(bytes(row["code_hash"]), _code_hash(cipher, phone, code)):
        await store.update_code_used(tx, code_id=row["id"])
        return None
    wrong = await store.update_wrong_guesses(tx, code_id=row["id"])
    if wrong >= settings.sign_in.code_max_guesses:
        await store.update_code_used(tx, code_id=row["id"])
        return Code.TOO_MANY_GUESSES
    return Code.CODE_INVALID


_CODE_REFUSALS = {
    Code.CODE_EXPIRED: "the code has expired or was used; ask for a new one",
    Code.CODE_INVALID: "the code is wrong",
    Code.TOO_MANY_GUESSES: "too many wrong codes; ask for a new one",
}


async def sign_in_with_code(db: Database, cipher: PiiCipher, settings: Settings, caller: Caller,
                            phone_text: str, code: str, *, client: str | None,
                            openid: str | None = None) -> Tokens:
    """Sign in with a mobile and the code sent to it (linking ``openid`` when given)."""
    phone, phone_hash = await _counted_phone(db, cipher, settings, caller, phone_text, "guess",
                                             client)
    code = code.strip()
    if len(code) != CODE_DIGITS or not (code.isascii() and code.isdigit()):
        raise AccountError(Code.INVALID, "code", f"the code is {CODE_DIGITS} digits")
    async with db.transaction() as tx:
        refused = await _check_code(tx, cipher, settings, phone, phone_hash, code)
    if refused is not None:  # the guess is counted (committed) before it is refused
        raise AccountError(refused, "code", _CODE_REFUSALS[refused])
    async with db.transaction() as tx:
        account = await _account_of_phone(tx, phone, phone_hash)
        # Kept (encrypted) for text messages to residents and staff (sql/0032); an account made
        # before that gets it here, at its next sign-in.
        await store.update_phone(tx, account_id=account["id"],
                                 phone_enc=cipher.encrypt(phone, field="phone"))
        if openid is not None:
            account = await _link(tx, account, openid)
        return await _issue(tx, settings, account)


async def _link(tx: Database, account: Row, openid: str) -> Row:
    if account["wechat_openid"] == openid:
        return account
    other = await store.get_by_openid(tx, openid=openid)
    if other is not None or not await store.update_openid(tx, account_id=account["id"],
                                                          openid=openid):
        raise AccountError(Code.WECHAT_LINKED_ELSEWHERE, "code", "this WeChat or this account "
                                                                 "is linked already")
    found = await store.get(tx, account_id=account["id"])
    assert found is not None
    return found


async def sign_in_with_wechat(db: Database, cipher: PiiCipher, settings: Settings,
                              caller: Caller, js_code: str, *, client: str | None,
                              phone: str | None = None, phone_code: str | None = None) -> Tokens:
    """Sign in with a mini-program ``wx.login()`` code. An openid not linked yet is linked to
    the account of ``phone`` (with its sign-in code), or to the signed-in caller's account."""
    require(caller, Action.ACCOUNT_SIGN_IN)
    conf = settings.sign_in
    if not js_code.strip() or len(js_code) > 256:
        raise AccountError(Code.INVALID, "code", "give the code wx.login() returned")
    await _limit(db, "wechat", None, client, per_phone=0,
                 per_client=conf.guesses_per_client_per_hour)
    try:
        session = await wechat.code2session(conf, js_code.strip())
    except wechat.WeChatError as exc:
        raise AccountError(Code.WECHAT_REJECTED, "code", str(exc)) from None
    async with db.transaction() as tx:
        account = await store.get_by_openid(tx, openid=session.openid)
        if account is not None:
            return await _issue(tx, settings, account)
        if phone is None and caller.account_id is not None:
            mine = await store.get(tx, account_id=caller.account_id)
            if mine is not None:
                return await _issue(tx, settings, await _link(tx, mine, session.openid))
    if phone is None or phone_code is None:
        raise AccountError(Code.WECHAT_NOT_LINKED, "code", "this WeChat is not linked to an "
                                                           "account: sign in with a phone code")
    return await sign_in_with_code(db, cipher, settings, caller, phone, phone_code,
                                   client=client, openid=session.openid)


async def refresh(db: Database, settings: Settings, caller: Caller, token: str) -> Tokens:
    """Exchange a refresh token for new tokens (rotation); a rotated one revokes its family."""
    require(caller, Action.ACCOUNT_SIGN_IN)
    refused: tuple[Code, str] | None = None
    async with db.transaction() as tx:
        row = await store.lock_refresh(tx, token_hash=_refresh_hash(token.strip()))
        if row is not None and row["used_at"] is not None:  # rotated: whoever holds it now
            await store.update_family_revoked(tx, family=row["family"])  # may not be its owner
            refused = Code.TOKEN_REUSED, ("the refresh token was used before: every token of "
                                          "its sign-in is revoked")
        elif row is None or row["revoked_at"] is not None or row["expired"]:
            refused = Code.TOKEN_INVALID, "the refresh token is unknown, revoked or expired"
        else:
            account = await store.get(tx, account_id=row["account_id"])
            assert account is not None
            if account["disabled_at"] is None:
                await store.update_refresh_rotated(tx, token_id=row["id"])
                return await _issue(tx, settings, account, family=row["family"])
            await store.update_family_revoked(tx, family=row["family"])
            refused = Code.ACCOUNT_DISABLED, "the account is disabled"
    raise AccountError(refused[0], "refreshToken", refused[1])


async def sign_out(db: Database, caller: Caller, token: str) -> None:
    """Revoke a refresh token's whole family, and with it the access tokens issued to it (on
    every hub process: hub.services.revocation)."""
    require(caller, Action.ACCOUNT_SIGN_IN)
    async with db.transaction() as tx:
        row = await store.lock_refresh(tx, token_hash=_refresh_hash(token.strip()))
        if row is not None:
            await store.update_family_revoked(tx, family=row["family"])
    if row is None:
        raise AccountError(Code.TOKEN_INVALID, "refreshToken", "the refresh token is unknown")
