"""Trusted documents (hub/schema/trusted.py): registered by file, named by sha256 as Apollo's
persisted-query extension does, compiled at start-up and never from traffic."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth import ANONYMOUS
from hub.schema import build_schema, schema
from hub.schema.trusted import TrustedDocuments, main, sha256
from hub.settings import PROJECT_ROOT, Settings
from tests.conftest import as_app
from tests.graphql.test_graphql_http import outsider
from tests.seeded import PARTNER, Gql, errors_of
from tests.test_metrics import value

ZZ = {"lon": 113.65, "lat": 34.75}


def _document(name: str) -> tuple[str, str]:
    """(id, body) of a registered document."""
    document = next(d for d in schema().trusted if d.name == name)
    return document.id, document.body


def _persisted(digest: str, version: object = 1) -> dict[str, object]:
    return {"persistedQuery": {"version": version, "sha256Hash": digest}}


def test_the_manifest_is_the_documents_in_apollos_format() -> None:
    assert main(["--check"]) == 0  # `make documents` writes it from the .graphql files
    loaded = TrustedDocuments.load()
    assert [d.name for d in loaded] == [d.name for d in TrustedDocuments.from_files()]
    manifest = loaded.manifest()
    assert manifest["format"] == "apollo-persisted-query-manifest" and manifest["version"] == 1
    assert all(op["id"] == sha256(op["body"]) and op["type"] in {"query", "mutation"}
               for op in manifest["operations"])


def test_the_console_and_benchmark_documents_are_registered() -> None:
    """The console takes its documents from the manifest (and sends their hashes); the
    benchmarks theirs from the registry; the built console is the one from these sources."""
    api = (PROJECT_ROOT / "console/src/api.js").read_text(encoding="utf-8")
    assert "hub/schema/documents/manifest.json" in api
    names = re.findall(r"= registered\.(\w+)\.body;", api)
    assert set(names) == {"Demand", "Candidates", "Regions", "Preview", "Commit", "HandDispatch",
                          "RaiseDemand", "PartnerNearestStations"}
    bundle = "".join(p.read_text(encoding="utf-8") for p in
                     (PROJECT_ROOT / "hub/static/console/assets").glob("*.js"))
    assert all(d.id in bundle for d in schema().trusted if d.name in names)  # rebuilt
    bench = PROJECT_ROOT / "bench"
    import sys

    sys.path.insert(0, str(bench))
    try:
        import bench_graphql  # type: ignore[import-not-found]
    finally:
        sys.path.remove(str(bench))
    texts = {d.body for d in schema().trusted}
    for text in (bench_graphql.NEAR_QUERY, bench_graphql.MAP_QUERY):
        assert text in texts, text[:80]


async def test_a_document_named_by_its_hash_is_answered_by_its_plan(gql: Gql) -> None:
    digest, body = _document("BenchNear")
    plan = schema().plans.get(body, None)
    assert plan is not None
    answered = plan.answered
    by_hash = await gql(None, ZZ, caller=PARTNER, extensions=_persisted(digest))
    by_text = await gql(body, ZZ, caller=PARTNER)
    both = await gql(body, ZZ, caller=PARTNER, extensions=_persisted(digest.upper()))
    assert by_hash.errors is None and by_hash.data == by_text.data == both.data
    assert len(by_hash.data["volunteers"]["edges"]) == 50  # type: ignore[index]
    assert plan.answered == answered + 3


async def test_unknown_hashes_and_other_versions_are_refused_with_codes(gql: Gql) -> None:
    unknown = await gql(None, ZZ, caller=PARTNER, extensions=_persisted("ab" * 32))
    [(code, message)] = errors_of(unknown)
    assert code == "PERSISTED_QUERY_NOT_FOUND" and unknown.data is None and "abab" in message
    assert unknown.errors and unknown.errors[0].extensions["messageZh"]  # type: ignore[index]
    digest, body = _document("Regions")
    [(code, _)] = errors_of(await gql(None, {}, extensions=_persisted(digest, version=2)))
    assert code == "PERSISTED_QUERY_NOT_SUPPORTED"
    other = "{ regions { code } }"
    [(code, _)] = errors_of(await gql(other, {}, extensions=_persisted(digest)))
    assert code == "BAD_REQUEST"  # the text is not the one the hash names
    assert sha256(body) == digest


async def test_nothing_is_compiled_from_traffic(gql: Gql) -> None:
    plans = dict(schema().plans.by_text)
    text = "query Mine { regions(parentCode: \"410000\") { code name } }"
    for _ in range(3):
        assert (await gql.data(text))["regions"]
    assert schema().plans.by_text == plans and schema().plans.get(text, None) is None


async def test_anonymous_callers_may_be_held_to_registered_documents(gql: Gql) -> None:
    strict = build_schema()
    held = Gql(gql.db, dataclasses.replace(gql.settings, anonymous_registered_only=True),
               gql.cipher)
    free = "{ regions(parentCode: \"410000\") { code } }"
    [(code, _)] = errors_of(await held(free, on=strict))
    assert code == "PERSISTED_QUERY_NOT_IN_LIST"
    digest, body = _document("Regions")
    by_hash = await held(None, {"parent": "410000"}, on=strict, extensions=_persisted(digest))
    by_text = await held(body, {"parent": "410000"}, on=strict)
    assert by_hash.errors is None and by_hash.data == by_text.data and by_hash.data
    signed_in = await held(free, caller=PARTNER, on=strict)
    assert signed_in.errors is None
    assert (await gql(free, caller=ANONYMOUS, on=strict)).errors is None  # setting off


@pytest.fixture
def client(seeded_url: str, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database_url=as_app(seeded_url))) as test_client:
        yield test_client


def test_over_http_a_hash_text_and_get_give_the_same_bytes(client: TestClient,
                                                           settings: Settings) -> None:
    """A registered document by hash, by text, or by GET: strawberry's view answers each the
    same, and the plan runs inside it."""
    digest, body = _document("Near")
    plan = schema().plans.get(body, "Near")
    assert plan is not None
    variables = {**ZZ, "r": 20000.0, "n": 5}
    far = outsider(settings)
    answered = plan.answered
    by_text = client.post("/graphql", json={"query": body, "variables": variables}, headers=far)
    by_hash = client.post("/graphql", json={"variables": variables,
                                            "extensions": _persisted(digest)}, headers=far)
    as_get = client.get("/graphql", headers={**far, "Accept": "application/json"}, params={
        "variables": '{"lon": 113.65, "lat": 34.75, "r": 20000, "n": 5}',
        "extensions": json.dumps(_persisted(digest))})
    assert by_text.status_code == by_hash.status_code == as_get.status_code == 200
    assert by_text.content == by_hash.content == as_get.content
    assert by_hash.headers["content-type"] == "application/json"
    assert by_hash.json()["data"]["volunteers"]["edges"][0]["node"]["name"].count("*") >= 1
    assert plan.answered == answered + 3
    metrics = client.get("/metrics").text  # the compiled runs are labelled so
    assert value(metrics, "hub_graphql_requests_total", operation="Near", compiled="yes") == 3
    unknown = client.post("/graphql", json={"extensions": _persisted("00" * 32)}, headers=far)
    assert unknown.status_code == 200
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    bad = client.post("/graphql", json={"query": body, "variables": {**variables, "lat": 91}},
                      headers=far)
    assert bad.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_the_documents_directory_holds_only_documents_and_the_manifest() -> None:
    directory = Path(__file__).resolve().parents[2] / "hub/schema/documents"
    assert {p.suffix for p in directory.iterdir()} == {".graphql", ".json"}
