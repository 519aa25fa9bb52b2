"""The hub served by uvicorn in processes of its own (several workers, a gateway's target), or
in a thread of the test's process.

:func:`served` starts ``uvicorn --factory tests.served_app:app`` on a free port; :func:`app` is
that factory: the hub on the database ``HUB_TEST_SERVED_URL`` names. :func:`in_thread` serves
an app the test made (its own settings, its logs in ``caplog``) in a thread.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette

from hub.app import create_app
from hub.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
URL_VARIABLE = "HUB_TEST_SERVED_URL"
READY_S = 60


def app() -> Starlette:
    """The hub's application on the test's database."""
    return create_app(Settings.from_env(), database_url=os.environ[URL_VARIABLE])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def served(url: str, *, workers: int = 1, metrics_dir: Path | None = None) -> Iterator[str]:
    """The hub on database ``url`` under uvicorn with ``workers`` processes (their metrics in
    ``metrics_dir``, when given); yields the base URL once it is ready, stops it after."""
    port = _free_port()
    env = {**os.environ, URL_VARIABLE: url, "PYTHONPATH": str(ROOT)}
    if metrics_dir is not None:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "tests.served_app:app", "--host",
         "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
        env=env, cwd=ROOT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_S
        while True:
            assert proc.poll() is None, f"uvicorn exited with {proc.returncode}"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, f"uvicorn was not ready within {READY_S} s"
            time.sleep(0.2)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


@contextlib.contextmanager
def in_thread(app: Starlette) -> Iterator[str]:
    """``app`` served by uvicorn in a thread, on a socket bound here to a free port; yields
    its base URL once it started (its lifespan ran), stops it after."""
    sock = socket.create_server(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + READY_S
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        host, port = sock.getsockname()[:2]
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()
