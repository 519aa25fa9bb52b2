"""The variables a query's cost depends on: those given to list sizes, wherever they are."""

from __future__ import annotations

from graphql import parse

from hub.schema import schema
from hub.schema.limits import Costs, cost_variables, operation_cost


def test_list_size_variables_in_fields_and_fragments_and_nothing_else() -> None:
    document = parse(
        "query($n: Int, $k: Int, $crs: CRS, $lim: Int) { volunteers(first: $n) { edges "
        "{ node { location(crs: $crs) { lon } ... on Volunteer { id } } } } "
        "nearestStations(point: {lon: 113, lat: 34}, k: $k) { id } ...M } "
        "fragment M on Query { mapLayer(layer: STATIONS, bbox: {west: 1, south: 1, east: 2, "
        "north: 2}, limit: $lim) }")
    assert cost_variables(document) == ("k", "lim", "n")
    assert cost_variables(parse("{ volunteers(first: 3) { edges { node { id } } } }")) == ()


def test_the_cost_changes_only_with_those_variables() -> None:
    gql = schema()._schema
    document = parse("query($n: Int, $crs: CRS) { volunteers(first: $n) { edges { node "
                     "{ location(crs: $crs) { lon } } } } }")
    assert cost_variables(document) == ("n",)
    small = operation_cost(gql, document, {"n": 2, "crs": "WGS84"}, None)
    assert small == operation_cost(gql, document, {"n": 2, "crs": "BD09"}, None)
    assert small < operation_cost(gql, document, {"n": 90, "crs": "WGS84"}, None)


def test_representations_count_by_their_number() -> None:
    gql = schema()._schema
    document = parse("query($r: [_Any!]!) { _entities(representations: $r) "
                     "{ ... on Volunteer { id } } }")
    assert cost_variables(document) == ("r",)
    one = [{"__typename": "Volunteer", "id": "1"}]
    assert operation_cost(gql, document, {"r": one}, None) < operation_cost(
        gql, document, {"r": one * 40}, None)


def test_the_schema_remembers_costs_by_document_and_sizes() -> None:
    gql = schema()._schema
    costs = Costs(entries=2)
    document = parse("query($n: Int, $r: [_Any!]!) { volunteers(first: $n) { edges { node "
                     "{ id name } } } _entities(representations: $r) { ... on Volunteer { id } } }")
    known = costs.of(gql, document, None)
    assert costs.of(gql, document, None) is known
    rep = [{"__typename": "Volunteer", "id": "1"}]
    # 90.0 equals 90 but is no size: remembered apart, whichever comes first.
    for variables in ({"n": 2, "r": rep}, {"n": 90.0, "r": rep}, {"n": 90, "r": rep},
                      {"n": 2, "r": rep * 30}, {"n": "x", "r": rep}, {"n": 2, "r": rep}):
        assert costs.cost(known, gql, variables) == operation_cost(gql, document, variables,
                                                                   None)
    other = parse("{ volunteers(first: 5) { edges { node { id } } } }")
    costs.of(gql, other, None)
    costs.of(gql, parse("{ regions { code } }"), None)
    assert costs.of(gql, document, None) is not known  # the oldest went first (2 entries)
