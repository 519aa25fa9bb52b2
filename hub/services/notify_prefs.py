"""Each person's notification preferences (issue 15.3): which events reach them on which
channels, and quiet hours; read and changed by the person themself (``notificationPreferences``,
``updateNotificationPreferences``), applied by the fan-out (hub.services.deliveries).

Defaults, when a person has set nothing for an event kind: the in-app inbox always (it cannot be
turned off: it is the record); WeChat when the account has an openid (WeChat itself then says
whether the person holds a subscription to the kind's template: 43101 fails that delivery for
good); SMS for the kinds the templates mark ``sms_default`` (offers, reminders, cancellations)
when a phone is known; e-mail for every kind once the person has given an address. Quiet hours
(China time) hold non-urgent messages until they end; urgent kinds (``urgent`` in the
templates: an offer made or expiring, the 2-hour reminder, a cancellation) go through.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hub.auth.actions import Action, require, subject
from hub.auth.tokens import Caller
from hub.pii import PiiCipher
from hub.services.channels import ChannelName
from hub.services.channels.templates import CHINA, Templates
from hub.services.workflow_errors import Code, Refused, WorkflowError
from hub.store import deliveries as store
from hub.store.base import Database, Row

EMAIL_FIELD = "email"  # hub.pii associated data
EMAIL_MAX = 254
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]{1,63}(\.[A-Za-z0-9\-]{1,63})+$")
_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")
UNSET: Any = object()


@dataclass(frozen=True)
class KindChoice:
    kind: str
    label_zh: str
    label_en: str
    urgent: bool
    channels: tuple[ChannelName, ...]  # what the person receives it on (besides the inbox)
    default_channels: tuple[ChannelName, ...]
    customised: bool


@dataclass(frozen=True)
class Preferences:
    account_id: int
    kinds: tuple[KindChoice, ...]
    quiet_start: dt.time | None
    quiet_end: dt.time | None
    email_masked: str | None
    wechat_linked: bool
    phone_masked: str | None


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"


def default_channels(templates: Templates, kind: str, *, openid: bool, phone: bool,
                     email: bool) -> tuple[ChannelName, ...]:
    """The channels a kind reaches a person on when they chose nothing for it."""
    out = []
    if openid:
        out.append(ChannelName.WECHAT)
    if phone and templates.of(kind).sms_default:
        out.append(ChannelName.SMS)
    if email:
        out.append(ChannelName.EMAIL)
    return tuple(out)


def chosen_channels(templates: Templates, kind: str, choices: Mapping[str, Any] | None, *,
                    openid: bool, phone: bool, email: bool) -> tuple[ChannelName, ...]:
    """The channels a person receives ``kind`` on: their choice for it, else the defaults;
    either way only channels they can be reached on."""
    picked = (choices or {}).get(kind)
    if not isinstance(picked, list):
        return default_channels(templates, kind, openid=openid, phone=phone, email=email)
    reachable = {ChannelName.WECHAT: openid, ChannelName.SMS: phone, ChannelName.EMAIL: email}
    return tuple(c for c in ChannelName if c.value in picked and reachable[c])


def held_until(now: dt.datetime, start: dt.time | None, end: dt.time | None, *,
               urgent: bool) -> dt.datetime | None:
    """When a message made at ``now`` may go out, if quiet hours hold it (None: now)."""
    if urgent or start is None or end is None:
        return None
    local = now.astimezone(CHINA)
    clock = local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return None
    day = local.date() if clock < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=CHINA).astimezone(dt.UTC)


async def _account(db: Database, caller: Caller) -> Row:
    require(caller, Action.NOTIFICATION_PREFERENCES,
            subject(volunteer_id=caller.volunteer_id) if caller.volunteer_id else None,
            what="manage notification preferences")
    account = await store.get_account(db, account_id=caller.account_id,
                                      volunteer_id=caller.volunteer_id)
    if account is None:
        raise WorkflowError(Code.NOT_FOUND, "account",
                            "you have no account yet: sign in with your phone or WeChat first",
                            "尚无账号：请先用手机号或微信登录")
    return account


def _answer(templates: Templates, account: Row, pref: Row | None) -> Preferences:
    openid = bool(account["wechat_openid"])
    # The number SMS goes to: a volunteer's registered one, else the account's own (sql/0032).
    phone_masked = account["volunteer_phone_masked"] or (
        account["phone_masked"] if account["phone_kept"] else None)
    email = bool(pref and pref["email_enc"])
    choices = pref["channels"] if pref else {}
    kinds = []
    for kind, t in templates.kinds.items():
        default = default_channels(templates, kind, openid=openid, phone=bool(phone_masked),
                                   email=email)
        kinds.append(KindChoice(
            kind=kind, label_zh=t.label_zh, label_en=t.label_en, urgent=t.urgent,
            channels=chosen_channels(templates, kind, choices, openid=openid,
                                     phone=bool(phone_masked), email=email),
            default_channels=default, customised=kind in choices))
    return Preferences(account_id=account["id"], kinds=tuple(kinds),
                       quiet_start=pref["quiet_start"] if pref else None,
                       quiet_end=pref["quiet_end"] if pref else None,
                       email_masked=pref["email_masked"] if pref else None,
                       wechat_linked=openid, phone_masked=phone_masked)


async def get_preferences(db: Database, templates: Templates, caller: Caller) -> Preferences:
    """The signed-in person's preferences, every event kind with its channels."""
    account = await _account(db, caller)
    return _answer(templates, account, await store.get_preference(db, account_id=account["id"]))


def _time(field: str, text: str) -> dt.time:
    match = _HHMM.match(text.strip())
    if not match:
        raise WorkflowError(Code.INVALID, field, f"{field} must be HH:MM (00:00..23:59), got "
                                                 f"{text!r}", f"时间格式应为 HH:MM，收到“{text}”")
    return dt.time(int(match[1]), int(match[2]))


def _choices(templates: Templates, events: Sequence[tuple[str, Sequence[str]]],
             errors: list[WorkflowError]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    names = {c.value for c in ChannelName}
    for i, (kind, channels) in enumerate(events):
        if kind not in templates.kinds:
            errors.append(WorkflowError(Code.INVALID, f"kinds[{i}].kind",
                                        f"unknown event kind {kind!r}", f"未知的通知类型“{kind}”"))
        elif kind in out:
            errors.append(WorkflowError(Code.INVALID, f"kinds[{i}].kind",
                                        f"event kind {kind!r} is given twice",
                                        f"通知类型“{kind}”重复"))
        bad = [c for c in channels if c not in names]
        if bad:
            errors.append(WorkflowError(Code.INVALID, f"kinds[{i}].channels",
                                        f"unknown channel {bad[0]!r}: wechat, sms or email "
                                        "(the inbox always receives)",
                                        f"未知渠道“{bad[0]}”：可选 wechat、sms、email"
                                        "（站内信始终接收）"))
        out[kind] = sorted(set(channels) & names)
    return out


async def update_preferences(db: Database, cipher: PiiCipher, templates: Templates,
                             caller: Caller, *,
                             kinds: Sequence[tuple[str, Sequence[str]]] = (),
                             reset_kinds: Sequence[str] = (),
                             quiet_hours: tuple[str, str] | None = UNSET,
                             email: str | None = UNSET) -> Preferences:
    """Change what is given (the rest stays): channels per event kind (``reset_kinds`` go back
    to the defaults), quiet hours (None: none), the e-mail address (None: forget it). All
    refusals at once; nothing changes unless everything is valid."""
    errors: list[WorkflowError] = []
    if len(kinds) > len(templates.kinds):
        errors.append(WorkflowError(Code.INVALID, "kinds", f"at most {len(templates.kinds)} "
                                    f"event kinds, got {len(kinds)}", "通知类型过多"))
    choices = _choices(templates, kinds, errors)
    quiet: tuple[dt.time, dt.time] | None = None
    if quiet_hours is not UNSET and quiet_hours is not None:
        try:
            quiet = (_time("quietHours.start", quiet_hours[0]),
                     _time("quietHours.end", quiet_hours[1]))
            if quiet[0] == quiet[1]:
                errors.append(WorkflowError(Code.INVALID, "quietHours.end",
                                            f"quiet hours must not start and end at the same "
                                            f"time ({quiet_hours[0]})", "免打扰起止时间不能相同"))
        except WorkflowError as exc:
            errors.append(exc)
    address = email.strip() if isinstance(email, str) else None
    if address is not None and (len(address) > EMAIL_MAX or not _EMAIL.match(address)):
        errors.append(WorkflowError(Code.INVALID, "email", f"not an e-mail address: {address!r}",
                                    f"电子邮箱格式不正确：“{address[:60]}”"))
    unknown_resets = [k for k in reset_kinds if k not in templates.kinds]
    if unknown_resets:
        errors.append(WorkflowError(Code.INVALID, "resetKinds",
                                    f"unknown event kind {unknown_resets[0]!r}",
                                    f"未知的通知类型“{unknown_resets[0]}”"))
    if errors:
        raise Refused(errors)
    async with db.transaction() as tx:
        account = await _account(tx, caller)
        pref = await store.get_preference(tx, account_id=account["id"])
        kept = {k: v for k, v in (pref["channels"] if pref else {}).items()
                if k not in reset_kinds}
        start, end = (pref["quiet_start"], pref["quiet_end"]) if pref else (None, None)
        if quiet_hours is not UNSET:
            start, end = quiet if quiet else (None, None)
        enc, masked = (pref["email_enc"], pref["email_masked"]) if pref else (None, None)
        if email is not UNSET:
            enc = cipher.encrypt(address, field=EMAIL_FIELD) if address else None
            masked = mask_email(address) if address else None
        saved = await store.update_preference(
            tx, account_id=account["id"], channels={**kept, **choices}, quiet_start=start,
            quiet_end=end, email_enc=enc, email_masked=masked)
        return _answer(templates, account, saved)
