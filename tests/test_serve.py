"""``hub serve --workers N`` (hub/serve.py): each worker listens on the port with a socket of
its own, so many keep-alive connections opened at once spread over the workers instead of
landing on whichever accepted first; an address already in use is refused."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from hub.serve import PortInUse, check_free

ROOT = Path(__file__).resolve().parents[1]
CONNECTIONS = 32


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _pid_over(conn: http.client.HTTPConnection) -> int:
    conn.request("GET", "/")
    return int(conn.getresponse().read())


def test_connections_opened_at_once_spread_over_the_workers() -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub.serve", "tests.serve_app:app", "--port", str(port),
         "--workers", "2", "--log-level", "warning", "--no-access-log"],
        cwd=ROOT, start_new_session=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        seen: set[int] = set()
        while len(seen) < 2:  # both workers up: each answers on a fresh connection in time
            assert proc.poll() is None and time.monotonic() < deadline, "workers did not start"
            try:
                seen.add(_pid_over(http.client.HTTPConnection("127.0.0.1", port, timeout=2)))
            except OSError:
                time.sleep(0.1)
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                 for _ in range(CONNECTIONS)]
        for conn in conns:
            conn.connect()  # all at once, as a load generator's keep-alive connections
        share = Counter(_pid_over(conn) for conn in conns)
        assert set(share) <= seen and len(share) == 2
        # By the kernel's hash, about half each: fewer than 4 of 32 has odds under 1e-5.
        assert min(share.values()) >= 4, share
        for conn in conns:  # and each connection stays with its worker
            assert _pid_over(conn) in share
            conn.close()
        with pytest.raises(PortInUse):
            check_free("127.0.0.1", port)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=30) == 0  # stopped on SIGTERM, its workers with it
