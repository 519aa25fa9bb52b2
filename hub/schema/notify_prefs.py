"""``notificationPreferences`` and ``updateNotificationPreferences`` (issue 15.3): which event
kinds reach the signed-in person on which channels, quiet hours, and the e-mail address
(hub.services.notify_prefs; the inbox always receives)."""

from __future__ import annotations

import strawberry

from hub.schema.context import Info
from hub.schema.messages import chosen
from hub.schema.payloads import mutation, payload
from hub.services import notify_prefs
from hub.services.channels.templates import load


@strawberry.type(description="One event kind and the channels it reaches you on.")
class NotificationKindPreference:
    kind: str = strawberry.field(description="offer_made, reminder_24h, hours_confirmed…")
    label: str = strawberry.field(description="The kind in the caller's language.")
    label_zh: str
    label_en: str
    urgent: bool = strawberry.field(description="Sent during quiet hours too.")
    channels: list[str] = strawberry.field(
        description="wechat | sms | email: where you receive it besides the inbox (only "
                    "channels you can be reached on).")
    default_channels: list[str] = strawberry.field(
        description="What you would receive it on had you chosen nothing.")
    customised: bool = strawberry.field(description="Whether you chose its channels.")


@strawberry.type(description="Quiet hours, China time (Asia/Shanghai); an end before the "
                             "start spans midnight.")
class QuietHours:
    start: str = strawberry.field(description="HH:MM")
    end: str = strawberry.field(description="HH:MM")


@strawberry.type(description="How the signed-in person is told about events (the in-app "
                             "inbox always; WeChat, SMS and e-mail as chosen).")
class NotificationPreferences:
    kinds: list[NotificationKindPreference]
    quiet_hours: QuietHours | None = strawberry.field(
        description="Non-urgent messages wait until they end; null: none.")
    email: str | None = strawberry.field(description="Your e-mail address, masked "
                                                     "(z***@example.com); null: none given.")
    wechat_linked: bool = strawberry.field(description="Whether your account has WeChat linked "
                                                       "(WeChat messages need it).")
    phone: str | None = strawberry.field(description="The mobile SMS goes to, masked; null: "
                                                     "none known.")


def _of(found: notify_prefs.Preferences) -> NotificationPreferences:
    quiet = None
    if found.quiet_start is not None and found.quiet_end is not None:
        quiet = QuietHours(start=found.quiet_start.strftime("%H:%M"),
                           end=found.quiet_end.strftime("%H:%M"))
    return NotificationPreferences(
        kinds=[NotificationKindPreference(
            kind=k.kind, label=chosen(k.label_zh, k.label_en), label_zh=k.label_zh,
            label_en=k.label_en, urgent=k.urgent, channels=[c.value for c in k.channels],
            default_channels=[c.value for c in k.default_channels], customised=k.customised)
            for k in found.kinds],
        quiet_hours=quiet, email=found.email_masked, wechat_linked=found.wechat_linked,
        phone=found.phone_masked)


@strawberry.type
class NotificationPreferencesQuery:
    @strawberry.field(description="The signed-in person's notification preferences (a "
                                  "volunteer, resident or station staff with an account).")
    async def notification_preferences(self, info: Info) -> NotificationPreferences:
        ctx = info.context
        return _of(await notify_prefs.get_preferences(
            ctx.db, load(ctx.settings.notify.templates_path), ctx.caller))


@strawberry.input(description="The channels one event kind reaches you on.")
class NotificationKindInput:
    kind: str = strawberry.field(description="An event kind (notificationPreferences.kinds).")
    channels: list[str] = strawberry.field(description="wechat | sms | email; [] for the "
                                                       "inbox only.")


@strawberry.input(description="Quiet hours, China time, HH:MM.")
class QuietHoursInput:
    start: str
    end: str


@strawberry.input(description="What to change; fields left out stay as they are.")
class UpdateNotificationPreferencesInput:
    kinds: list[NotificationKindInput] | None = strawberry.field(
        default=None, description="Channels per event kind (kinds not named keep theirs).")
    reset_kinds: list[str] | None = strawberry.field(
        default=None, description="Event kinds back to their default channels.")
    quiet_hours: QuietHoursInput | None = strawberry.field(
        default=strawberry.UNSET, description="null: no quiet hours.")
    email: str | None = strawberry.field(
        default=strawberry.UNSET, description="Your e-mail address (at most 254 characters); "
                                              "null: forget it.")


@payload("INVALID", "NOT_FOUND")
class UpdateNotificationPreferencesPayload:
    preferences: NotificationPreferences | None = None


async def update_notification_preferences(
        info: Info, input: UpdateNotificationPreferencesInput
) -> UpdateNotificationPreferencesPayload:
    ctx = info.context
    quiet = input.quiet_hours
    found = await notify_prefs.update_preferences(
        ctx.db, ctx.cipher, load(ctx.settings.notify.templates_path), ctx.caller,
        kinds=[(k.kind, k.channels) for k in input.kinds or []],
        reset_kinds=input.reset_kinds or [],
        quiet_hours=notify_prefs.UNSET if quiet is strawberry.UNSET else (
            None if quiet is None else (quiet.start, quiet.end)),
        email=notify_prefs.UNSET if input.email is strawberry.UNSET else input.email)
    return UpdateNotificationPreferencesPayload(preferences=_of(found))


@strawberry.type
class NotificationPreferencesMutation:
    update_notification_preferences: UpdateNotificationPreferencesPayload = mutation(
        "Change which events reach you on which channels, your quiet hours and your e-mail "
        "address (all checked first; nothing changes unless everything is valid).",
        update_notification_preferences)
