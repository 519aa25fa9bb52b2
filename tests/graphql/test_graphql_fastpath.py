"""Compiled queries (hub/schema/fastpath.py) answer exactly as strawberry does.

Each query runs once through strawberry alone, then twice through the hub's schema (the first
run compiles it, the second runs the plan); the three answers must be equal, key order too.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
import strawberry

from hub.auth import ANONYMOUS, Caller, Role
from hub.schema import schema
from hub.schema.context import Context
from hub.schema.node import encode_id
from hub.store.base import ConnectionDatabase
from tests.seeded import PARTNER, Gql, errors_of

ZZ = {"lon": 113.65, "lat": 34.75}
VOLUNTEER_FIELDS = """__typename id name gender education cohorts status serviceRadiusM
  capacityPerWeek insuredUntil registeredAt distanceM phone idNumber birthDate
  location { lon lat } gcj: location(crs: GCJ02) { lon lat } bd: location(crs: BD09) { lon }
  skills { skill level } availability { weekday start end }"""

QUERIES: dict[str, tuple[str, dict[str, Any]]] = {
    "near volunteers, every plain field": (
        "query($lon: Float!, $lat: Float!) { volunteers(first: 30, near: {point: {lon: $lon, "
        "lat: $lat}, radiusM: 20000}) { edges { cursor node { " + VOLUNTEER_FIELDS + " } } "
        "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }", ZZ),
    "the benchmark's query": (
        "query Near($lon: Float!, $lat: Float!) { volunteers(first: 50, near: {point: "
        "{lon: $lon, lat: $lat}, radiusM: 5000}) { edges { node { id name status serviceRadiusM "
        "distanceM location { lon lat } } } } }", ZZ),
    "filtered volunteers, GCJ-02 input": (
        "query($skills: [String!]) { page: volunteers(first: 20, filter: {regionCode: "
        "\"410100000000\", skills: $skills}, near: {point: {lon: 113.656, lat: 34.7486, crs: "
        "GCJ02}, radiusM: 30000}) { edges { node { n: name phone } } } }", {"skills": ["health"]}),
    "volunteers within a box": (
        "{ volunteers(first: 40, within: {bbox: {west: 113.5, south: 34.6, east: 113.8, "
        "north: 34.9}}) { edges { node { id location { lon lat } distanceM } } } }", {}),
    "stations near": (
        "query($lon: Float!, $lat: Float!) { stations(first: 25, near: {point: {lon: $lon, "
        "lat: $lat}, radiusM: 50000}) { edges { node { id name kind distanceM "
        "location(crs: GCJ02) { lon lat } } } totalCount } }", ZZ),
    "demands page": (
        "{ demands(first: 30) { edges { node { id title category status needed priority "
        "location { lon lat } } } pageInfo { endCursor hasNextPage } } }", {}),
    "regions": ('{ regions(parentCode: "410000000000") { code name level } }', {}),
    "a variable left to its default": (
        "query($n: Int = 4, $crs: CRS = GCJ02) { volunteers(first: $n) { edges { node { id "
        "location(crs: $crs) { lon lat } } } } }", {}),
    "a variable given as null": (
        "query($skills: [String!], $n: Int) { volunteers(first: $n, filter: {skills: $skills}) "
        "{ edges { node { id } } pageInfo { hasNextPage } } }", {"skills": None, "n": 3}),
    "nearest stations": (
        "query($p: PointInput!) { nearestStations(point: $p, k: 7) { id name distanceM } }",
        {"p": {"lon": 113.65, "lat": 34.75}}),
    "map layer": (
        "{ mapLayer(layer: STATIONS, bbox: {west: 112, south: 33, east: 115, north: 36}, "
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


async def _strawberry_only(gql: Gql, query: str, variables: dict[str, Any],
                           caller: Caller) -> Any:
    context = Context(db=gql.db, caller=caller, settings=gql.settings, cipher=gql.cipher)
    result = await strawberry.federation.Schema.execute(
        schema(), query, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    return result.data


@pytest.mark.parametrize("name", list(QUERIES))
async def test_compiled_answers_equal_strawberry_for_every_role(
        gql: Gql, sconn: psycopg.Connection[Any], name: str) -> None:
    query, variables = QUERIES[name]
    for role, caller in _callers(sconn).items():
        if caller is ANONYMOUS and "volunteers" in query:
            result = await gql(query, variables, caller=caller)
            assert errors_of(result)[0][0] == "FORBIDDEN"
            continue
        expected = await _strawberry_only(gql, query, variables, caller)
        first = await gql.data(query, variables, caller=caller)  # strawberry, then compiled
        plan = schema().plans.get(query, None)
        assert plan is not None, f"{name} did not compile"
        answered = plan.answered
        second = await gql.data(query, variables, caller=caller)  # the plan
        assert plan.answered == answered + 1, f"{name} fell back for {role}"
        assert json.dumps(second, ensure_ascii=False) == json.dumps(expected, ensure_ascii=False)
        assert first == expected, role


async def test_bad_variables_of_a_compiled_query_still_get_coded_errors(gql: Gql) -> None:
    query = QUERIES["the benchmark's query"][0]
    await gql.data(query, ZZ, caller=PARTNER)
    assert schema().plans.get(query, None) is not None
    plan = schema().plans.get(query, None)
    assert plan is not None
    fell_back = plan.fell_back
    result = await gql(query, {"lon": 113.6, "lat": 91}, caller=PARTNER)
    assert plan.fell_back == fell_back + 1
    assert errors_of(result)[0][0] == "BAD_USER_INPUT" and "91" in errors_of(result)[0][1]
    result = await gql(query, {"lon": "east", "lat": 34}, caller=PARTNER)
    assert result.errors and result.data is None


async def test_page_limits_and_cost_still_apply_to_compiled_queries(gql: Gql) -> None:
    query = ("query($n: Int) { volunteers(first: $n) { edges { node { id "
             "memberships { role } } } } }")
    await gql.data(query, {"n": 5}, caller=PARTNER)
    result = await gql(query, {"n": 100000}, caller=PARTNER)
    assert errors_of(result)[0][0] in {"BAD_USER_INPUT", "QUERY_TOO_COMPLEX"}


@pytest.mark.parametrize("query", [
    "{ node(id: \"UmVnaW9uOjQxMDAwMDAwMDAwMA==\") { id } }",  # an interface
    "{ volunteers(first: 2) { edges { node { ...F } } } } fragment F on Volunteer { id }",
    "{ volunteers(first: 2) { edges { node { id name @include(if: false) } } } }",
    "{ volunteers(first: 2) { edges { node { region { name } } } } }",  # async in a list
])
async def test_shapes_outside_the_compiled_path_run_through_strawberry(
        gql: Gql, query: str) -> None:
    expected = await _strawberry_only(gql, query, {}, PARTNER)
    assert await gql.data(query, caller=PARTNER) == expected
    assert await gql.data(query, caller=PARTNER) == expected
    assert schema().plans.known(query, None) and schema().plans.get(query, None) is None


async def test_mutations_are_never_compiled(gql: Gql) -> None:
    mutation = ('mutation { cancelDemand(input: {demandId: "RGVtYW5kOjA=", reason: "x"}) '
                "{ __typename } }")
    await gql(mutation, caller=Caller(role=Role.ADMIN, sub="admin-1"))
    await gql(mutation, caller=Caller(role=Role.ADMIN, sub="admin-1"))
    assert schema().plans.get(mutation, None) is None


class _Recording(ConnectionDatabase):
    """The test's connection, remembering the statements it ran."""

    def __init__(self, inner: ConnectionDatabase) -> None:
        super().__init__(inner.conn)
        self.seen: list[str] = []

    async def fetch(self, sql: str, params: Any = None) -> list[dict[str, Any]]:
        self.seen.append(sql)
        return await super().fetch(sql, params)


@pytest.mark.parametrize("compiled", [False, True])
async def test_volunteer_lists_read_only_the_column_groups_requested(
        gql: Gql, compiled: bool) -> None:
    admin = Caller(role=Role.ADMIN, sub="admin-1")
    page = "query($n: Int) { volunteers(first: $n) { edges { node { %s } } } }"
    narrow, wide = page % "id name location { lon }", page % "id phone skills { skill }"
    recording = _Recording(gql.db)
    run = Gql(recording, gql.settings, gql.cipher)
    for query in (narrow, wide):
        if compiled:
            await run.data(query, {"n": 3}, caller=admin)
        recording.seen.clear()
        data = await run.data(query, {"n": 3}, caller=admin)
        [sql] = recording.seen
        assert len(data["volunteers"]["edges"]) == 3
        if query is narrow:
            assert "phone_enc" not in sql and "t.skills" not in sql
        else:
            assert "phone_enc" in sql and "t.skills" in sql and "weekly" not in sql
            assert all(e["node"]["phone"].isdigit() for e in data["volunteers"]["edges"])


@pytest.mark.parametrize("selection", ["id ... on Volunteer { phone }",
                                       "id phone @include(if: true)"])
async def test_fragments_and_directives_on_nodes_read_every_column(gql: Gql,
                                                                   selection: str) -> None:
    admin = Caller(role=Role.ADMIN, sub="admin-1")
    recording = _Recording(gql.db)
    run = Gql(recording, gql.settings, gql.cipher)
    query = "{ volunteers(first: 2) { edges { node { SELECTION } } } }"
    data = await run.data(query.replace("SELECTION", selection), {}, caller=admin)
    assert "phone_enc" in recording.seen[0] and "weekly" in recording.seen[0]
    assert all(e["node"]["phone"].isdigit() for e in data["volunteers"]["edges"])


async def test_page_size_variables_change_the_answer_of_one_plan(gql: Gql) -> None:
    """The cost is remembered per page size, and arguments written in the text are converted
    once: neither may leak one run's values into another."""
    query = ("query($n: Int, $m: Int) { volunteers(first: $n) { edges { node { id "
             "location(crs: BD09) { lon } } } } stations(first: $m) { edges { node { id } } } }")
    await gql.data(query, {"n": 1, "m": 1}, caller=PARTNER)
    plan = schema().plans.get(query, None)
    assert plan is not None
    for n, m in ((2, 5), (7, 1), (2, 5), (0, 3)):
        expected = await _strawberry_only(gql, query, {"n": n, "m": m}, PARTNER)
        answered = plan.answered
        data = await gql.data(query, {"n": n, "m": m}, caller=PARTNER)
        assert plan.answered == answered + 1 and data == expected
        assert len(data["volunteers"]["edges"]) == n and len(data["stations"]["edges"]) == m
    result = await gql(query, {"n": 100, "m": 100}, caller=PARTNER)  # within each list's limit
    assert not result.errors
