"""Compiled plans (hub/schema/fastpath.py) of registered documents answer exactly as
strawberry does.

Each query is registered in a schema of its own (as hub/schema/documents/ registers the real
ones, and compiled when that schema is built); it runs once through a schema with no
registered documents (strawberry alone), then through the one that has its plan; the answers
must be equal, key order too. The documents the hub registers are checked the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, ClassVar

import psycopg
import pytest
from strawberry.extensions import SchemaExtension

from hub.auth import ANONYMOUS, Caller, Role
from hub.schema import HubSchema, build_schema, schema
from hub.schema.node import encode_id
from hub.schema.trusted import TrustedDocument, TrustedDocuments
from hub.store.base import ConnectionDatabase
from tests.seeded import PARTNER, Gql, errors_of

ZZ = {"lon": 113.65, "lat": 34.75}
VOLUNTEER_FIELDS = """__typename id name gender education cohorts status serviceRadiusM
  capacityPerWeek insuredUntil registeredAt distanceM phone idNumber birthDate
  location { lon lat } gcj: location(crs: GCJ02) { lon lat } bd: location(crs: BD09) { lon }
  skills { skill level } availability { weekday start end }"""

QUERIES: dict[str, tuple[str, dict[str, Any]]] = {
    "near volunteers, every plain field": (
        "query EveryField($lon: Float!, $lat: Float!) { volunteers(first: 30, near: {point: "
        "{lon: $lon, lat: $lat}, radiusM: 20000}) { edges { cursor node { "
        + VOLUNTEER_FIELDS + " } } "
        "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }", ZZ),
    "the benchmark's query": (
        "query Near($lon: Float!, $lat: Float!) { volunteers(first: 50, near: {point: "
        "{lon: $lon, lat: $lat}, radiusM: 5000}) { edges { node { id name status serviceRadiusM "
        "distanceM location { lon lat } } } } }", ZZ),
    "filtered volunteers, GCJ-02 input": (
        "query Filtered($skills: [String!]) { page: volunteers(first: 20, filter: {regionCode: "
        "\"410100000000\", skills: $skills}, near: {point: {lon: 113.656, lat: 34.7486, crs: "
        "GCJ02}, radiusM: 30000}) { edges { node { n: name phone } } } }", {"skills": ["health"]}),
    "volunteers within a box": (
        "query Box { volunteers(first: 40, within: {bbox: {west: 113.5, south: 34.6, "
        "east: 113.8, north: 34.9}}) { edges { node { id location { lon lat } distanceM } } } }",
        {}),
    "stations near": (
        "query Stations($lon: Float!, $lat: Float!) { stations(first: 25, near: {point: "
        "{lon: $lon, lat: $lat}, radiusM: 50000}) { edges { node { id name kind distanceM "
        "location(crs: GCJ02) { lon lat } } } totalCount } }", ZZ),
    "demands page": (
        "query Demands { demands(first: 30) { edges { node { id title category status needed "
        "priority location { lon lat } } } pageInfo { endCursor hasNextPage } } }", {}),
    "regions": ('query Regions { regions(parentCode: "410000000000") { code name level } }', {}),
    "a variable left to its default": (
        "query Defaults($n: Int = 4, $crs: CRS = GCJ02) { volunteers(first: $n) { edges { node "
        "{ id location(crs: $crs) { lon lat } } } } }", {}),
    "a variable given as null": (
        "query Nulls($skills: [String!], $n: Int) { volunteers(first: $n, filter: "
        "{skills: $skills}) { edges { node { id } } pageInfo { hasNextPage } } }",
        {"skills": None, "n": 3}),
    "nearest stations": (
        "query Nearest($p: PointInput!) { nearestStations(point: $p, k: 7) { id name distanceM } }",
        {"p": {"lon": 113.65, "lat": 34.75}}),
    "map layer": (
        "query Layer { mapLayer(layer: STATIONS, bbox: {west: 112, south: 33, east: 115, "
        "north: 36}, "
        "limit: 50) }", {}),
}


def _callers(sconn: psycopg.Connection[Any]) -> dict[str, Caller]:
    row = sconn.execute("SELECT id FROM volunteer WHERE region_code LIKE '4101%' "
                        "ORDER BY id LIMIT 1").fetchone()
    assert row is not None
    return {
        "anonymous": ANONYMOUS,  # no volunteer record: those queries fall back with FORBIDDEN
        "partner": PARTNER,
        "admin": Caller(role=Role.ADMIN, sub="admin-1"),
        "dispatcher_in": Caller(role=Role.DISPATCHER, sub="d1", region="410100000000"),
        "dispatcher_out": Caller(role=Role.DISPATCHER, sub="d3", region="620000000000"),
        "volunteer_self": Caller(role=Role.VOLUNTEER, sub=encode_id("Volunteer", row[0])),
    }


def _registering(*texts: str) -> HubSchema:
    """A schema with these documents registered (each a named operation): their plans."""
    return build_schema(trusted=TrustedDocuments(TrustedDocument.of(t) for t in texts))


@pytest.fixture(scope="module")
def plain() -> HubSchema:
    """strawberry alone: no registered document, no plan."""
    return build_schema(trusted=TrustedDocuments([]))


@pytest.fixture(scope="module")
def compiled() -> HubSchema:
    """Every query of :data:`QUERIES` registered and compiled."""
    return _registering(*(text for text, _ in QUERIES.values()))


async def _strawberry_only(gql: Gql, plain: HubSchema, query: str, variables: dict[str, Any],
                           caller: Caller) -> Any:
    result = await gql(query, variables, caller=caller, on=plain)
    assert result.errors is None, result.errors
    assert not plain.plans.by_text
    return result.data


async def _same_both_ways(gql: Gql, plain: HubSchema, on: HubSchema, query: str,
                          variables: dict[str, Any], callers: dict[str, Caller]) -> None:
    plan = on.plans.get(query, None)
    assert plan is not None, f"{query[:60]} did not compile: {on.plans.not_compiled}"
    for role, caller in callers.items():
        if caller is ANONYMOUS and "volunteers" in query:
            result = await gql(query, variables, caller=caller, on=on)
            assert errors_of(result)[0][0] == "FORBIDDEN"
            continue
        expected = await _strawberry_only(gql, plain, query, variables, caller)
        answered = plan.answered
        data = await gql.data(query, variables, caller=caller, on=on)  # the plan
        assert plan.answered == answered + 1, f"{plan.name} fell back for {role}"
        assert json.dumps(data, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)


@pytest.mark.parametrize("name", list(QUERIES))
async def test_compiled_answers_equal_strawberry_for_every_role(
        gql: Gql, sconn: psycopg.Connection[Any], plain: HubSchema, compiled: HubSchema,
        name: str) -> None:
    query, variables = QUERIES[name]
    await _same_both_ways(gql, plain, compiled, query, variables, _callers(sconn))


# Variables for each document the hub registers (hub/schema/documents/).
REGISTERED_VARIABLES: dict[str, dict[str, Any]] = {
    "Near": {**ZZ, "r": 5000.0, "n": 50},
    "BenchNear": ZZ,
    "BenchMap": {"w": 113.5, "s": 34.6, "e": 113.8, "n": 34.9},
    "Candidates": {**ZZ, "skills": ["health"]},
    "Regions": {"parent": "410000"},
    "PartnerVolunteersNear": {**ZZ, "radiusM": 20000.0, "first": 20, "crs": "GCJ02"},
    "PartnerStationsNear": {**ZZ, "radiusM": 50000.0, "first": 20},
    "PartnerNearestStations": {"point": ZZ, "k": 5, "crs": "BD09"},
    "PartnerDemandsNear": {**ZZ, "radiusM": 80000.0, "first": 20},
    "PartnerMapLayer": {"layer": "STATIONS", "west": 112, "south": 33, "east": 115,
                        "north": 36, "limit": 40},
}


@pytest.mark.parametrize("name", sorted(REGISTERED_VARIABLES))
async def test_registered_documents_answer_as_strawberry_for_every_role(
        gql: Gql, sconn: psycopg.Connection[Any], plain: HubSchema, name: str) -> None:
    document = next(d for d in schema().trusted if d.name == name)
    await _same_both_ways(gql, plain, schema(), document.body, REGISTERED_VARIABLES[name],
                          _callers(sconn))


def test_every_registered_query_compiles_or_says_why() -> None:
    plans, trusted = schema().plans, schema().trusted
    queries = {d.name for d in trusted if d.type == "query"}
    assert queries == {p.name for p in plans.by_text.values()} | set(plans.not_compiled)
    assert {d.name for d in trusted if d.type == "mutation"} == {
        "Preview", "Commit", "HandDispatch", "RaiseDemand",
        # sign-in (issue 14.1): what an anonymous mini-program sends
        "RequestSignInCode", "SignInWithCode", "SignInWithWeChat", "RefreshToken", "SignOut"}
    assert set(plans.not_compiled) == {"Demand"}  # an inline fragment on the Node interface
    assert queries - {"Demand"} == set(REGISTERED_VARIABLES)


class _Recording(SchemaExtension):
    """Remembers which steps of every request it saw (as a metrics extension would)."""

    seen: ClassVar[list[tuple[str, str | None]]] = []

    def on_operation(self) -> Iterator[None]:
        yield
        ctx = self.execution_context
        self.seen.append(("operation", ctx.operation_name))
        self.seen.append(("result", "data" if ctx.result and ctx.result.data else None))

    def on_execute(self) -> Iterator[None]:
        self.seen.append(("execute", self.execution_context.operation_name))
        yield


async def test_extensions_see_a_compiled_document_as_any_other(gql: Gql) -> None:
    """A plan answers inside strawberry's execution: every extension's hooks run around it."""
    query, variables = QUERIES["the benchmark's query"]
    hub_schema = _registering(query)
    hub_schema.extensions = (_Recording, *hub_schema.extensions)
    plan = hub_schema.plans.get(query, "Near")
    assert plan is not None
    _Recording.seen = []
    await gql.data(query, variables, caller=PARTNER, on=hub_schema)
    assert plan.answered == 1 and plan.fell_back == 0
    assert _Recording.seen == [("execute", "Near"), ("operation", "Near"), ("result", "data")]


async def test_bad_variables_of_a_compiled_query_still_get_coded_errors(
        gql: Gql, compiled: HubSchema) -> None:
    query = QUERIES["the benchmark's query"][0]
    plan = compiled.plans.get(query, None)
    assert plan is not None
    fell_back = plan.fell_back
    result = await gql(query, {"lon": 113.6, "lat": 91}, caller=PARTNER, on=compiled)
    assert plan.fell_back == fell_back + 1
    assert errors_of(result)[0][0] == "BAD_USER_INPUT" and "91" in errors_of(result)[0][1]
    result = await gql(query, {"lon": "east", "lat": 34}, caller=PARTNER, on=compiled)
    assert result.errors and result.data is None


async def test_page_limits_and_cost_still_apply_to_compiled_queries(gql: Gql) -> None:
    query = ("query Members($n: Int) { volunteers(first: $n) { edges { node { id "
             "memberships { role } } } } }")
    hub_schema = _registering(query)
    await gql.data(query, {"n": 5}, caller=PARTNER, on=hub_schema)
    result = await gql(query, {"n": 100000}, caller=PARTNER, on=hub_schema)
    assert errors_of(result)[0][0] in {"BAD_USER_INPUT", "QUERY_TOO_COMPLEX"}


@pytest.mark.parametrize("query", [
    "query I { node(id: \"UmVnaW9uOjQxMDAwMDAwMDAwMA==\") { id } }",  # an interface
    "query F { volunteers(first: 2) { edges { node { ...F } } } } "
    "fragment F on Volunteer { id }",
    "query D { volunteers(first: 2) { edges { node { id name @include(if: false) } } } }",
    "query A { volunteers(first: 2) { edges { node { region { name } } } } }",  # async in a list
])
async def test_shapes_outside_the_compiled_path_run_through_strawberry(
        gql: Gql, plain: HubSchema, query: str) -> None:
    hub_schema = _registering(query)
    expected = await _strawberry_only(gql, plain, query, {}, PARTNER)
    assert await gql.data(query, caller=PARTNER, on=hub_schema) == expected
    assert hub_schema.plans.get(query, None) is None and hub_schema.plans.not_compiled


async def test_mutations_are_never_compiled(gql: Gql) -> None:
    mutation = ('mutation Cancel { cancelDemand(input: {demandId: "RGVtYW5kOjA=", reason: "x"}) '
                "{ __typename } }")
    hub_schema = _registering(mutation)
    await gql(mutation, caller=Caller(role=Role.ADMIN, sub="admin-1"), on=hub_schema)
    assert hub_schema.plans.get(mutation, None) is None


class _Statements(ConnectionDatabase):
    """The test's connection, remembering the statements it ran."""

    def __init__(self, inner: ConnectionDatabase) -> None:
        super().__init__(inner.conn)
        self.seen: list[str] = []

    async def fetch(self, sql: str, params: Any = None, *,
                    binary: bool = False) -> list[dict[str, Any]]:
        self.seen.append(sql)
        return await super().fetch(sql, params, binary=binary)


@pytest.mark.parametrize("registered", [False, True])
async def test_volunteer_lists_read_only_the_column_groups_requested(
        gql: Gql, plain: HubSchema, registered: bool) -> None:
    admin = Caller(role=Role.ADMIN, sub="admin-1")
    page = "query P($n: Int) { volunteers(first: $n) { edges { node { %s } } } }"
    narrow, wide = page % "id name location { lon }", page % "id phone skills { skill }"
    hub_schema = _registering(narrow, wide.replace("query P", "query W")) if registered \
        else plain
    recording = _Statements(gql.db)
    run = Gql(recording, gql.settings, gql.cipher)
    for query in (narrow, wide.replace("query P", "query W")):
        recording.seen.clear()
        data = await run.data(query, {"n": 3}, caller=admin, on=hub_schema)
        [sql] = recording.seen
        assert len(data["volunteers"]["edges"]) == 3
        if query is narrow:
            assert "phone_enc" not in sql and "t.skills" not in sql
        else:
            assert "phone_enc" in sql and "t.skills" in sql and "weekly" not in sql
            assert all(e["node"]["phone"].isdigit() for e in data["volunteers"]["edges"])
        plan = hub_schema.plans.get(query, None)
        assert (plan is not None and plan.answered == 1) is registered


@pytest.mark.parametrize("selection", ["id ... on Volunteer { phone }",
                                       "id phone @include(if: true)"])
async def test_fragments_and_directives_on_nodes_read_every_column(gql: Gql,
                                                                   selection: str) -> None:
    admin = Caller(role=Role.ADMIN, sub="admin-1")
    recording = _Statements(gql.db)
    run = Gql(recording, gql.settings, gql.cipher)
    query = "{ volunteers(first: 2) { edges { node { SELECTION } } } }"
    data = await run.data(query.replace("SELECTION", selection), {}, caller=admin)
    assert "phone_enc" in recording.seen[0] and "weekly" in recording.seen[0]
    assert all(e["node"]["phone"].isdigit() for e in data["volunteers"]["edges"])


async def test_page_size_variables_change_the_answer_of_one_plan(
        gql: Gql, plain: HubSchema) -> None:
    """Arguments written in the text are converted once: no run's values may leak into
    another's."""
    query = ("query Two($n: Int, $m: Int) { volunteers(first: $n) { edges { node { id "
             "location(crs: BD09) { lon } } } } stations(first: $m) { edges { node { id } } } }")
    hub_schema = _registering(query)
    plan = hub_schema.plans.get(query, None)
    assert plan is not None
    for n, m in ((2, 5), (7, 1), (2, 5), (0, 3)):
        expected = await _strawberry_only(gql, plain, query, {"n": n, "m": m}, PARTNER)
        answered = plan.answered
        data = await gql.data(query, {"n": n, "m": m}, caller=PARTNER, on=hub_schema)
        assert plan.answered == answered + 1 and data == expected
        assert len(data["volunteers"]["edges"]) == n and len(data["stations"]["edges"]) == m
    result = await gql(query, {"n": 100, "m": 100}, caller=PARTNER, on=hub_schema)
    assert not result.errors
