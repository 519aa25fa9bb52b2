"""deploy/gateway/server.mjs, the federation gateway of docker-compose.yml and Kubernetes, run
for real in front of two hub processes (uvicorn --workers 2 on one port, as a load balancer
would spread them): it answers through the hub, is ready only while the hub answers, and
refuses to start on SDL that does not compose. Its packages are tests/federation's (same
pinned versions, installed once by npm ci there), so no second install is needed here."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import as_app
from tests.deploy.common import DEPLOY
from tests.schema.test_schema_federation import FEDERATION, _install, _tool
from tests.served_app import served

GATEWAY = DEPLOY / "gateway"
SDL = Path(__file__).resolve().parents[2] / "hub" / "schema" / "schema.graphql"
QUERY = "query Provinces { regions { code name } }"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _copy(tmp_path: Path) -> Path:
    """server.mjs beside tests/federation's installed packages."""
    _install()
    (tmp_path / "server.mjs").write_text((GATEWAY / "server.mjs").read_text())
    (tmp_path / "node_modules").symlink_to(FEDERATION / "node_modules")
    (tmp_path / "package.json").write_text('{"type": "module"}')
    return tmp_path / "server.mjs"


@contextlib.contextmanager
def gateway(tmp_path: Path, subgraph: str, sdl: Path) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen([_tool("node"), str(_copy(tmp_path))], cwd=tmp_path,
                            env={"PATH": "/usr/bin:/bin", "HOST": "127.0.0.1",
                                 "PORT": str(port), "SUBGRAPHS": f"hub={subgraph}={sdl}"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the gateway did not start"
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_packages_are_the_ones_tests_federation_installs():
    ours = json.loads((GATEWAY / "package.json").read_text())["dependencies"]
    theirs = json.loads((FEDERATION / "package.json").read_text())["dependencies"]
    assert ours.items() <= theirs.items()
    lock = json.loads((GATEWAY / "package-lock.json").read_text())
    assert lock["packages"][""]["dependencies"] == ours
    for name, version in ours.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_the_gateway_answers_through_two_hub_processes(seeded_url: str, tmp_path: Path):
    with served(as_app(seeded_url), workers=2) as hub, \
            gateway(tmp_path, hub + "/graphql", SDL) as base:
        assert httpx.get(base + "/readyz", timeout=10).json() == {"status": "ready"}
        direct = httpx.post(hub + "/graphql", json={"query": QUERY}, timeout=30).json()
        assert direct["data"]["regions"], "the seeded provinces"
        for _ in range(4):  # a connection each, spread by the kernel over the processes
            with httpx.Client(timeout=30) as client:
                answer = client.post(base + "/graphql", json={"query": QUERY})
            assert answer.status_code == 200, answer.text
            assert answer.json()["data"] == direct["data"]
    # The hub has stopped: a gateway in front of it lives, but is not ready.
    (tmp_path / "again").mkdir()
    with gateway(tmp_path / "again", hub + "/graphql", SDL) as base:
        ready = httpx.get(base + "/readyz", timeout=10)
        assert ready.status_code == 503 and ready.json()["reason"].startswith("hub:")
        assert httpx.get(base + "/healthz", timeout=10).status_code == 200


def test_sdl_that_does_not_compose_stops_the_gateway(tmp_path: Path):
    bad = tmp_path / "bad.graphql"
    bad.write_text('extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", '
                   'import: ["@key"])\ntype Query { a: Nope }\n')
    (tmp_path / "run").mkdir()
    out = subprocess.run([_tool("node"), str(_copy(tmp_path / "run"))], cwd=tmp_path,
                         env={"PATH": "/usr/bin:/bin", "PORT": str(_free_port()),
                              "SUBGRAPHS": f"hub=http://127.0.0.1:1/graphql={bad}"},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 1
    assert "do not compose" in out.stderr or "Nope" in out.stderr, out.stderr


@pytest.mark.parametrize("subgraphs", ["", "hub=http://x/graphql"])
def test_bad_subgraph_settings_are_refused(tmp_path: Path, subgraphs: str):
    out = subprocess.run([_tool("node"), str(_copy(tmp_path))], cwd=tmp_path,
                         env={"PATH": "/usr/bin:/bin", "SUBGRAPHS": subgraphs},
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "SUBGRAPHS" in out.stderr
