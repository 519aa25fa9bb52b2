"""Every bound answers with a coded error (English ``message``, Chinese ``messageZh``): request
bodies, list arguments, ``_entities`` representations, fragment depth and shape, query text
size; the document cache stays within its bytes and plans never grow from traffic; refusals
log one line."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace

import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth import ANONYMOUS
from hub.schema import build_schema
from hub.schema.context import Context
from hub.schema.limits import MAX_QUERY_CHARS, QueryLimits
from hub.schema.trusted import TrustedDocument, TrustedDocuments
from hub.settings import Settings
from tests.hostile import ENTITIES, _chain, _fanout
from tests.seeded import Gql, errors_of

BODY_LIMIT = 4000


@pytest.fixture(scope="module")
def client(seeded_url: str, settings: Settings) -> Iterator[TestClient]:
    app = create_app(replace(settings, max_body_bytes=BODY_LIMIT), database_url=seeded_url)
    with TestClient(app) as test_client:
        yield test_client


def _refusal(response: object, status: int, code: str) -> str:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"].startswith("application/json")  # type: ignore[attr-defined]
    [error] = response.json()["errors"]  # type: ignore[attr-defined]
    assert error["extensions"]["code"] == code and error["extensions"]["messageZh"]
    return str(error["message"])


def test_a_body_over_the_limit_is_413_and_closes_the_connection(client: TestClient):
    response = client.post("/graphql", json={"query": "{ __typename }" + " " * BODY_LIMIT})
    assert str(BODY_LIMIT) in _refusal(response, 413, "PAYLOAD_TOO_LARGE")
    assert response.headers["connection"] == "close"
    assert client.post("/graphql", json={"query": "{ __typename }"}).json() == {
        "data": {"__typename": "Query"}}


@pytest.mark.parametrize(("body", "code"), [
    (b"1", "BAD_REQUEST"), (b"null", "BAD_REQUEST"), (b'"x"', "BAD_REQUEST"),
    (b"notjson", "BAD_REQUEST"), (b'{"query": "\xff"}', "BAD_REQUEST"),
    (b'[{"query": "{ __typename }"}]', "BATCHING_NOT_SUPPORTED"),
    (b'{"query": 1}', "BAD_REQUEST"), (b'{"query": "{ __typename }", "variables": "x"}',
                                       "BAD_REQUEST"),
    (b'{"query": "{ __typename }", "operationName": 5}', "BAD_REQUEST"), (b"{}", "BAD_REQUEST"),
    (b'{"query": "query A { __typename }", "operationName": "B"}',
     "OPERATION_RESOLUTION_FAILURE"),
])
def test_malformed_requests_are_coded_400s(client: TestClient, body: bytes, code: str):
    response = client.post("/graphql", content=body,
                           headers={"content-type": "application/json"})
    _refusal(response, 400, code)


def test_other_content_types_methods_and_broken_uploads_are_coded(client: TestClient):
    _refusal(client.post("/graphql", content=b"{}", headers={"content-type": "text/plain"}),
             415, "UNSUPPORTED_MEDIA_TYPE")
    response = client.get("/graphql", params={"query": "mutation { __typename }"})
    _refusal(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "POST"
    _refusal(client.put("/graphql", content=b"{}"), 405, "METHOD_NOT_ALLOWED")
    # A subscription is carried by WebSocket alone: over HTTP it is refused, not run once.
    for response in (client.post("/graphql", json={
            "query": "subscription { dispatchEvents { toState } }"}),
            client.get("/graphql", params={"query": "subscription { dispatchEvents { at } }"})):
        assert "WebSocket" in _refusal(response, 400, "BAD_REQUEST")
    for body, kind in [(b"--x--", "multipart/form-data"),
                       (b'--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n1\r\n'
                        b"--x--\r\n", "multipart/form-data; boundary=x")]:
        _refusal(client.post("/graphql", content=body, headers={"content-type": kind}),
                 400, "BAD_REQUEST")


async def test_entities_representations_are_bounded(gql: Gql):
    def reps(n: int) -> list[dict[str, str]]:  # strawberry pops __typename from each
        return [{"__typename": "Region", "code": "410100"} for _ in range(n)]

    data = await gql.data(ENTITIES, {"r": reps(1000)})
    assert len(data["_entities"]) == 1000
    result = await gql(ENTITIES, {"r": reps(1001)})
    [(code, message)] = errors_of(result)
    assert code == "BAD_USER_INPUT" and "$r" in message and "1000" in message
    assert result.errors and result.errors[0].extensions["messageZh"]  # type: ignore[index]


async def test_list_variables_are_bounded_on_the_compiled_path_too(gql: Gql):
    query = "query S($s: [String!]) { demands(first: 1, filter: {skills: $s}) { totalCount } }"
    registered = build_schema(trusted=TrustedDocuments([TrustedDocument.of(query)]))
    assert registered.plans.get(query, None) is not None  # compiled
    await gql.data(query, {"s": ["health"]}, on=registered)
    [(code, message)] = errors_of(await gql(query, {"s": ["x"] * 1001}, on=registered))
    assert code == "BAD_USER_INPUT" and "$s: 1001 items" in message
    literal = "{ demands(filter: {skills: [" + '"x" ' * 1001 + "]}) { totalCount } }"
    assert errors_of(await gql(literal))[0][0] == "BAD_USER_INPUT"


async def test_fragments_are_bounded_before_validation(gql: Gql):
    assert await gql.data(_chain(19)) == {"__typename": "Query"}
    [(code, message)] = errors_of(await gql(_chain(300)))  # was a RecursionError
    assert code == "QUERY_TOO_DEEP" and "300" in message
    [(code, _)] = errors_of(await gql(_fanout(12, 8)))  # was minutes of work
    assert code == "QUERY_TOO_COMPLEX"
    cycle = "{ ...A } fragment A on Query { ...B } fragment B on Query { regions { ...A } }"
    assert errors_of(await gql(cycle))[0][0] == "GRAPHQL_VALIDATION_FAILED"
    assert errors_of(await gql("{ ...nowhere }"))[0][0] == "GRAPHQL_VALIDATION_FAILED"
    assert errors_of(await gql("{ regions { } }"))[0][0] == "GRAPHQL_PARSE_FAILED"


async def test_one_response_name_is_bounded_per_selection_set(gql: Gql):
    assert await gql.data("{" + ' regions(parentCode: "410000") { code }' * 30 + "}")
    [(code, message)] = errors_of(await gql("{" + " regions { code }" * 31 + "}"))
    assert code == "QUERY_TOO_COMPLEX" and "'regions'" in message


async def test_long_query_texts_and_bad_variable_values_are_coded(gql: Gql):
    [(code, _)] = errors_of(await gql("{ __typename }" + " " * MAX_QUERY_CHARS))
    assert code == "QUERY_TOO_LARGE"
    query = "query($p: PointInput!) { nearestStations(point: $p) { name } }"
    [(code, message)] = errors_of(await gql(query, {"p": "here"}))  # was INTERNAL_SERVER_ERROR
    assert code == "BAD_USER_INPUT" and "$p" in message
    result = await gql("{ nope }")
    assert result.errors and result.errors[0].extensions == {
        "code": "GRAPHQL_VALIDATION_FAILED", "messageZh": "查询未通过校验",
        "messageEn": result.errors[0].message}


async def test_document_cache_stays_within_its_bytes_and_plans_never_grow(gql: Gql):
    budget = 2**20
    hub_schema = build_schema(QueryLimits(cache_bytes=budget))
    context_query = '{ regions(parentCode: "410000") { code } }'
    for i in range(200):
        padded = context_query + " " * (4000 + i)  # distinct texts, none of them registered
        result = await hub_schema.execute(padded, context_value=_context(gql))
        assert result.errors is None
    entries, plans = hub_schema.documents.entries, hub_schema.plans.by_text
    assert 0 < entries.bytes <= budget and set(plans) <= {d.body for d in hub_schema.trusted}
    assert len(entries) < 200  # older texts were evicted
    huge = context_query + " " * (budget // 16)
    await hub_schema.execute(huge, context_value=_context(gql))
    assert huge not in entries  # one text may take at most 1/32 of the budget


def _context(gql: Gql) -> Context:
    return Context(db=gql.db, caller=ANONYMOUS, settings=gql.settings, cipher=gql.cipher)


async def test_a_refusal_logs_one_line_and_a_failure_its_traceback(
        gql: Gql, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO)
    await gql("{ stations(first: 100000) { edges { node { id } } } }")
    refused = [r for r in caplog.records if r.getMessage().startswith("refused BAD_USER_INPUT")]
    assert len(refused) == 1 and refused[0].exc_info is None
    assert not any(r.exc_info for r in caplog.records)
    caplog.clear()
    await gql.db.conn.execute("ALTER TABLE region RENAME COLUMN name TO name_gone")
    await gql('{ regions { name } }')
    assert any(r.exc_info for r in caplog.records if r.levelno >= logging.ERROR)


def test_introspection_fits_the_cost_limit() -> None:
    """GraphiQL's schema query (graphql-core's full introspection) is within the cost limit:
    it reads the schema, not data, so its lists do not multiply the cost."""
    from graphql import get_introspection_query, parse

    from hub.schema.limits import MAX_COST, graphql_core_schema, operation_cost

    core = graphql_core_schema(build_schema())
    document = parse(get_introspection_query(descriptions=True, input_value_deprecation=True))
    assert operation_cost(core, document, None, None) < MAX_COST / 100
    mixed = parse("{ __schema { types { name } } regions(parentCode: null) { code } }")
    assert operation_cost(core, mixed, None, None) > 1  # data beside it still counts
    # Nesting the schema's lists in themselves multiplies its size at every level: refused.
    for nested in ("{ __schema { types { fields { type { fields { name } } } } } }",
                   "{ __type(name: \"Query\") { fields { type { fields { type "
                   "{ fields { name } } } } } } }",
                   "{ __schema { types { fields { type { enumValues { name } } } } } }",
                   "{ __schema { types { ...F } } } fragment F on __Type { fields { type "
                   "{ interfaces { fields { name } } } } }"):
        assert operation_cost(core, parse(nested), None, None) > MAX_COST, nested
