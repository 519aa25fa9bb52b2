"""The variables a query's cost depends on: those given to list sizes, wherever they are."""

from __future__ import annotations

from graphql import parse

from hub.schema import schema
from hub.schema.limits import cost_variables, operation_cost


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
