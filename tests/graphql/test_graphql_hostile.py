"""A quick hostile-input fuzz of /graphql over real HTTP (uvicorn in a thread, a free port):
a few hundred requests of every kind in ``tests/hostile.py``. None may get a 5xx, an error
without ``extensions.code`` (or ``messageZh``), an INTERNAL_SERVER_ERROR, or a refusal that is
not JSON; p99 stays under a second; no refusal is logged with a traceback.
The 5,000-request version is ``make bench-fuzz`` (bench/bench_fuzz.py).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn

from hub.app import create_app
from hub.auth import issue_token
from hub.schema import schema
from hub.settings import Settings
from tests.hostile import fire, hostile

REQUESTS = 400


@pytest.fixture(scope="module")
def server(seeded_url: str, settings: Settings) -> Iterator[str]:
    """The hub served by uvicorn in a thread, on a socket bound here to a free port."""
    sock = socket.create_server(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(settings, database_url=seeded_url), log_level="warning",
                            access_log=False)
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(400):  # 20 s
        if srv.started or not thread.is_alive():
            break
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    host, port = sock.getsockname()[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        srv.should_exit = True
        thread.join(10)
        sock.close()


def test_hostile_requests_get_coded_json_refusals_quickly(
        server: str, settings: Settings, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO)
    token = issue_token(settings, sub="d-1", role="dispatcher", region="410100000000")
    requests = list(hostile(seed=20240611, count=REQUESTS, auth=[f"Bearer {token}"]))
    report = fire(server, requests, threads=4)
    assert sum(report.statuses.values()) == REQUESTS
    assert len(report.kinds) >= 18  # every kind of hostile input was sent
    assert not report.faults, report.examples
    assert not any(status >= 500 for status in report.statuses)
    assert {400, 405, 413, 415}.issubset(report.statuses)
    assert report.quantile_s(0.99) <= 1.0, sorted(report.slowest_s.items())
    tracebacks = [r for r in caplog.records if r.exc_info]
    assert not tracebacks, tracebacks[0].getMessage()
    assert any(r.getMessage().startswith("refused") for r in caplog.records)
    documents, plans = schema().documents.entries, schema().plans.by_text
    assert documents.bytes <= documents.budget_bytes
    assert set(plans) <= {d.body for d in schema().trusted}  # nothing compiled from traffic
