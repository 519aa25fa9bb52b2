"""Partner webhooks (issue 15.4): registerWebhook, updateWebhook, deleteWebhook,
replayWebhookDelivery, setPartnerContract; the webhooks and webhookDeliveries queries
(hub.services.webhooks; docs/notifications.md)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub.auth.ids import encode_global_id
from hub.schema.common import Connection, connection, page_args
from hub.schema.context import Info
from hub.schema.node import decode_id
from hub.schema.payloads import mutation, payload
from hub.services import webhooks
from hub.store.base import Row


@strawberry.type(description="A partner's endpoint for outbox events (its secret is shown "
                             "once, when made or rotated).")
class Webhook:
    id: strawberry.ID
    partner: str
    url: str
    kinds: list[str] = strawberry.field(description="Event kinds sent (notificationKind).")
    regions: list[str] = strawberry.field(description="Region codes whose events are sent.")
    active: bool
    description: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> Webhook:
        return cls(id=strawberry.ID(encode_global_id("Webhook", row["id"])),
                   partner=row["partner"], url=row["url"], kinds=list(row["kinds"]),
                   regions=list(row["regions"]), active=row["active"],
                   description=row["description"], created_at=row["created_at"],
                   updated_at=row["updated_at"])


@strawberry.type(description="One delivery of one event to a webhook, as logged.")
class WebhookDelivery:
    id: strawberry.ID
    idempotency_key: str = strawberry.field(description="The outbox event's id: the same "
                                                        "for every try and replay.")
    kind: str
    subject_kind: str
    subject_id: str
    status: str = strawberry.field(description="pending | delivered | failed")
    attempts: int
    last_status_code: int | None
    last_error: str | None
    replay_of: strawberry.ID | None
    created_at: datetime
    finished_at: datetime | None

    @classmethod
    def from_row(cls, row: Row) -> WebhookDelivery:
        first = row["replay_of"]
        return cls(id=strawberry.ID(encode_global_id("WebhookDelivery", row["id"])),
                   idempotency_key=str(row["event_id"]), kind=row["kind"],
                   subject_kind=row["subject_kind"], subject_id=str(row["subject_id"]),
                   status=row["status"], attempts=row["attempts"],
                   last_status_code=row["last_code"], last_error=row["last_error"],
                   replay_of=None if first is None else strawberry.ID(
                       encode_global_id("WebhookDelivery", first)),
                   created_at=row["created_at"], finished_at=row["finished_at"])


@strawberry.type(description="What a partner may receive: event kinds and regions.")
class PartnerContract:
    partner: str
    kinds: list[str]
    regions: list[str]
    updated_by: str
    updated_at: datetime


def _hook_id(value: strawberry.ID) -> int:
    return decode_id(str(value), "Webhook", "id")


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="A partner's webhooks (partners: their own; admins: give "
                                  "`partner`).")
    async def webhooks(self, info: Info, partner: str | None = None) -> list[Webhook]:
        rows = await webhooks.webhooks(info.context.db, info.context.caller, partner=partner)
        return [Webhook.from_row(r) for r in rows]

    @strawberry.field(description="A webhook's delivery log, newest first.")
    async def webhook_deliveries(self, info: Info, webhook_id: strawberry.ID,
                                 first: int | None = None, after: str | None = None
                                 ) -> Connection[WebhookDelivery]:
        size, cursor = page_args(first, after)
        db, key = info.context.db, decode_id(str(webhook_id), "Webhook", "webhookId")
        rows = await webhooks.deliveries(db, info.context.caller, webhook_id=key, first=size,
                                         after_id=cursor.id if cursor else None)
        return connection(rows, first=size, after=cursor, make=WebhookDelivery.from_row,
                          count_thunk=lambda: webhooks.count_deliveries(db, webhook_id=key))


@strawberry.input
class RegisterWebhookInput:
    url: str = strawberry.field(description="https (plain http only to allowed test hosts).")
    kinds: list[str] = strawberry.field(description="Event kinds, within your contract.")
    regions: list[str] | None = strawberry.field(
        default=None, description="Region codes within your contract; default: all of it.")
    description: str = ""
    partner: str | None = strawberry.field(default=None,
                                           description="Admins: the partner it is for.")


@strawberry.input
class UpdateWebhookInput:
    id: strawberry.ID
    url: str | None = None
    kinds: list[str] | None = None
    regions: list[str] | None = None
    active: bool | None = None
    description: str | None = None
    rotate_secret: bool = strawberry.field(default=False, description="Make a new secret "
                                                                      "(shown this once).")


@strawberry.input
class DeleteWebhookInput:
    id: strawberry.ID


@strawberry.input
class ReplayWebhookDeliveryInput:
    delivery_id: strawberry.ID


@strawberry.input
class SetPartnerContractInput:
    partner: str = strawberry.field(description="The partner's token `sub`.")
    kinds: list[str]
    regions: list[str]


_FOUND = ("INVALID", "NOT_FOUND")


@payload("INVALID")
class RegisterWebhookPayload:
    webhook: Webhook | None = None
    secret: str | None = strawberry.field(default=None, description=(
        "Signs every delivery (X-Hub-Signature); shown only now: keep it."))


@payload(*_FOUND)
class UpdateWebhookPayload:
    webhook: Webhook | None = None
    secret: str | None = strawberry.field(default=None, description="The new secret when "
                                                                     "rotated; shown only now.")


@payload(*_FOUND)
class DeleteWebhookPayload:
    webhook: Webhook | None = None


@payload(*_FOUND)
class ReplayWebhookDeliveryPayload:
    delivery: WebhookDelivery | None = None


@payload("INVALID")
class SetPartnerContractPayload:
    contract: PartnerContract | None = None


async def register_webhook(info: Info, input: RegisterWebhookInput) -> RegisterWebhookPayload:
    row, secret = await webhooks.register(
        info.context.db, info.context.caller, info.context.settings.webhooks, url=input.url,
        kinds=input.kinds, regions=input.regions, description=input.description,
        partner=input.partner)
    return RegisterWebhookPayload(webhook=Webhook.from_row(row), secret=secret)


async def update_webhook(info: Info, input: UpdateWebhookInput) -> UpdateWebhookPayload:
    row, secret = await webhooks.update(
        info.context.db, info.context.caller, info.context.settings.webhooks,
        webhook_id=_hook_id(input.id), url=input.url, kinds=input.kinds, regions=input.regions,
        active=input.active, description=input.description, rotate_secret=input.rotate_secret)
    return UpdateWebhookPayload(webhook=Webhook.from_row(row), secret=secret)


async def delete_webhook(info: Info, input: DeleteWebhookInput) -> DeleteWebhookPayload:
    row = await webhooks.delete(info.context.db, info.context.caller,
                                webhook_id=_hook_id(input.id))
    return DeleteWebhookPayload(webhook=Webhook.from_row(row))


async def replay_webhook_delivery(info: Info, input: ReplayWebhookDeliveryInput
                                  ) -> ReplayWebhookDeliveryPayload:
    row = await webhooks.replay(info.context.db, info.context.caller, delivery_id=decode_id(
        str(input.delivery_id), "WebhookDelivery", "deliveryId"))
    return ReplayWebhookDeliveryPayload(delivery=WebhookDelivery.from_row(row))


async def set_partner_contract(info: Info, input: SetPartnerContractInput
                               ) -> SetPartnerContractPayload:
    row = await webhooks.set_contract(info.context.db, info.context.caller,
                                      partner=input.partner, kinds=input.kinds,
                                      regions=input.regions)
    return SetPartnerContractPayload(contract=PartnerContract(
        partner=row["partner"], kinds=list(row["kinds"]), regions=list(row["regions"]),
        updated_by=row["updated_by"], updated_at=row["updated_at"]))


@strawberry.type
class WebhookMutation:
    register_webhook: RegisterWebhookPayload = mutation(
        "Partners: register an endpoint for event kinds and regions within your contract; "
        "the answer holds the signing secret, shown only now.", register_webhook)
    update_webhook: UpdateWebhookPayload = mutation(
        "Change a webhook (url, kinds, regions, paused or not) or rotate its secret.",
        update_webhook)
    delete_webhook: DeleteWebhookPayload = mutation(
        "Delete a webhook: nothing more is sent to it; its delivery log stays.", delete_webhook)
    replay_webhook_delivery: ReplayWebhookDeliveryPayload = mutation(
        "Send a logged delivery's event again (same idempotency key), in order behind the "
        "subject's other deliveries.", replay_webhook_delivery)
    set_partner_contract: SetPartnerContractPayload = mutation(
        "Admins: the event kinds and regions a partner may receive.", set_partner_contract)
