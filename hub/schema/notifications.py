"""The in-app inbox (issue 15.3): ``notifications``, ``unreadNotificationCount``,
``markNotificationsRead`` and the ``notificationReceived`` subscription, for the signed-in
person as their token identifies them (hub.services.inbox)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON

from hub import vocabulary
from hub.auth.actions import Denied
from hub.auth.ids import encode_global_id
from hub.schema.common import Connection, connection, page_args
from hub.schema.context import Info
from hub.schema.messages import chosen
from hub.schema.node import decode_id
from hub.schema.payloads import mutation, payload
from hub.services import inbox
from hub.store.base import Row

KINDS = vocabulary.vocabulary("notificationKind")


@strawberry.type(description="One notification in the signed-in person's inbox: an event of "
                             "the outbox addressed to them (or to a desk they share).")
class Notification:
    id: strawberry.ID
    kind: str = strawberry.field(description="The event's kind (vocabulary notificationKind): "
                                             "offer_made, reminder_24h, hours_confirmed…")
    title: str = strawberry.field(description="The kind's label in the caller's language.")
    title_zh: str
    title_en: str
    subject_kind: str = strawberry.field(description="What it is about: dispatch, demand, "
                                                     "service_record, certificate…")
    subject_id: str = strawberry.field(description="That subject's numeric id.")
    region_code: str | None
    data: JSON = strawberry.field(description="What a message needs: titles, times, place "
                                              "(no more personal data than you may see).")
    created_at: datetime = strawberry.field(description="When the event happened.")
    read_at: datetime | None = strawberry.field(description="When you read it; null: unread.")

    @classmethod
    def from_row(cls, row: Row) -> Notification:
        zh, en = KINDS.label(row["kind"], "zh"), KINDS.label(row["kind"], "en")
        return cls(id=strawberry.ID(encode_global_id("Notification", row["id"])),
                   kind=row["kind"], title=chosen(zh, en), title_zh=zh, title_en=en,
                   subject_kind=row["subject_kind"], subject_id=str(row["subject_id"]),
                   region_code=row["region_code"], data=row["payload"],
                   created_at=row["event_at"], read_at=row["read_at"])


@strawberry.type
class NotificationQuery:
    @strawberry.field(description=(
        "The signed-in person's notifications, newest first (volunteers, residents, station "
        "staff, org admins and dispatchers: as their token identifies them). `unreadOnly`: "
        "only those not yet read."))
    async def notifications(self, info: Info, first: int | None = None,
                            after: str | None = None, unread_only: bool = False
                            ) -> Connection[Notification]:
        size, cursor = page_args(first, after)
        db, caller = info.context.db, info.context.caller
        found = await inbox.page(db, caller, first=size,
                                 after_id=cursor.id if cursor else None,
                                 unread_only=unread_only)
        return connection(found.rows, first=size, after=cursor, make=Notification.from_row,
                          count_thunk=lambda: inbox.count(db, found, unread_only=unread_only))

    @strawberry.field(description="How many of the signed-in person's notifications are "
                                  "unread.")
    async def unread_notification_count(self, info: Info) -> int:
        return await inbox.unread_count(info.context.db, info.context.caller)


@strawberry.input(description="Mark notifications read: `ids`, or `all: true` (one or the "
                              "other).")
class MarkNotificationsReadInput:
    ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description=f"Notification IDs, at most {inbox.MAX_MARK}; ids not yours "
                                  "are ignored.")
    all: bool = strawberry.field(default=False, description="Every notification of yours.")


@payload("INVALID")
class MarkNotificationsReadPayload:
    marked: int = strawberry.field(default=0, description="How many were unread and now are read.")
    unread_count: int = strawberry.field(default=0, description="How many stay unread.")


async def mark_notifications_read(info: Info, input: MarkNotificationsReadInput
                                  ) -> MarkNotificationsReadPayload:
    ids = None if input.ids is None else [decode_id(str(i), "Notification", "ids")
                                          for i in input.ids]
    marked, left = await inbox.mark_read(info.context.db, info.context.caller, ids=ids,
                                         everything=input.all)
    return MarkNotificationsReadPayload(marked=marked, unread_count=left)


@strawberry.type
class NotificationMutation:
    mark_notifications_read: MarkNotificationsReadPayload = mutation(
        "Mark your notifications read (given ids, or all of them).", mark_notifications_read)


@strawberry.type(name="Subscription")
class NotificationSubscription:
    @strawberry.subscription(description=(
        "The signed-in person's new notifications, as they are delivered to the inbox."))
    async def notification_received(self, info: Info) -> AsyncGenerator[Notification, None]:
        live = info.context.events
        if live is None:
            raise GraphQLError("live events are not served here",
                               extensions={"code": "INTERNAL_SERVER_ERROR"})
        try:
            feed = inbox.received(info.context.db, live, info.context.caller)
            first = await anext(feed)
        except Denied as exc:  # subscriptions bypass ErrorCodes: code the refusal here
            raise GraphQLError(exc.message, extensions={"code": exc.code,
                                                        "messageZh": exc.message_zh}) from None
        yield Notification.from_row(first)
        async for row in feed:
            yield Notification.from_row(row)
