"""GraphQL over HTTP and WebSocket, with bearer tokens."""

from __future__ import annotations

import time
from collections.abc import Iterator

import jwt
import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth import issue_token
from hub.settings import Settings
from tests.conftest import as_app

QUERY = {"query": "{ volunteers(first: 1) { edges { node { phone } } } }"}


@pytest.fixture
def client(seeded_url: str, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database_url=as_app(seeded_url))) as test_client:
        yield test_client


def outsider(settings: Settings) -> dict[str, str]:
    """Headers of a dispatcher far away (Beijing): every seeded volunteer is out of scope."""
    token = issue_token(settings, sub="d-bj", role="dispatcher", region="110000000000")
    return {"Authorization": f"Bearer {token}"}


def test_no_token_is_anonymous(client: TestClient, settings: Settings):
    response = client.post("/graphql", json=QUERY)
    assert response.status_code == 200
    # Anonymous callers get no volunteer record at all (counts per cell only).
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    far = client.post("/graphql", json=QUERY, headers=outsider(settings))
    assert "****" in far.json()["data"]["volunteers"]["edges"][0]["node"]["phone"]


def test_an_admin_token_sees_the_phone(client: TestClient, settings: Settings):
    token = issue_token(settings, sub="admin-1", role="admin")
    response = client.post("/graphql", json=QUERY, headers={"Authorization": f"Bearer {token}"})
    phone = response.json()["data"]["volunteers"]["edges"][0]["node"]["phone"]
    assert phone.isdigit() and len(phone) == 11


@pytest.mark.parametrize("kind", ["expired", "bad_signature", "garbage", "not_bearer"])
def test_a_bad_token_is_unauthenticated_not_anonymous(client: TestClient, settings: Settings,
                                                      kind: str):
    assert settings.jwt_secret is not None
    now = int(time.time())
    tokens = {
        "expired": jwt.encode({"sub": "a", "role": "admin", "exp": now - 3600},
                              settings.jwt_secret, algorithm="HS256"),
        "bad_signature": jwt.encode({"sub": "a", "role": "admin", "exp": now + 3600},
                                    "another-secret-that-is-long-enough-for-hs256",
                                    algorithm="HS256"),
        "garbage": "not.a.token",
    }
    header = f"Token {tokens['garbage']}" if kind == "not_bearer" else f"Bearer {tokens[kind]}"
    response = client.post("/graphql", json=QUERY, headers={"Authorization": header})
    assert response.status_code == 401
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_graphiql_is_served(client: TestClient):
    response = client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and "graphiql" in response.text.lower()


def test_health_and_readiness(client: TestClient):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and ready["postgis"].startswith("3.")


def test_queries_run_over_graphql_transport_ws(client: TestClient):
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {}})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe",
                      "payload": {"query": '{ regions(parentCode: "410000") { name } }'}})
        message = ws.receive_json()
        assert message["type"] == "next"
        names = [r["name"] for r in message["payload"]["data"]["regions"]]
        assert "郑州市" in names
        assert ws.receive_json() == {"id": "1", "type": "complete"}


def _ws_phone(client: TestClient, payload: dict[str, str]) -> str:
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": payload})
        assert ws.receive_json()["type"] == "connection_ack"
        ws.send_json({"id": "1", "type": "subscribe", "payload": QUERY})
        message = ws.receive_json()
        if message["payload"].get("errors"):
            return str(message["payload"]["errors"][0]["extensions"]["code"])
        return str(message["payload"]["data"]["volunteers"]["edges"][0]["node"]["phone"])


def test_a_websocket_caller_signs_in_with_connection_init(client: TestClient, settings: Settings):
    token = issue_token(settings, sub="admin-1", role="admin")
    assert _ws_phone(client, {}) == "FORBIDDEN"  # anonymous: no volunteer record
    assert "****" in _ws_phone(client, outsider(settings))
    assert "****" not in _ws_phone(client, {"Authorization": f"Bearer {token}"})


def test_a_bad_websocket_token_closes_the_connection(client: TestClient):
    from starlette.websockets import WebSocketDisconnect

    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer nope"}})
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4403
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect(
            "/graphql", subprotocols=["graphql-transport-ws"],
            headers={"Authorization": "Bearer nope"}) as ws:
        ws.receive_json()
    assert closed.value.code == 4401


def test_map_layer_over_http_embeds_the_database_json_unchanged(client: TestClient,
                                                                settings: Settings):
    # Over HTTP the layer's JSON text goes out as PostgreSQL wrote it (orjson.Fragment);
    # it must parse to the same collection the in-process path returns, in any CRS.
    token = issue_token(settings, sub="admin-1", role="admin")
    layer = ("{ a: mapLayer(layer: STATIONS, bbox: {west: 112, south: 33, east: 115, "
             "north: 36}, limit: 30) b: mapLayer(layer: STATIONS, bbox: {west: 112, south: 33, "
             "east: 115, north: 36}, crs: GCJ02, limit: 30) }")
    response = client.post("/graphql", json={"query": layer},
                           headers={"Authorization": f"Bearer {token}"})
    data = response.json()["data"]
    assert data["a"]["type"] == "FeatureCollection" and len(data["a"]["features"]) == 30
    assert data["a"]["truncated"] is True
    assert [f["id"] for f in data["a"]["features"]] == [f["id"] for f in data["b"]["features"]]
    shifted = [abs(f["geometry"]["coordinates"][0] - g["geometry"]["coordinates"][0])
               for f, g in zip(data["a"]["features"], data["b"]["features"], strict=True)]
    assert all(0.001 < d < 0.01 for d in shifted)  # GCJ-02 is offset by a few hundred metres
