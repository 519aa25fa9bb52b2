"""Revoked sign-ins on WebSockets (hub/schema/ws_guard.py): a socket whose caller's sign-in is
signed out is closed (4401 ``revoked``) as the revocation is heard, another sign-in's socket
stays open; a ``connection_init`` whose revocation cannot be checked (the database is
unavailable) is refused with 1013 ``DATABASE_UNAVAILABLE``. The hub is served by uvicorn, its
sessions made through the API. See docs/processes.md."""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from hub.app import create_app
from hub.schema.ws_guard import REVOKED_CLOSE, REVOKED_REASON, UNAVAILABLE_CLOSE
from hub.settings import Settings
from tests.auth.signin_steps import REQUEST, SIGN_IN, SIGN_OUT, logged_code
from tests.conftest import as_app, migrated_database, with_dbname
from tests.served_app import in_thread

NOTIFICATIONS = "subscription { notificationReceived { kind subjectKind subjectId } }"
HEARD_S = 5.0  # the notification arrives in milliseconds; RECHECK_S (30 s) if it were lost


@pytest.fixture(scope="module")
def ws_url(server_url: str) -> str:
    return migrated_database(server_url, "hub_test_revocation_ws")


@pytest.fixture
def hub(ws_url: str, settings: Settings, caplog: pytest.LogCaptureFixture) -> Iterator[str]:
    """The hub on the scratch database, waiting 1 s for a connection; sign-in codes logged."""
    caplog.set_level(logging.WARNING, logger="hub.sms")
    app = create_app(replace(settings, db_wait_s=1.0), database_url=as_app(ws_url))
    with in_thread(app) as base:
        yield base


def _data(base: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.post(base + "/graphql", json={"query": query, "variables": variables},
                        timeout=15).json()
    assert "errors" not in answer, answer
    return dict(answer["data"])


def _session(base: str, phone: str, caplog: pytest.LogCaptureFixture) -> dict[str, Any]:
    """A resident signed in with a code through the API: its access and refresh tokens."""
    asked = _data(base, REQUEST, {"i": {"phone": phone}})["requestSignInCode"]
    assert asked["errors"] == [], asked
    signed_in = _data(base, SIGN_IN, {"i": {"phone": phone, "code": logged_code(caplog)}})
    assert signed_in["signInWithCode"]["errors"] == [], signed_in
    return dict(signed_in["signInWithCode"]["session"])


@contextlib.contextmanager
def _socket(base: str, token: str, *, in_handshake: bool = False) -> Iterator[ClientConnection]:
    """A graphql-transport-ws connection with the token in ``connection_init`` (or in the
    handshake's Authorization header)."""
    headers = {"Authorization": f"Bearer {token}"} if in_handshake else {}
    with connect(base.replace("http", "ws", 1) + "/graphql", additional_headers=headers,
                 subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                 open_timeout=10) as ws:
        ws.send(json.dumps({"type": "connection_init",
                            "payload": {} if in_handshake else {"Authorization": token}}))
        yield ws


@contextlib.contextmanager
def _subscribed(base: str, token: str, *, in_handshake: bool = False
                ) -> Iterator[ClientConnection]:
    """A connection acknowledged, with a subscription to the inbox running on it."""
    with _socket(base, token, in_handshake=in_handshake) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "inbox", "type": "subscribe",
                            "payload": {"query": NOTIFICATIONS}}))
        ws.send(json.dumps({"type": "ping"}))  # answered after the subscribe was taken
        assert json.loads(ws.recv(timeout=10)) == {"type": "pong"}
        yield ws


def _closed(ws: ClientConnection, within_s: float) -> tuple[int, str]:
    """The close code and reason the server sent within ``within_s`` (no message before)."""
    with pytest.raises(ConnectionClosed) as closed:
        message = ws.recv(timeout=within_s)
        pytest.fail(f"a message before the close: {message!r}")
    assert closed.value.rcvd is not None, "closed without a close frame"
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_a_signed_out_sign_in_s_subscriptions_end_and_others_stay(
        hub: str, caplog: pytest.LogCaptureFixture):
    mine = _session(hub, "13800003333", caplog)
    other = _session(hub, "13800004444", caplog)
    with _subscribed(hub, mine["accessToken"]) as first, \
            _subscribed(hub, mine["accessToken"], in_handshake=True) as second, \
            _subscribed(hub, other["accessToken"]) as kept:
        started = time.monotonic()
        out = _data(hub, SIGN_OUT, {"i": {"refreshToken": mine["refreshToken"]}})
        assert out["signOut"] == {"signedOut": True, "errors": []}
        for ws in (first, second):
            assert _closed(ws, HEARD_S) == (REVOKED_CLOSE, REVOKED_REASON)
        took = time.monotonic() - started
        # The other sign-in's socket is open, and its subscription with it.
        kept.send(json.dumps({"type": "ping"}))
        assert json.loads(kept.recv(timeout=5)) == {"type": "pong"}
        kept.send(json.dumps({"id": "inbox", "type": "subscribe",
                              "payload": {"query": NOTIFICATIONS}}))
        assert _closed(kept, 5) == (4409, "Subscriber for inbox already exists")
        print(f"closed {took * 1000:.0f} ms after signOut was sent")


def test_connection_init_while_the_database_is_unavailable_is_refused_with_the_code(
        hub: str, ws_url: str, caplog: pytest.LogCaptureFixture):
    session = _session(hub, "13800005555", caplog)  # its family not yet asked about
    name = sql.Identifier(str(conninfo_to_dict(ws_url)["dbname"]))
    with psycopg.connect(with_dbname(ws_url, "postgres"), autocommit=True) as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(name))
        try:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                          "datname = %s", (conninfo_to_dict(ws_url)["dbname"],))
            with _socket(hub, session["accessToken"]) as ws:
                assert _closed(ws, 10) == (UNAVAILABLE_CLOSE, "DATABASE_UNAVAILABLE")
        finally:
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(name))
