"""GET /metrics: GraphQL operations by name, type, compiled and outcome, with latency; HTTP
statuses; the pools' use; several uvicorn workers adding up (prometheus_client multiprocess)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from hub.app import create_app
from hub.metrics import OTHER, OperationLabels
from hub.schema import schema
from hub.settings import Settings
from tests.conftest import as_app
from tests.served_app import served

NAMED = {"query": "query Regions { regions { code } }"}
UNNAMED = {"query": "{ regions { name } }"}
INVALID = {"query": "query Broken { noSuchField }"}


def samples(text: str, name: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The values of sample ``name``, keyed by their sorted labels."""
    return {tuple(sorted(s.labels.items())): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples if s.name == name}


def value(text: str, name: str, **labels: str) -> float:
    """The sum of ``name``'s samples whose labels include ``labels``."""
    return sum(v for key, v in samples(text, name).items()
               if set(labels.items()) <= set(key))


@pytest.fixture
def client(seeded_url: str, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database_url=as_app(seeded_url))) as test_client:
        yield test_client


def test_graphql_operations_http_statuses_and_pools_are_counted(client: TestClient):
    for _ in range(3):
        assert client.post("/graphql", json=NAMED).status_code == 200
    assert client.post("/graphql", json=UNNAMED).status_code == 200
    assert client.post("/graphql", json=INVALID).json()["errors"]
    assert client.post("/graphql", json=NAMED,
                       headers={"Authorization": "Bearer nonsense"}).status_code == 401
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    total = "hub_graphql_requests_total"
    assert value(text, total, operation="Regions", type="query", compiled="no",
                 outcome="ok") == 3
    # Unnamed operations, and names of documents that did not validate, are one label.
    assert value(text, total, operation=OTHER, type="query", outcome="ok") == 1
    assert value(text, total, operation=OTHER, type="unknown", outcome="error") == 1
    assert value(text, "hub_graphql_request_duration_seconds_count", operation="Regions") == 3
    assert value(text, "hub_graphql_request_duration_seconds_sum", operation="Regions") > 0
    assert value(text, "hub_http_responses_total", route="graphql", status="200") == 5
    assert value(text, "hub_http_responses_total", route="graphql", status="401") == 1
    assert value(text, "hub_db_pool", pool="requests", stat="pool_size") >= 1
    assert value(text, "hub_db_pool", pool="requests", stat="requests_num") >= 4
    assert value(text, "hub_db_pool", pool="reads", stat="pool_max") >= 1


def test_a_registered_document_is_counted_compiled(client: TestClient):
    [text] = [d.body for d in schema().trusted if d.name == "Regions"]
    # Plans are the process's schema's, so their counts include this process's earlier runs.
    before = value(client.get("/metrics").text, "hub_compiled_plan_runs", document="Regions",
                   result="answered")
    for _ in range(2):
        assert client.post("/graphql", json={"query": text}).json()["data"]["regions"]
    metrics = client.get("/metrics").text
    assert value(metrics, "hub_graphql_requests_total", operation="Regions", compiled="yes",
                 outcome="ok") == 2
    assert value(metrics, "hub_compiled_plan_runs", document="Regions",
                 result="answered") == before + 2


def test_registered_documents_are_known_operations(client: TestClient):
    operations = client.app.state.metrics.operations  # type: ignore[attr-defined]
    for document in schema().trusted:
        assert operations.label(document.name, valid=False) == document.name


def test_operation_names_are_a_bounded_label_set():
    labels = OperationLabels(limit=2)
    labels.declare(["Registered"])
    assert [labels.label(n, valid=True) for n in ("A", "B", "C", "A")] == ["A", "B", OTHER, "A"]
    assert labels.label("Registered", valid=False) == "Registered"
    assert labels.label("Garbage", valid=False) == OTHER
    assert labels.label(None, valid=True) == OTHER


# -- several workers -------------------------------------------------------------------------
def test_several_workers_add_up(seeded_url: str, tmp_path: Path):
    sent = 24
    with served(as_app(seeded_url), workers=2, metrics_dir=tmp_path) as base:
        pool_max = 2 * Settings.from_env().pool_max_size  # both workers' pools, summed
        deadline = time.monotonic() + 30
        while value(httpx.get(base + "/metrics", timeout=10).text, "hub_db_pool",
                    pool="requests", stat="pool_max") != pool_max:
            assert time.monotonic() < deadline, "the second worker never reported its pool"
            time.sleep(0.2)
        for _ in range(sent):  # a new connection each: the workers share the load
            assert httpx.post(base + "/graphql", json=NAMED, timeout=10).status_code == 200
        # One counter file per worker, once each has counted something: the scrapes above may
        # all have reached one worker (the servers run no background counting of their own).
        assert len(list(tmp_path.glob("counter_*.db"))) == 2
        for _ in range(3):  # whichever worker answers, it reports every worker's counts
            text = httpx.get(base + "/metrics", timeout=10).text
            assert value(text, "hub_graphql_requests_total", operation="Regions") == sent
