"""While PostgreSQL is down the app answers 503 quickly, and it recovers by itself.

A private embedded cluster (never the shared one under .hub/) is served by uvicorn, crashed
(immediate stop, as a power cut would), started again on the same port, and watched.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import uvicorn
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth import issue_token
from hub.certs.model import new_code
from hub.db.embedded import EmbeddedCluster
from hub.db.migrate import migrate
from hub.schema.trusted import TrustedDocuments
from hub.seed import regions
from hub.settings import Settings
from tests.conftest import as_app, with_dbname

BOUND_S = 2.0  # every answer while down, and the return of service, within this
RAISE = """mutation($input: RaiseDemandInput!) { raiseDemand(input: $input) {
  demand { id } errors { field code message } } }"""
# A registered document (hub/schema/documents/Regions.graphql): answered by its compiled plan.
REGIONS = {"query": next(d.body for d in TrustedDocuments.load() if d.name == "Regions"),
           "variables": {"parent": "410000"}}
# (method, path, request arguments, whether the answer is GraphQL's)
DOWN_PROBES: list[tuple[str, str, dict[str, Any], bool]] = [
    ("POST", "/graphql", {"json": REGIONS}, True),
    ("POST", "/graphql", {"json": {"query": "{ regions { code } }"}}, True),
    ("GET", "/graphql?query={regions{name}}", {}, True),
    ("GET", "/tiles/stations/12/3370/1626.mvt", {}, False),
    ("GET", f"/certificates/{new_code()}", {}, False),  # well formed, so it is looked up
    ("GET", "/console/regions.geojson", {}, False),
    ("GET", "/readyz", {}, False),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    cluster: EmbeddedCluster
    owner_url: str
    http: httpx.Client
    admin: dict[str, str]


@pytest.fixture
def served(private_home: Path, settings: Settings) -> Iterator[Served]:
    cluster = EmbeddedCluster(private_home)
    info = cluster.start()
    migrate(info.url)
    with psycopg.connect(info.url) as conn:
        regions.load(conn)
        conn.commit()
    app = create_app(replace(settings, db_wait_s=1.0), database_url=as_app(info.url))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="critical"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.02)
    admin = {"Authorization": "Bearer " + issue_token(settings, sub="admin-o", role="admin")}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            yield Served(cluster, info.url, http, admin)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _raise_demand(served: Served) -> str:
    starts = datetime.now().astimezone() + timedelta(days=2)
    response = served.http.post("/graphql", headers=served.admin, json={
        "query": RAISE, "variables": {"input": {
            "title": "停电前的需求", "category": "health", "needed": 1,
            "startsAt": starts.isoformat(), "endsAt": (starts + timedelta(hours=2)).isoformat(),
            "location": {"lon": 113.6654, "lat": 34.7579}, "regionCode": "410105000000"}}})
    assert response.status_code == 200, response.text
    out = response.json()["data"]["raiseDemand"]
    assert out["errors"] == [], out
    return str(out["demand"]["id"])


def _timed(http: httpx.Client, method: str, path: str, **kwargs: Any
           ) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = http.request(method, path, **kwargs)
    return response, time.monotonic() - started


@pytest.mark.slow
def test_an_outage_answers_503_within_2_s_and_service_returns_by_itself(served: Served):
    demand_id = _raise_demand(served)  # acknowledged, then the server crashes at once
    for _ in range(2):
        assert served.http.post("/graphql", json=REGIONS).status_code == 200
    port = served.cluster.status().port  # type: ignore[union-attr]
    served.cluster.stop(immediate=True)

    slowest = 0.0
    for _ in range(2):  # the first round finds the pool's dead connections; the next knows
        for method, path, kwargs, graphql in DOWN_PROBES:
            response, took = _timed(served.http, method, path, **kwargs)
            slowest = max(slowest, took)
            assert response.status_code == 503, (path, response.text)
            assert took < BOUND_S, (path, took)
            assert int(response.headers["Retry-After"]) >= 1
            body = response.json()
            code = body["errors"][0]["extensions"]["code"] if graphql else body["code"]
            assert code == "DATABASE_UNAVAILABLE", body

    assert served.cluster.start().port == port  # the app's URL still points at it
    came_back = time.monotonic()
    while True:
        response, _ = _timed(served.http, "POST", "/graphql", json=REGIONS)
        if response.status_code == 200 and served.http.get("/readyz").status_code == 200:
            break
        assert response.status_code == 503, response.text
        assert time.monotonic() - came_back < BOUND_S, "service did not return by itself"
        time.sleep(0.05)
    print(f"while down: slowest answer {slowest:.3f} s; service back "
          f"{time.monotonic() - came_back:.3f} s after the database")

    found = served.http.post("/graphql", headers=served.admin, json={
        "query": "query($id: ID!) { node(id: $id) { id ... on Demand { title } } }",
        "variables": {"id": demand_id}})
    assert found.json()["data"]["node"] == {"id": demand_id, "title": "停电前的需求"}


def test_a_database_without_the_hub_is_not_ready_with_a_code(db_url: str, settings: Settings):
    with TestClient(create_app(settings, database_url=with_dbname(as_app(db_url), "postgres"))
                    ) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["code"] == "NOT_READY" and response.json()["status"] == "unavailable"
