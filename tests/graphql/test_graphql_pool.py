"""Requests served as in production: ``create_app`` with its real pools (autocommit, a
connection per statement outside a request's snapshot) against a scratch database, while
other sessions commit."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.schema.node import encode_id
from hub.settings import Settings
from tests.conftest import as_app, migrated_database

PAGE = "{ organizations(first: 50) { totalCount edges { node { id name } } } }"
FIXED = 3  # teams that stay; a writer adds and removes a fourth over and over
REQUESTS = 150


@pytest.fixture(scope="module")
def pool_url(server_url: str) -> str:
    url = migrated_database(server_url, "hub_test_pool")
    with psycopg.connect(url) as conn:
        [code] = conn.execute("SELECT code FROM region WHERE level = 'city' "
                              "ORDER BY code LIMIT 1").fetchone() or (None,)
        for n in range(FIXED):
            conn.execute("INSERT INTO organization (name, level, region_code, kind) "
                         "VALUES (%s, 'corps', %s, 'association')", (f"常驻队伍{n}", code))
    return url


@pytest.fixture
def client(pool_url: str, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database_url=as_app(pool_url))) as test_client:
        yield test_client


def _churn(url: str, stop: threading.Event, commits: list[int]) -> None:
    """Add a team and remove it again, each in its own committed transaction, until told."""
    with psycopg.connect(url, autocommit=True) as conn:
        code = conn.execute("SELECT region_code FROM organization LIMIT 1").fetchone()
        while not stop.is_set():
            conn.execute("INSERT INTO organization (name, level, region_code, kind) "
                         "VALUES ('来去队伍', 'corps', %s, 'association')", code)
            conn.execute("DELETE FROM organization WHERE name = '来去队伍'")
            commits[0] += 2


def test_a_page_and_its_total_count_agree_under_concurrent_writes(client: TestClient,
                                                                  pool_url: str):
    stop, commits = threading.Event(), [0]
    writer = threading.Thread(target=_churn, args=(pool_url, stop, commits), daemon=True)
    writer.start()
    seen: set[int] = set()
    try:
        for _ in range(REQUESTS):
            response = client.post("/graphql", json={"query": PAGE})
            assert response.status_code == 200, response.text
            page = response.json()["data"]["organizations"]
            assert len(page["edges"]) == page["totalCount"], page
            seen.add(page["totalCount"])
    finally:
        stop.set()
        writer.join(timeout=10)
    assert commits[0] >= REQUESTS  # the writer kept committing while the requests ran
    assert seen <= {FIXED, FIXED + 1}


def test_a_request_holds_no_connection_after_it_is_answered(client: TestClient):
    for _ in range(5):
        assert client.post("/graphql", json={"query": PAGE}).status_code == 200
    pool = client.app.state.db.pool  # type: ignore[attr-defined]
    # A request's snapshot is committed after its answer is sent (its COMMIT is no part of the
    # answer's latency), so the connection may come back a moment after the client has read.
    deadline = time.monotonic() + 2.0
    while True:
        stats = pool.get_stats()
        if stats.get("pool_available", 0) == stats.get("pool_size", 0) or \
                time.monotonic() > deadline:
            break
        time.sleep(0.01)
    assert stats.get("pool_available", 0) == stats.get("pool_size", 0)


def _over_websocket(ws: Any, query: str, n: int) -> dict[str, Any]:
    """The data of one query sent as operation ``n`` of a graphql-transport-ws connection."""
    ws.send_json({"id": str(n), "type": "subscribe", "payload": {"query": query}})
    message = ws.receive_json()
    assert message["type"] == "next" and "errors" not in message["payload"], message
    assert ws.receive_json() == {"id": str(n), "type": "complete"}
    data: dict[str, Any] = message["payload"]["data"]
    return data


def test_a_websocket_query_reads_one_snapshot_under_concurrent_writes(client: TestClient,
                                                                     pool_url: str):
    """Operations on a WebSocket share the connection's context (strawberry makes one per
    connection): each still reads one snapshot, as an HTTP request does."""
    stop, commits = threading.Event(), [0]
    writer = threading.Thread(target=_churn, args=(pool_url, stop, commits), daemon=True)
    seen: set[int] = set()
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_ack"
        writer.start()
        try:
            n = 0
            while n < REQUESTS or commits[0] < REQUESTS:  # while the writer keeps committing
                page = _over_websocket(ws, PAGE, n)["organizations"]
                assert len(page["edges"]) == page["totalCount"], page
                seen.add(page["totalCount"])
                n += 1
        finally:
            stop.set()
            writer.join(timeout=10)
    assert commits[0] >= REQUESTS
    assert seen <= {FIXED, FIXED + 1}
    pool = client.app.state.db.pool  # type: ignore[attr-defined]
    stats = pool.get_stats()  # no snapshot outlives its operation
    assert stats.get("pool_available", 0) == stats.get("pool_size", 0)


def test_each_websocket_operation_loads_what_is_there_now(client: TestClient, pool_url: str):
    """A node read by a later operation on the same WebSocket is read again, not taken from
    what the connection's first operation loaded."""
    with psycopg.connect(pool_url) as conn:
        row = conn.execute("INSERT INTO organization (name, level, region_code, kind) SELECT "
                           "'改名前', 'corps', region_code, 'association' FROM organization "
                           "LIMIT 1 RETURNING id").fetchone()
    assert row is not None
    node_id = encode_id("Organization", row[0])
    node = '{ node(id: "' + node_id + '") { ... on Organization { name } } }'
    try:
        with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {}})
            assert ws.receive_json()["type"] == "connection_ack"
            assert _over_websocket(ws, node, 1)["node"] == {"name": "改名前"}
            with psycopg.connect(pool_url) as conn:
                conn.execute("UPDATE organization SET name = '改名后' WHERE id = %s", row)
            assert _over_websocket(ws, node, 2)["node"] == {"name": "改名后"}
    finally:
        with psycopg.connect(pool_url) as conn:
            conn.execute("DELETE FROM organization WHERE id = %s", row)

