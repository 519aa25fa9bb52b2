"""Partner webhooks over GraphQL: the contract set by an admin, an endpoint registered with its
secret shown once (never listed again), coded refusals naming field and value, the delivery
log paged newest first and a replay from it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest

from hub.auth import Caller, Role
from hub.pii import PiiCipher
from hub.schema import schema
from hub.schema.context import Context
from hub.services import outbox
from hub.services.outbox import EventKind, EventSubject
from hub.settings import Settings, WebhookSettings
from hub.store.base import ConnectionDatabase, Database
from tests.conftest import autocommit_database

pytestmark = pytest.mark.asyncio
PARTNER = Caller(Role.PARTNER, "partner-g")
ADMIN = Caller(Role.ADMIN, "admin-1")
CONTRACT = """mutation($i: SetPartnerContractInput!) { setPartnerContract(input: $i) {
  contract { partner kinds regions updatedBy } errors { code field message } } }"""
REGISTER = """mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) {
  webhook { id url kinds regions active } secret errors { code field message messageZh } } }"""
LIST = """query { webhooks { id url kinds } }"""
LOG = """query($id: ID!, $first: Int, $after: String) {
  webhookDeliveries(webhookId: $id, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id idempotencyKey kind status attempts replayOf } } } }"""
REPLAY = """mutation($i: ReplayWebhookDeliveryInput!) { replayWebhookDelivery(input: $i) {
  delivery { idempotencyKey status replayOf } errors { code } } }"""


@pytest.fixture
async def conn_db(clean: str) -> AsyncIterator[ConnectionDatabase]:
    async with autocommit_database(clean) as db:
        yield db


async def _gql(db: Database, settings: Settings, caller: Caller, query: str,
               variables: dict[str, Any] | None = None) -> Any:
    assert settings.data_key is not None
    hooks = replace(settings, webhooks=WebhookSettings(http_hosts=("localhost",)))
    context = Context(db=db, caller=caller, settings=hooks,
                      cipher=PiiCipher.from_text(settings.data_key))
    result = await schema().execute(query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    return result.data


async def test_register_list_log_and_replay(conn_db: ConnectionDatabase,
                                            settings: Settings) -> None:
    db = conn_db
    out = (await _gql(db, settings, ADMIN, CONTRACT, {"i": {
        "partner": "partner-g", "kinds": ["offer_made", "offer_made"],
        "regions": ["410100000000"]}}))["setPartnerContract"]
    assert out["contract"] == {"partner": "partner-g", "kinds": ["offer_made"],
                               "regions": ["410100000000"], "updatedBy": "admin:admin-1"}
    bad = (await _gql(db, settings, PARTNER, REGISTER, {"i": {
        "url": "ftp://partner.example/h", "kinds": ["offer_made"]}}))["registerWebhook"]
    [error] = bad["errors"]
    assert error["code"] == "INVALID" and error["field"] == "url"
    assert "ftp://partner.example/h" in error["message"] and bad["secret"] is None
    made = (await _gql(db, settings, PARTNER, REGISTER, {"i": {
        "url": "http://localhost:9/h", "kinds": ["offer_made"]}}))["registerWebhook"]
    assert made["errors"] == [] and made["secret"].startswith("whsec_")
    assert made["webhook"]["regions"] == ["410100000000"] and made["webhook"]["active"]
    assert (await _gql(db, settings, PARTNER, LIST))["webhooks"] == [
        {"id": made["webhook"]["id"], "url": "http://localhost:9/h", "kinds": ["offer_made"]}]

    async with db.transaction() as tx:
        for n in range(3):
            await outbox.record(tx, kind=EventKind.OFFER_MADE,
                                subject=EventSubject("dispatch", n), recipients=[],
                                payload={}, region_code="410102000000")

    async def nothing(conn: Any, events: Any, delivered: Any) -> None:
        pass

    await outbox.relay(db, nothing)
    hook = made["webhook"]["id"]
    first = (await _gql(db, settings, PARTNER, LOG, {"id": hook, "first": 2}))
    page = first["webhookDeliveries"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    keys = [e["node"]["idempotencyKey"] for e in page["edges"]]
    assert keys == sorted(keys, key=int, reverse=True)  # newest first
    rest = (await _gql(db, settings, PARTNER, LOG, {"id": hook, "first": 2,
                                                    "after": page["pageInfo"]["endCursor"]}))
    assert len(rest["webhookDeliveries"]["edges"]) == 1
    oldest = rest["webhookDeliveries"]["edges"][0]["node"]
    again = (await _gql(db, settings, PARTNER, REPLAY, {"i": {"deliveryId": oldest["id"]}}))
    assert again["replayWebhookDelivery"]["delivery"] == {
        "idempotencyKey": oldest["idempotencyKey"], "status": "pending",
        "replayOf": oldest["id"]}
