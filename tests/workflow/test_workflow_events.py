"""Live dispatch events: committed changes reach subscribers of the region, through
PostgreSQL LISTEN/NOTIFY (so every hub process hears them), and nobody else."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import psycopg
import pytest
from starlette.testclient import TestClient
from workflow_world import LANZHOU, ZHENGZHOU

from hub.app import create_app
from hub.auth import ANONYMOUS, Caller, Role, issue_token
from hub.auth.tokens import SYSTEM
from hub.pii import PiiCipher
from hub.schema import schema
from hub.schema.context import Context
from hub.schema.node import encode_id
from hub.services import claims, events, workflow
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.conftest import as_app, autocommit_database, migrated_database

SUBSCRIBE = """subscription($code: String) { dispatchEvents(regionCode: $code) {
  dispatchId demandId volunteerId regionCode fromState toState actor reason
  dispatch { state } } }"""


@pytest.fixture(scope="module")
def events_url(server_url: str) -> str:
    """A scratch database with one demand in Zhengzhou and two volunteers."""
    url = migrated_database(server_url, "hub_test_workflow_events")
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO demand (title, category, needed, time_window, location_geom, "
            "region_code, raised_by) VALUES ('科普讲座', 'health', 2, tstzrange(now() + "
            "interval '2 days', now() + interval '2 days 2 hours'), ST_SetSRID(ST_MakePoint("
            "113.6, 34.75), 4326), '410102000000', 'test')")
        for k in range(2):
            conn.execute("INSERT INTO volunteer (real_name, home_geom, region_code) VALUES "
                         "(%s, ST_SetSRID(ST_MakePoint(113.6, 34.75), 4326), '410102000000')",
                         (f"听众{k}",))
        conn.commit()
    return url


@pytest.fixture
async def live() -> AsyncIterator[events.Events]:
    """The live events an app's lifespan would own."""
    hub_events = events.Events()
    try:
        yield hub_events
    finally:
        await hub_events.close()


@pytest.fixture
async def db(events_url: str) -> AsyncIterator[ConnectionDatabase]:
    async with autocommit_database(events_url) as db:
        yield db


async def _subscribe(db: ConnectionDatabase, settings: Settings, caller: Caller,
                     code: str | None = None, live: events.Events | None = None) -> Any:
    assert settings.data_key is not None
    context = Context(db=db, caller=caller, settings=settings,
                      cipher=PiiCipher.from_text(settings.data_key), events=live)
    return await schema().subscribe(SUBSCRIBE, variable_values={"code": code},
                                    context_value=context)


async def _listening(live: events.Events) -> None:
    for _ in range(200):
        if live.listeners and all(x.ready.is_set() for x in live.listeners.values()):
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the listener never started")


async def test_a_dispatcher_hears_committed_changes_in_their_region_only(
        db: ConnectionDatabase, live: events.Events, events_url: str, settings: Settings):
    mine = await _subscribe(db, settings, ZHENGZHOU, live=live)
    theirs = await _subscribe(db, settings, LANZHOU, live=live)
    first = asyncio.ensure_future(mine.__anext__())
    other = asyncio.ensure_future(theirs.__anext__())
    await asyncio.sleep(0.05)
    await _listening(live)
    async with await psycopg.AsyncConnection.connect(events_url, autocommit=True) as conn:
        writer = ConnectionDatabase(conn)
        demand = (await writer.fetch("SELECT id FROM demand"))[0]["id"]
        volunteer = (await writer.fetch("SELECT min(id) AS id FROM volunteer"))[0]["id"]
        zhengzhou = Caller(Role.DISPATCHER, "d-zz", region="410100000000")
        [made] = await workflow.offer(writer, demand_id=demand, volunteer_ids=[volunteer],
                                      caller=zhengzhou, ttl_s=3600)
        event = (await asyncio.wait_for(first, 5)).data["dispatchEvents"]
        assert event == {"dispatchId": encode_id("Dispatch", made),
                         "demandId": encode_id("Demand", demand),
                         "volunteerId": encode_id("Volunteer", volunteer),
                         "regionCode": "410102000000", "fromState": None, "toState": "offered",
                         "actor": "dispatcher:d-zz", "reason": None,
                         "dispatch": {"state": "offered"}}
        await workflow.decline(writer, dispatch_id=made, caller=SYSTEM, reason="生病",
                               ttl_s=3600)
        event = (await asyncio.wait_for(mine.__anext__(), 5)).data["dispatchEvents"]
        assert (event["fromState"], event["toState"], event["reason"]) == (
            "offered", "declined", "生病")
    await asyncio.sleep(0.2)
    assert not other.done(), "a Lanzhou dispatcher must not hear Zhengzhou's dispatches"
    other.cancel()
    await mine.aclose()


async def test_every_process_hears_every_event(db: ConnectionDatabase, events_url: str):
    """Two listeners stand in for two hub processes behind a load balancer."""
    conninfo = await events.conninfo_of(db)
    one, two = events.Listener(conninfo), events.Listener(conninfo)
    try:
        async with one.subscribe("41") as q1, two.subscribe("") as q2:
            await db.fetch("SELECT pg_notify('hub_dispatch', 'not json')")
            await db.fetch("SELECT pg_notify('hub_dispatch', %s)",
                           ('{"regionCode": "410102000000", "toState": "accepted"}',))
            got = await asyncio.wait_for(asyncio.gather(q1.get(), q2.get()), 5)
            assert [e["toState"] for e in got] == ["accepted", "accepted"]
    finally:
        await one.close()
        await two.close()


async def test_who_may_listen(db: ConnectionDatabase, settings: Settings):
    for caller, code, expected in ((ANONYMOUS, None, "UNAUTHENTICATED"),
                                   (LANZHOU, "410100", "FORBIDDEN")):
        stream = await _subscribe(db, settings, caller, code)
        result = await stream.__anext__()
        assert [e.extensions["code"] for e in result.errors] == [expected]


def test_the_subscription_speaks_graphql_transport_ws(events_url: str, settings: Settings):
    with TestClient(create_app(settings, database_url=as_app(events_url))) as client, \
            client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
        message = ws.receive_json()
        assert message["type"] == "next"
        assert message["payload"]["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@contextlib.contextmanager
def _dispatcher_listening(events_url: str, settings: Settings) -> Iterator[tuple[Any, Any]]:
    """An app, and a WebSocket on it where a Zhengzhou dispatcher subscribed (operation "1")
    and the app's listener is ready."""
    app = create_app(settings, database_url=as_app(events_url))
    token = issue_token(settings, sub="d-zz", role="dispatcher", region="410100000000")
    with TestClient(app) as client, \
            client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": token}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIBE}})
        live: events.Events = app.state.events
        for _ in range(500):
            if live.listeners and all(x.ready.is_set() for x in live.listeners.values()):
                break
            time.sleep(0.01)
        yield app, ws


def test_the_apps_listener_stops_with_the_app(events_url: str, settings: Settings):
    with _dispatcher_listening(events_url, settings) as (app, ws):
        live: events.Events = app.state.events
        [listener] = live.listeners.values()
        assert listener.subscribers, "the subscription listens through the app's listener"
        assert _listening_sessions(events_url) == 1
        ws.send_json({"id": "1", "type": "complete"})
    assert live.listeners == {}  # the lifespan closed it, and its connection with it
    for _ in range(200):
        if _listening_sessions(events_url) == 0:
            break
        time.sleep(0.01)
    assert _listening_sessions(events_url) == 0


def _listening_sessions(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND query LIKE 'LISTEN%'").fetchone()
    assert row is not None
    return int(row[0])


async def _offer_and_decline(url: str) -> int:
    """Offer a new demand in Zhengzhou to a new volunteer, and decline it: two events."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        writer = ConnectionDatabase(conn)
        [demand] = await writer.fetch(
            "INSERT INTO demand (title, category, needed, time_window, location_geom, "
            "region_code, raised_by) VALUES ('实验演示', 'health', 1, tstzrange(now() + "
            "interval '3 days', now() + interval '3 days 2 hours'), ST_SetSRID(ST_MakePoint("
            "113.7, 34.7), 4326), '410102000000', 'test') RETURNING id")
        [volunteer] = await writer.fetch(
            "INSERT INTO volunteer (real_name, home_geom, region_code) VALUES ('观众', "
            "ST_SetSRID(ST_MakePoint(113.7, 34.7), 4326), '410102000000') RETURNING id")
        [made] = await workflow.offer(writer, demand_id=demand["id"],
                                      volunteer_ids=[volunteer["id"]], caller=ZHENGZHOU,
                                      ttl_s=3600)
        await workflow.decline(writer, dispatch_id=made, caller=SYSTEM, reason="出差",
                               ttl_s=3600)
        return made


def _states(events: list[dict[str, Any]], made: int) -> list[tuple[str, str]]:
    mine = [e for e in events if e["dispatchId"] == encode_id("Dispatch", made)]
    return [(e["toState"], e["dispatch"]["state"]) for e in mine]


async def test_each_event_reads_the_dispatch_as_it_is_when_it_is_sent(
        db: ConnectionDatabase, live: events.Events, events_url: str, settings: Settings):
    """``dispatch`` is "the dispatch as it is now": a later event about the same dispatch
    reads it again instead of taking what an earlier event loaded."""
    stream = await _subscribe(db, settings, ZHENGZHOU, live=live)
    first = asyncio.ensure_future(stream.__anext__())
    await asyncio.sleep(0.05)
    await _listening(live)
    made = await _offer_and_decline(events_url)
    got = [(await asyncio.wait_for(first, 5)).data["dispatchEvents"]]
    while len(_states(got, made)) < 2:
        got.append((await asyncio.wait_for(stream.__anext__(), 5)).data["dispatchEvents"])
    await stream.aclose()
    assert _states(got, made) == [("offered", "offered"), ("declined", "declined")]


def test_each_event_over_a_websocket_reads_the_dispatch_as_it_is(events_url: str,
                                                                 settings: Settings):
    """The same through the app: its pool, a snapshot per event, nothing held between."""
    with _dispatcher_listening(events_url, settings) as (app, ws):
        made = asyncio.run(_offer_and_decline(events_url))
        got: list[dict[str, Any]] = []
        while len(_states(got, made)) < 2:
            message = ws.receive_json()
            assert message["type"] == "next", message
            got.append(message["payload"]["data"]["dispatchEvents"])
        assert _states(got, made) == [("offered", "offered"), ("declined", "declined")]
        ws.send_json({"id": "1", "type": "complete"})
        pool = app.state.db.pool
        for _ in range(200):  # the last event's snapshot ends as the subscription does
            stats = pool.get_stats()
            if stats.get("pool_available", 0) == stats.get("pool_size", 0):
                break
            time.sleep(0.01)
        assert stats.get("pool_available", 0) == stats.get("pool_size", 0), stats


async def test_a_claim_is_heard_as_any_dispatch_is(
        db: ConnectionDatabase, live: events.Events, events_url: str, settings: Settings):
    mine = await _subscribe(db, settings, ZHENGZHOU, live=live)
    first = asyncio.ensure_future(mine.__anext__())
    await asyncio.sleep(0.05)
    await _listening(live)
    async with await psycopg.AsyncConnection.connect(events_url, autocommit=True) as conn:
        writer = ConnectionDatabase(conn)
        demand = (await writer.fetch("SELECT id FROM demand"))[0]["id"]
        [volunteer] = await writer.fetch(
            "INSERT INTO volunteer (real_name, home_geom, region_code, weekly_availability) "
            "VALUES ('抢单者', ST_SetSRID(ST_MakePoint(113.6, 34.75), 4326), '410102000000', "
            "'{[0,10080)}') RETURNING id")
        claimer = Caller(Role.VOLUNTEER, encode_id("Volunteer", volunteer["id"]))
        made = await claims.claim(writer, claimer, demand_id=demand)
        event = (await asyncio.wait_for(first, 5)).data["dispatchEvents"]
        assert (event["dispatchId"], event["fromState"], event["toState"], event["actor"],
                event["reason"]) == (encode_id("Dispatch", made["id"]), None, "accepted",
                                     f"volunteer:{claimer.sub}", "claimed by the volunteer")
    await mine.aclose()
