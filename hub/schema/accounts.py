"""GraphQL for signing in (issue 14.1): phone codes, WeChat, token refresh, sign-out, ``me``.

Sign-in is open to everyone (the action table's ``account.sign_in``); what it checks is the
phone's code, WeChat's answer or the refresh token. The rules are in
:mod:`hub.services.accounts` and :mod:`hub.services.profile`.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub.auth.ids import encode_global_id
from hub.schema.context import Info
from hub.schema.payloads import mutation, payload
from hub.schema.registration import AVAILABILITY_BOUND, SkillInput, WeeklyWindowInput
from hub.schema.volunteers import Volunteer, load_volunteer
from hub.schema.workflow_types import Dispatch
from hub.services import accounts as service
from hub.services import profile
from hub.services.accounts import Code, Tokens
from hub.services.registration_errors import Code as registration_codes
from hub.store.base import Row


@strawberry.type(description="What a sign-in gives: an access token to send as `Authorization: "
                             "Bearer …`, and a refresh token to get the next one with.")
class SignInSession:
    access_token: str = strawberry.field(description="A JWT, valid `accessTokenExpiresInS`.")
    access_token_expires_in_s: int
    refresh_token: str = strawberry.field(description=(
        "Opaque; exchange it once with `refreshToken` (each use gives a new one; using an old "
        "one again signs out every session it led to). Keep it secret."))
    refresh_token_expires_in_s: int
    role: str = strawberry.field(description="volunteer | resident | station_staff")
    account_id: strawberry.ID

    @classmethod
    def of(cls, tokens: Tokens) -> SignInSession:
        return cls(access_token=tokens.access_token,
                   access_token_expires_in_s=tokens.access_expires_in_s,
                   refresh_token=tokens.refresh_token,
                   refresh_token_expires_in_s=tokens.refresh_expires_in_s,
                   role=tokens.role.value,
                   account_id=strawberry.ID(encode_global_id("Account", tokens.account_id)))


@strawberry.input(description="Send a sign-in code to a mainland mobile.")
class RequestSignInCodeInput:
    phone: str = strawberry.field(description="11-digit mobile (+86 allowed).")


@payload(Code.INVALID, Code.SMS_UNAVAILABLE)
class RequestSignInCodePayload:
    expires_in_s: int | None = strawberry.field(default=None, description=(
        "How long the code is valid; null when refused."))


@strawberry.input(description="Sign in with a mobile and the code sent to it.")
class SignInWithCodeInput:
    phone: str
    code: str = strawberry.field(description="The 6 digits sent by SMS.")


@strawberry.type
class SessionResult:
    session: SignInSession | None = None


_CODE_CODES = (Code.INVALID, Code.CODE_INVALID, Code.CODE_EXPIRED, Code.TOO_MANY_GUESSES,
               Code.ACCOUNT_DISABLED)


@payload(*_CODE_CODES)
class SignInWithCodePayload(SessionResult):
    """登录."""


@strawberry.input(description="Sign in from the WeChat mini-program: the code of `wx.login()`. "
                              "A WeChat not linked yet is linked with `phone` and `phoneCode`, "
                              "or to the account of a signed-in caller.")
class SignInWithWeChatInput:
    code: str
    phone: str | None = None
    phone_code: str | None = strawberry.field(default=None, description=(
        "The code sent to `phone` (requestSignInCode)."))


@payload(*_CODE_CODES, Code.WECHAT_REJECTED, Code.WECHAT_NOT_LINKED,
         Code.WECHAT_LINKED_ELSEWHERE)
class SignInWithWeChatPayload(SessionResult):
    """微信登录."""


@strawberry.input(description="A refresh token to exchange (or revoke).")
class RefreshTokenInput:
    refresh_token: str


@payload(Code.TOKEN_INVALID, Code.TOKEN_REUSED, Code.ACCOUNT_DISABLED)
class RefreshTokenPayload(SessionResult):
    """New tokens; the one given is used up."""


@strawberry.input(description="Sign out: revoke a refresh token and every one it led to.")
class SignOutInput:
    refresh_token: str


@payload(Code.TOKEN_INVALID)
class SignOutPayload:
    signed_out: bool = False


@strawberry.input(description="A period the volunteer cannot serve (不可服务时段).")
class TimeOffInput:
    starts_at: datetime
    ends_at: datetime
    note: str = ""


@strawberry.input(description="A volunteer's own settings; an omitted field is left as it is.")
class UpdateMyProfileInput:
    skills: list[SkillInput] | None = None
    availability: list[WeeklyWindowInput] | None = strawberry.field(
        default=None, description=AVAILABILITY_BOUND)
    time_off: list[TimeOffInput] | None = strawberry.field(default=None, description=(
        "Replaces every period that has not ended."))
    service_radius_m: int | None = strawberry.field(default=None, description="100–500000 m.")


@payload(Code.INVALID, Code.NOT_A_VOLUNTEER, Code.EXITED, Code.NOT_FOUND,
         registration_codes.TOO_MANY_WINDOWS)
class UpdateMyProfilePayload:
    volunteer: Volunteer | None = None


async def request_sign_in_code(info: Info, input: RequestSignInCodeInput
                               ) -> RequestSignInCodePayload:
    ctx = info.context
    ttl = await service.request_code(ctx.db, ctx.cipher, ctx.settings, ctx.caller, input.phone,
                                     client=ctx.client)
    return RequestSignInCodePayload(expires_in_s=ttl)


async def sign_in_with_code(info: Info, input: SignInWithCodeInput) -> SignInWithCodePayload:
    ctx = info.context
    tokens = await service.sign_in_with_code(ctx.db, ctx.cipher, ctx.settings, ctx.caller,
                                             input.phone, input.code, client=ctx.client)
    return SignInWithCodePayload(session=SignInSession.of(tokens))


async def sign_in_with_we_chat(info: Info, input: SignInWithWeChatInput
                               ) -> SignInWithWeChatPayload:
    ctx = info.context
    tokens = await service.sign_in_with_wechat(
        ctx.db, ctx.cipher, ctx.settings, ctx.caller, input.code, client=ctx.client,
        phone=input.phone, phone_code=input.phone_code)
    return SignInWithWeChatPayload(session=SignInSession.of(tokens))


async def refresh_token(info: Info, input: RefreshTokenInput) -> RefreshTokenPayload:
    ctx = info.context
    tokens = await service.refresh(ctx.db, ctx.settings, ctx.caller, input.refresh_token)
    return RefreshTokenPayload(session=SignInSession.of(tokens))


async def sign_out(info: Info, input: SignOutInput) -> SignOutPayload:
    await service.sign_out(info.context.db, info.context.caller, input.refresh_token)
    return SignOutPayload(signed_out=True)


async def update_my_profile(info: Info, input: UpdateMyProfileInput) -> UpdateMyProfilePayload:
    ctx = info.context
    data = profile.ProfileInput(
        skills=None if input.skills is None else {s.skill: s.level for s in input.skills},
        weekly_spans=None if input.availability is None else [
            w.span() for w in input.availability],
        time_off=None if input.time_off is None else [
            (t.starts_at, t.ends_at, t.note) for t in input.time_off],
        service_radius_m=input.service_radius_m)
    volunteer_id = await profile.update_my_profile(ctx.db, ctx.cipher, ctx.caller, data)
    return UpdateMyProfilePayload(volunteer=await load_volunteer(info, volunteer_id))


@strawberry.type
class AccountMutation:
    request_sign_in_code: RequestSignInCodePayload = mutation(
        "Send a 6-digit sign-in code by SMS (anyone; rate-limited per phone and per client, "
        "RATE_LIMITED). A newer code replaces an older one.", request_sign_in_code)
    sign_in_with_code: SignInWithCodePayload = mutation(
        "Sign in with a mobile and its code: a registered volunteer's mobile signs in as that "
        "volunteer, any other as a resident (群众), a station's staff as its staff. A code is "
        "used once, and burned after a few wrong guesses.", sign_in_with_code)
    sign_in_with_we_chat: SignInWithWeChatPayload = mutation(
        "Sign in from the WeChat mini-program (code2session); the first time, link the WeChat "
        "with a phone and its code (or while signed in).", sign_in_with_we_chat)
    refresh_token: RefreshTokenPayload = mutation(
        "New tokens for a refresh token, which is used up (rotation); a used one presented "
        "again revokes every token of its sign-in (TOKEN_REUSED).", refresh_token)
    sign_out: SignOutPayload = mutation(
        "Revoke a refresh token and every token of its sign-in: its access tokens are "
        "refused from then on, by every hub process (UNAUTHENTICATED, reason revoked).",
        sign_out)
    update_my_profile: UpdateMyProfilePayload = mutation(
        "A signed-in volunteer changes their own skills, weekly availability, time off and "
        "service radius.", update_my_profile)


@strawberry.type(description="A sign-in account (登录账号).")
class Account:
    id: strawberry.ID
    kind: str = strawberry.field(description="volunteer | resident | station_staff")
    phone: str | None = strawberry.field(description="The mobile, masked (138****5678).")
    wechat_linked: bool
    station_id: strawberry.ID | None
    created_at: datetime
    last_sign_in: datetime | None

    @classmethod
    def from_row(cls, row: Row) -> Account:
        return cls(id=strawberry.ID(encode_global_id("Account", row["id"])), kind=row["kind"],
                   phone=row["phone_masked"], wechat_linked=row["wechat_openid"] is not None,
                   station_id=None if row["station_id"] is None else strawberry.ID(
                       encode_global_id("Station", row["station_id"])),
                   created_at=row["created_at"], last_sign_in=row["last_sign_in"])


@strawberry.type(description="A period a volunteer cannot serve.")
class TimeOff:
    starts_at: datetime
    ends_at: datetime
    note: str


@strawberry.type(description="The caller's own data: nobody reads another's through it.")
class Me:
    account: Account | None
    volunteer_id: strawberry.Private[int | None]
    offers: list[Dispatch] = strawberry.field(description=(
        "Dispatch offers waiting for the volunteer's answer (派单 to accept or decline)."))
    time_off: list[TimeOff]

    @strawberry.field(description="The volunteer's own record, in full: profile, skills, "
                                  "availability, service records, stars, balances and "
                                  "certificates.")
    async def volunteer(self, info: Info) -> Volunteer | None:
        return None if self.volunteer_id is None else await load_volunteer(
            info, self.volunteer_id)


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The signed-in caller's own account and volunteer record; "
                                  "null for an anonymous caller or a token of no one.")
    async def me(self, info: Info) -> Me | None:
        found = await profile.mine(info.context.db, info.context.caller)
        if found is None:
            return None
        return Me(account=None if found.account is None else Account.from_row(found.account),
                  volunteer_id=found.volunteer_id,
                  offers=[Dispatch.from_row(r) for r in found.offers],
                  time_off=[TimeOff(starts_at=r["starts_at"], ends_at=r["ends_at"],
                                    note=r["note"]) for r in found.time_off])
