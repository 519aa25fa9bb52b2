"""Many hub processes (issue 17.2): two `hub serve` processes and a `hub worker` on one
database share nothing but it. A dispatcher subscribed on process A hears a dispatch made
through process B, its expiry by the worker, and the inbox notification the worker relays;
sign-in codes sent through A count against the limit on B; a sign-out on A is refused on B.
See docs/processes.md."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from websockets.sync.client import ClientConnection, connect

from hub.auth import issue_token
from hub.schema.node import encode_id
from hub.settings import Settings
from tests.conftest import TEST_DATA_KEY, TEST_JWT_SECRET, migrated_database

ROOT = Path(__file__).resolve().parents[1]
READY_S = 60
ZHENGZHOU = "410100000000"
DISPATCH_EVENTS = """subscription { dispatchEvents(regionCode: "410100000000") {
  dispatchId toState actor } }"""
NOTIFICATIONS = "subscription { notificationReceived { kind subjectKind subjectId } }"
DISPATCH = """mutation($i: DispatchInput!) { dispatch(input: $i) {
  dispatches { id state } errors { code message } } }"""
REQUEST_CODE = """mutation($p: String!) { requestSignInCode(input: {phone: $p}) {
  expiresInS errors { code } } }"""
SIGN_IN = """mutation($p: String!, $c: String!) { signInWithCode(input: {phone: $p, code: $c}) {
  session { accessToken refreshToken } errors { code } } }"""
SIGN_OUT = """mutation($r: String!) { signOut(input: {refreshToken: $r}) {
  signedOut errors { code } } }"""
ME = "{ me { account { id kind } } }"
_CODE = re.compile(r"sign-in code for \S+: (\d{6}) ")


@dataclass
class Hub:
    base: str
    log: Path

    def post(self, query: str, variables: dict[str, Any] | None = None,
             token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.post(self.base + "/graphql", json={"query": query, "variables": variables},
                          headers=headers, timeout=15)

    def data(self, query: str, variables: dict[str, Any] | None = None,
             token: str | None = None) -> dict[str, Any]:
        answer = self.post(query, variables, token).json()
        assert "errors" not in answer, answer
        return dict(answer["data"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def procs_url(server_url: str) -> str:
    """A scratch database: a demand in Zhengzhou two days ahead and a volunteer beside it."""
    url = migrated_database(server_url, "hub_test_many_processes")
    with psycopg.connect(url) as conn:
        conn.execute(
            "INSERT INTO demand (title, category, needed, time_window, location_geom, "
            "region_code, raised_by) VALUES ('科普讲座', 'health', 1, tstzrange(now() + "
            "interval '2 days', now() + interval '2 days 2 hours'), ST_SetSRID(ST_MakePoint("
            "113.6, 34.75), 4326), '410102000000', 'test')")
        conn.execute("INSERT INTO volunteer (real_name, home_geom, region_code) VALUES "
                     "('听众', ST_SetSRID(ST_MakePoint(113.6, 34.75), 4326), '410102000000')")
        conn.commit()
    return url


@contextlib.contextmanager
def _started(procs_url: str, tmp_path: Path) -> Iterator[tuple[Hub, Hub]]:
    """`hub serve` twice (A, B) and `hub worker` once, on the scratch database, as an operator
    would start them on three machines; stopped with SIGTERM after."""
    env = {**os.environ, "DATABASE_URL": procs_url, "PYTHONPATH": str(ROOT),
           "HUB_HOME": str(tmp_path / "home"), "HUB_DATA_KEY": TEST_DATA_KEY,
           "HUB_JWT_SECRET": TEST_JWT_SECRET, "HUB_DISPATCH_OFFER_TTL_S": "2",
           "HUB_SWEEP_S": "1", "HUB_SIGN_IN_SENDS_PER_PHONE_PER_HOUR": "2",
           "HUB_POOL_MIN_SIZE": "1", "HUB_WORKER_SHUTDOWN_S": "2"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    hubs, procs = [], []
    try:
        for name in ("a", "b"):
            port, log = _free_port(), tmp_path / f"{name}.log"
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "hub.cli", "serve", "--port", str(port)], env=env,
                cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                stderr=log.open("w")))
            hubs.append(Hub(f"http://127.0.0.1:{port}", log))
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "hub.cli", "worker", "--concurrency", "4"], env=env, cwd=ROOT,
            start_new_session=True, stdout=subprocess.DEVNULL,
            stderr=(tmp_path / "worker.log").open("w")))
        deadline = time.monotonic() + READY_S
        for hub, proc in zip(hubs, procs, strict=False):
            while True:
                assert proc.poll() is None, hub.log.read_text()[-2000:]
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(hub.base + "/readyz", timeout=2).status_code == 200:
                        break
                assert time.monotonic() < deadline, f"{hub.base} was not ready in {READY_S} s"
                time.sleep(0.1)
        yield hubs[0], hubs[1]
        assert procs[2].poll() is None, (tmp_path / "worker.log").read_text()[-2000:]
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _listening(url: str, channel: str) -> int:
    """Connections LISTENing on ``channel`` (one per process that listens)."""
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                           "current_database() AND query = %s", (f'LISTEN "{channel}"',)
                           ).fetchone()
    assert row is not None
    return int(row[0])


def _until(condition: Any, what: str, timeout_s: float = 15.0) -> float:
    """Wait until ``condition()`` is true; the seconds it took."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout_s, f"{what}: not within {timeout_s} s"
        time.sleep(0.05)
    return time.monotonic() - start


def _subscribe(ws: ClientConnection, token: str) -> None:
    ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": token}}))
    assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
    for op, query in (("events", DISPATCH_EVENTS), ("inbox", NOTIFICATIONS)):
        ws.send(json.dumps({"id": op, "type": "subscribe", "payload": {"query": query}}))


def _heard(ws: ClientConnection, until: Any, timeout_s: float = 20.0) -> list[tuple[str, Any]]:
    """Messages (operation, data) received until ``until(messages)`` holds."""
    got: list[tuple[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    while not until(got):
        left = deadline - time.monotonic()
        assert left > 0, f"not heard in {timeout_s} s; heard {got}"
        message = json.loads(ws.recv(timeout=left))
        assert message["type"] == "next" and "errors" not in message["payload"], message
        got.append((message["id"], message["payload"]["data"]))
    return got


def _code_in(log: Path) -> str:
    codes = _CODE.findall(log.read_text())
    assert codes, "the log gateway wrote no code"
    return str(codes[-1])


def test_two_servers_and_a_worker_share_only_the_database(procs_url: str, tmp_path: Path,
                                                           settings: Settings) -> None:
    with _started(procs_url, tmp_path) as (a, b):
        dispatcher = issue_token(settings, sub="d-zz", role="dispatcher", region=ZHENGZHOU)
        with connect(a.base.replace("http", "ws") + "/graphql",
                     subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            _subscribe(ws, dispatcher)
            for channel in ("hub_dispatch", "hub_notification"):  # A listens; B does not
                _until(lambda c=channel: _listening(procs_url, c) == 1, f"A LISTENs {channel}")
            with psycopg.connect(procs_url) as conn:
                [(demand, volunteer)] = conn.execute(
                    "SELECT (SELECT id FROM demand), (SELECT id FROM volunteer)").fetchall()
            made = b.data(DISPATCH, {"i": {"demandId": encode_id("Demand", demand),
                                           "volunteerIds": [encode_id("Volunteer", volunteer)]}},
                          dispatcher)["dispatch"]
            assert made["errors"] == [] and made["dispatches"][0]["state"] == "offered"
            dispatch_id = made["dispatches"][0]["id"]
            # The offer, written through B, reaches A; the worker expires it two seconds later
            # (HUB_DISPATCH_OFFER_TTL_S) and relays the region desk's notification of it.
            got = _heard(ws, lambda got: ("events", "expired") in _states(got, dispatch_id)
                         and ("inbox", "offer_expired") in _states(got, dispatch_id))
            events = [s for s in _states(got, dispatch_id) if s[0] == "events"]
            assert events == [("events", "offered"), ("events", "expired")], got
            expired = [d["dispatchEvents"] for op, d in got if op == "events"][-1]
            assert expired["actor"] != "dispatcher:d-zz"  # the worker's, not B's

        # Sign-in codes sent through A count on B: the third for one phone in an hour is refused.
        for hub in (a, a):
            assert hub.data(REQUEST_CODE, {"p": "13800001111"})["requestSignInCode"][
                "errors"] == []
        refused = b.post(REQUEST_CODE, {"p": "13800001111"}).json()
        assert refused["errors"][0]["extensions"]["code"] == "RATE_LIMITED", refused

        # A session signed in through B, used on both, signed out on A: refused on B at once.
        assert a.data(REQUEST_CODE, {"p": "13800002222"})["requestSignInCode"]["errors"] == []
        session = b.data(SIGN_IN, {"p": "13800002222", "c": _code_in(a.log)})[
            "signInWithCode"]["session"]
        token = session["accessToken"]
        for hub in (a, b):
            assert hub.data(ME, token=token)["me"]["account"]["kind"] == "resident"
        _until(lambda: _listening(procs_url, "hub_revoked") == 2, "A and B LISTEN hub_revoked")
        for hub in (a, b):  # now each remembers "not revoked", read while it listens
            assert hub.data(ME, token=token)["me"]["account"]["kind"] == "resident"
        assert a.data(SIGN_OUT, {"r": session["refreshToken"]})["signOut"] == {
            "signedOut": True, "errors": []}
        # The bound without the notification is RECHECK_S (30 s); it is heard in far less.
        took = _until(lambda: b.post(ME, token=token).status_code == 401, "refused on B", 5.0)
        assert b.post(ME, token=token).json()["errors"][0]["extensions"]["reason"] == "revoked"
        assert a.post(ME, token=token).status_code == 401
        print(f"sign-out on A refused on B after {took * 1000:.0f} ms")


def _states(got: list[tuple[str, Any]], dispatch_id: str) -> list[tuple[str, str]]:
    """(operation, state or kind) of the messages about one dispatch."""
    out = []
    for op, data in got:
        if op == "events" and data["dispatchEvents"]["dispatchId"] == dispatch_id:
            out.append((op, data["dispatchEvents"]["toState"]))
        elif op == "inbox" and data["notificationReceived"]["subjectKind"] == "dispatch" and \
                encode_id("Dispatch", int(data["notificationReceived"]["subjectId"])) == \
                dispatch_id:
            out.append((op, data["notificationReceived"]["kind"]))
    return out
