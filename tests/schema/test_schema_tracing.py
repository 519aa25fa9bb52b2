"""Apollo federated tracing (ftv1): a real Apollo Gateway (tests/federation/gateway.mjs) queries
the served hub over HTTP with tracing on, and receives and decodes a trace of the fields it
asked for; without the gateway's header no trace is sent.

Node and npm are needed as for the composition check (tests/schema/test_schema_federation.py,
whose pinned install this shares): the test fails, not skips, without them.
"""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.schema import schema_sdl
from tests.conftest import as_app
from tests.schema.test_schema_federation import FEDERATION, _install, _tool
from tests.served_app import served

GATEWAY_TIMEOUT_S = 120
QUERY = "query Provinces { regions { code name isPriorityArea } }"
TRACE_HEADER = {"apollo-federation-include-trace": "ftv1"}


@pytest.fixture(scope="module")
def hub_url(seeded_url: str) -> Iterator[str]:
    with served(as_app(seeded_url)) as base:
        yield base + "/graphql"


def through_gateway(hub_url: str, tmp_path: Path, query: str) -> dict[str, Any]:
    _install()
    sdl = tmp_path / "hub.graphql"
    sdl.write_text(schema_sdl(), encoding="utf-8")
    out = subprocess.run([_tool("node"), str(FEDERATION / "gateway.mjs"), hub_url, str(sdl),
                          query], cwd=FEDERATION, capture_output=True, text=True,
                         encoding="utf-8", timeout=GATEWAY_TIMEOUT_S)
    assert out.returncode == 0, f"gateway.mjs failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    answer: dict[str, Any] = json.loads(out.stdout)
    return answer


def names(node: dict[str, Any]) -> Iterator[tuple[str, str, str]]:
    """``(parent type, response name, type)`` of every field node under ``node``."""
    for child in node["children"]:
        if "responseName" in child:
            yield child["parentType"], child["responseName"], child["type"]
        yield from names(child)


def test_the_gateway_receives_and_decodes_the_hubs_trace(hub_url: str, tmp_path: Path):
    answer = through_gateway(hub_url, tmp_path, QUERY)
    direct = httpx.post(hub_url, json={"query": QUERY}, timeout=30).json()
    assert answer["result"]["data"] == direct["data"]
    assert answer["result"]["data"]["regions"], "the seeded provinces"
    [fetch] = answer["fetches"]
    assert fetch["serviceName"] == "hub"
    assert fetch["traceParsingFailed"] is False
    trace = fetch["trace"]
    assert trace is not None, "the gateway got no ftv1 trace from the hub"
    assert trace["durationNs"] > 0
    fields = set(names(trace["root"]))
    assert ("Query", "regions", "[Region!]!") in fields
    # Fields with resolvers of their own are timed (strawberry leaves out plain attributes
    # such as code and name), each under its list item's index.
    assert ("Region", "isPriorityArea", "Boolean!") in fields
    [regions] = [c for c in trace["root"]["children"] if c.get("responseName") == "regions"]
    assert 0 < regions["startTime"] <= regions["endTime"] <= trace["durationNs"]
    assert [c["index"] for c in regions["children"]] == list(
        range(len(direct["data"]["regions"])))


def test_a_trace_only_for_those_who_ask(hub_url: str):
    plain = httpx.post(hub_url, json={"query": QUERY}, timeout=30).json()
    assert "ftv1" not in (plain.get("extensions") or {})
    asked = httpx.post(hub_url, json={"query": QUERY}, headers=TRACE_HEADER, timeout=30).json()
    assert asked["data"] == plain["data"]
    assert base64.b64decode(asked["extensions"]["ftv1"], validate=True)
