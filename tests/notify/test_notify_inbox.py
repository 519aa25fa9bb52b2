"""The in-app inbox over GraphQL: the relay delivers events into the inbox of each addressee;
each person pages their own (newest first), counts and marks what is unread; a region's desk
is shared by its dispatchers (each reads for themself); the subscription hears a new one as
it is delivered."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from hub.auth import ANONYMOUS, Caller, Role
from hub.pii import PiiCipher
from hub.schema import schema
from hub.schema.context import Context
from hub.schema.node import encode_id
from hub.services import events, outbox
from hub.services.outbox import EventKind, EventSubject, Recipient
from hub.settings import Settings
from hub.store.base import ConnectionDatabase, Database
from tests.conftest import autocommit_database

pytestmark = pytest.mark.asyncio
ME = Caller(Role.VOLUNTEER, encode_id("Volunteer", 7))
OTHER = Caller(Role.VOLUNTEER, encode_id("Volunteer", 8))
ZHENGZHOU = Caller(Role.DISPATCHER, "d-1", region="410100000000")
ZHENGZHOU_2 = Caller(Role.DISPATCHER, "d-2", region="410000000000")
LANZHOU = Caller(Role.DISPATCHER, "d-3", region="620100000000")
PAGE = """query($first: Int, $after: String, $unread: Boolean) {
  notifications(first: $first, after: $after, unreadOnly: $unread) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id kind title titleZh titleEn subjectKind subjectId data readAt } } }
  unreadNotificationCount }"""
MARK = """mutation($input: MarkNotificationsReadInput!) { markNotificationsRead(input: $input) {
  marked unreadCount errors { field code message } } }"""
LIVE = """subscription { notificationReceived { kind titleZh subjectId data } }"""


@pytest.fixture
async def conn_db(clean: str) -> AsyncIterator[ConnectionDatabase]:
    async with autocommit_database(clean) as db:
        yield db


async def _gql(db: Database, settings: Settings, caller: Caller, query: str,
               variables: dict[str, Any] | None = None) -> Any:
    assert settings.data_key is not None
    context = Context(db=db, caller=caller, settings=settings,
                      cipher=PiiCipher.from_text(settings.data_key))
    return await schema().execute(query, variable_values=variables, context_value=context)


async def _deliver(db: Database, *made: tuple[EventKind, int, list[Recipient]]) -> None:
    async with db.transaction() as tx:
        for kind, subject, who in made:
            await outbox.record(tx, kind=kind, subject=EventSubject("dispatch", subject),
                                recipients=who, payload={"title": f"讲座 {subject}"},
                                region_code="410102000000")

    async def nothing(conn: Any, events: Any, delivered: Any) -> None:
        pass

    await outbox.relay(db, nothing)


async def test_each_person_pages_counts_and_marks_their_own(
        conn_db: ConnectionDatabase, settings: Settings) -> None:
    db = conn_db
    mine = Recipient.volunteer(7)
    await _deliver(db, *[(EventKind.OFFER_MADE, n, [mine]) for n in range(1, 6)],
                   (EventKind.OFFER_MADE, 9, [Recipient.volunteer(8)]))
    first = (await _gql(db, settings, ME, PAGE, {"first": 2})).data
    page = first["notifications"]
    assert page["totalCount"] == 5 and first["unreadNotificationCount"] == 5
    assert [e["node"]["subjectId"] for e in page["edges"]] == ["5", "4"]  # newest first
    node = page["edges"][0]["node"]
    assert node["kind"] == "offer_made" and node["titleZh"] == "新派单"
    assert node["titleEn"] == "New offer" and node["data"] == {"title": "讲座 5"}
    assert node["readAt"] is None and page["pageInfo"]["hasNextPage"]
    rest = (await _gql(db, settings, ME, PAGE, {"first": 10,
                                                "after": page["pageInfo"]["endCursor"]})).data
    assert [e["node"]["subjectId"] for e in rest["notifications"]["edges"]] == ["3", "2", "1"]

    theirs = (await _gql(db, settings, OTHER, PAGE, {"first": 10})).data["notifications"]
    assert [e["node"]["subjectId"] for e in theirs["edges"]] == ["9"]
    # Marking another's notification does nothing; marking one's own counts once.
    out = (await _gql(db, settings, ME, MARK, {"input": {"ids": [
        theirs["edges"][0]["node"]["id"], node["id"], node["id"]]}})).data
    assert out["markNotificationsRead"] == {"marked": 1, "unreadCount": 4, "errors": []}
    unread = (await _gql(db, settings, ME, PAGE, {"first": 10, "unread": True})).data
    assert unread["notifications"]["totalCount"] == 4
    assert node["id"] not in [e["node"]["id"] for e in unread["notifications"]["edges"]]
    out = (await _gql(db, settings, ME, MARK, {"input": {"all": True}})).data
    assert out["markNotificationsRead"] == {"marked": 4, "unreadCount": 0, "errors": []}
    assert (await _gql(db, settings, OTHER, PAGE, {})).data["unreadNotificationCount"] == 1

    both = (await _gql(db, settings, ME, MARK, {"input": {"ids": [node["id"]], "all": True}}))
    [error] = both.data["markNotificationsRead"]["errors"]
    assert error["code"] == "INVALID" and error["field"] == "ids"


async def test_a_region_desk_is_shared_by_its_dispatchers_who_each_read_for_themselves(
        conn_db: ConnectionDatabase, settings: Settings) -> None:
    db = conn_db
    await _deliver(db, (EventKind.OFFER_DECLINED, 1, [Recipient.region("410102000000")]))
    for caller in (ZHENGZHOU, ZHENGZHOU_2):
        assert (await _gql(db, settings, caller, PAGE, {})).data["unreadNotificationCount"] == 1
    assert (await _gql(db, settings, LANZHOU, PAGE, {})).data["unreadNotificationCount"] == 0
    await _gql(db, settings, ZHENGZHOU, MARK, {"input": {"all": True}})
    assert (await _gql(db, settings, ZHENGZHOU, PAGE, {})).data["unreadNotificationCount"] == 0
    assert (await _gql(db, settings, ZHENGZHOU_2, PAGE, {})).data["unreadNotificationCount"] == 1


async def test_who_has_an_inbox(conn_db: ConnectionDatabase, settings: Settings) -> None:
    for caller, code in ((ANONYMOUS, "UNAUTHENTICATED"), (Caller(Role.PARTNER, "p"), "FORBIDDEN"),
                         (Caller(Role.DISPATCHER, "no-region"), "FORBIDDEN")):
        result = await _gql(conn_db, settings, caller, PAGE, {})
        assert result.errors and result.errors[0].extensions["code"] == code, caller


async def test_the_subscription_hears_a_new_notification_as_it_is_delivered(
        conn_db: ConnectionDatabase, settings: Settings) -> None:
    live = events.Events()
    try:
        assert settings.data_key is not None
        context = Context(db=conn_db, caller=ME, settings=settings,
                          cipher=PiiCipher.from_text(settings.data_key), events=live)
        stream = await schema().subscribe(LIVE, context_value=context)
        first = asyncio.ensure_future(stream.__anext__())  # type: ignore[union-attr]
        for _ in range(300):
            if live.listeners and all(x.ready.is_set() for x in live.listeners.values()):
                break
            await asyncio.sleep(0.01)
        await _deliver(conn_db, (EventKind.OFFER_MADE, 8, [Recipient.volunteer(8)]),
                       (EventKind.HOURS_CONFIRMED, 7, [Recipient.volunteer(7)]))
        got = (await asyncio.wait_for(first, 5)).data["notificationReceived"]
        assert got == {"kind": "hours_confirmed", "titleZh": "服务时长已确认", "subjectId": "7",
                       "data": {"title": "讲座 7"}}
        await stream.aclose()  # type: ignore[union-attr]
    finally:
        await live.close()
