"""Compiled plans convert arguments (hub/schema/arguments.py) exactly as strawberry does."""

from __future__ import annotations

from typing import Any

import pytest
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import StrawberryObjectDefinition

from hub.schema import schema
from hub.schema.arguments import arguments_converter
from hub.schema.common import CRS

RAW: dict[str, list[dict[str, Any]]] = {
    "volunteers": [
        {},
        {"first": 5, "after": None},
        {"first": 50, "near": {"point": {"lon": 113.6, "lat": 34.7, "crs": CRS.GCJ02},
                               "radiusM": 5000.0}},
        {"near": {"point": {"lon": 113.6, "lat": 34.7}, "radiusM": 1.5},
         "filter": {"skills": ["health"], "regionCode": "410100", "statuses": None},
         "within": {"bbox": {"west": 1.0, "south": 2.0, "east": 3.0, "north": 4.0,
                             "crs": CRS.BD09}, "crs": CRS.WGS84}},
        {"within": {"geojson": {"type": "Polygon", "coordinates": [[[1, 2], [3, 4], [1, 2]]]}},
         "filter": {"organizationId": "T3JnYW5pemF0aW9uOjE=", "cohorts": []}},
    ],
    "demands": [{"filter": {"categories": ["health"], "stationId": "U3RhdGlvbjox"}}],
    "nearestStations": [{"point": {"lon": 1.0, "lat": 2.0, "crs": None}, "k": None}],
    "nodes": [{"ids": ["a", "b"]}],
}


@pytest.mark.parametrize("field", sorted(RAW))
def test_the_same_values_as_strawberry(field: str) -> None:
    hub_schema = schema()
    query = hub_schema.get_type_by_name("Query")
    assert isinstance(query, StrawberryObjectDefinition)
    [definition] = [f for f in query.fields if hub_schema.config.name_converter.get_graphql_name(f)
                    == field]
    convert = arguments_converter(definition.arguments, hub_schema)
    assert convert is not None
    for raw in RAW[field]:
        expected = convert_arguments(raw, definition.arguments,
                                     scalar_registry=hub_schema.schema_converter.scalar_registry,
                                     config=hub_schema.config)
        assert convert(raw) == expected, raw
        assert repr(convert(raw)) == repr(expected)
