"""Over graphql-transport-ws too, answers follow the handshake's Accept-Language and Time-Zone
(a browser sends its Accept-Language with the handshake; it cannot set Time-Zone, so a
console's subscriptions read Asia/Shanghai); a zone that names none closes the socket (4400)
saying why."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from hub.app import create_app
from hub.schema.http import BAD_ZONE_CLOSE
from hub.settings import Settings
from tests.conftest import as_app

QUERY = '{ demands(first: 3) { edges { node { startsAt } } } node(id: "not-base64!!") { id } }'


@pytest.fixture
def client(seeded_url: str, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database_url=as_app(seeded_url))) as test_client:
        yield test_client


def _answer(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"],
                                  headers=headers) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": QUERY}})
        message = ws.receive_json()
        assert message["type"] == "next"
        payload: dict[str, Any] = message["payload"]
        return payload


@pytest.mark.parametrize(("headers", "english", "offset"), [
    ({}, False, "+08:00"),
    ({"Accept-Language": "en-US", "Time-Zone": "UTC"}, True, "+00:00"),
    ({"Accept-Language": "zh-CN", "X-Time-Zone": "Asia/Urumqi"}, False, "+06:00"),
])
def test_websocket_answers_in_the_handshakes_language_and_zone(
        client: TestClient, headers: dict[str, str], english: bool, offset: str):
    payload = _answer(client, headers)
    [error] = payload["errors"]
    extensions = error["extensions"]
    assert extensions["code"] == "BAD_USER_INPUT"
    assert error["message"] == extensions["messageEn" if english else "messageZh"]
    edges = payload["data"]["demands"]["edges"]
    assert edges and all(e["node"]["startsAt"].endswith(offset) for e in edges)


@pytest.mark.parametrize(("accept", "reason"), [(None, "不是 IANA 时区名称"),
                                                ("en", "is not an IANA time zone")])
def test_a_websocket_naming_no_zone_is_closed_saying_why(client: TestClient, accept: str | None,
                                                         reason: str):
    headers = {"Time-Zone": "Nowhere/Else", **({"Accept-Language": accept} if accept else {})}
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(
            "/graphql", subprotocols=["graphql-transport-ws"], headers=headers):
        pass
    assert closed.value.code == BAD_ZONE_CLOSE and reason in closed.value.reason
