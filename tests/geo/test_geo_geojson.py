"""GeoJSON polygon parsing, its error messages, CRS transforms and small RFC 7946 helpers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon

from hub.geo.crs import wgs84_to_gcj02
from hub.geo.geojson import (
    GeoJSONError,
    feature_collection,
    geometry_to_dict,
    parse_polygon,
    point_feature,
    transform_geometry,
)

SQUARE = [[113.6, 34.7], [113.7, 34.7], [113.7, 34.8], [113.6, 34.8], [113.6, 34.7]]
HOLE = [[113.62, 34.72], [113.62, 34.74], [113.64, 34.74], [113.64, 34.72], [113.62, 34.72]]
POLYGON: dict[str, Any] = {"type": "Polygon", "coordinates": [SQUARE]}


def shifted(ring: list[list[float]], dlon: float) -> list[list[float]]:
    return [[lon + dlon, lat] for lon, lat in ring]


def test_polygon_dict() -> None:
    geom = parse_polygon(POLYGON)
    assert isinstance(geom, Polygon)
    assert geom.bounds == pytest.approx((113.6, 34.7, 113.7, 34.8))
    assert geom.area == pytest.approx(0.01)


def test_polygon_with_hole_json_string_and_3d_positions() -> None:
    text = json.dumps({"type": "Polygon", "coordinates": [[[*p, 100.0] for p in SQUARE], HOLE]})
    geom = parse_polygon(text)
    assert isinstance(geom, Polygon)
    assert len(geom.interiors) == 1
    assert not geom.has_z
    assert geom.area == pytest.approx(0.01 - 0.0004)


def test_feature_and_multipolygon() -> None:
    multi = {"type": "MultiPolygon", "coordinates": [[SQUARE], [shifted(SQUARE, 1.0)]]}
    geom = parse_polygon({"type": "Feature", "properties": {}, "geometry": multi})
    assert isinstance(geom, MultiPolygon)
    assert len(geom.geoms) == 2
    assert geom.area == pytest.approx(0.02)


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (
            {"type": "Point", "coordinates": [113.6, 34.7]},
            "Polygon or MultiPolygon, got type 'Point'",
        ),
        ({"type": "Polygon"}, "The Polygon has no 'coordinates'"),
        ({"type": "Feature", "geometry": None}, "Feature has no 'geometry'"),
        ("{not json", "Not valid JSON"),
        ([1, 2], "Expected a GeoJSON object, got list"),
        ({"type": "Polygon", "coordinates": []}, "The polygon has no rings"),
        ({"type": "MultiPolygon", "coordinates": []}, "MultiPolygon has no polygons"),
        ({"type": "Polygon", "coordinates": "abc"}, "must be an array"),
        (
            {"type": "Polygon", "coordinates": [[[113.6, 34.7], [113.7, True]]]},
            "Position 1 of ring 0 of the polygon must be 2 or 3 finite numbers",
        ),
        (
            {"type": "Polygon", "coordinates": [[*SQUARE[:2], [190.5, 34.8], *SQUARE[3:]]]},
            "Longitude 190.5 at position 2 of ring 0 of the polygon is outside -180..180",
        ),
        (
            {"type": "MultiPolygon", "coordinates": [[SQUARE], [[*SQUARE[:4], [113.6, -91.0]]]]},
            "Latitude -91.0 at position 4 of ring 0 of polygon 1 is outside -90..90",
        ),
        (
            {"type": "Polygon", "coordinates": [SQUARE[:4]]},
            "Ring 0 of the polygon is not closed: it starts at [113.6, 34.7] "
            "but ends at [113.6, 34.8]",
        ),
        (
            {"type": "Polygon", "coordinates": [[SQUARE[0], SQUARE[1], SQUARE[0]]]},
            "has 3 positions; a ring needs ≥ 4",
        ),
    ],
)
def test_errors_say_what_and_where(obj: Any, message: str) -> None:
    with pytest.raises(GeoJSONError) as info:
        parse_polygon(obj)
    assert message in str(info.value)


def test_too_many_vertices() -> None:
    with pytest.raises(GeoJSONError, match="has 5 vertices; the limit is 4"):
        parse_polygon(POLYGON, max_vertices=4)
    big = {"type": "Polygon", "coordinates": [[*SQUARE[:-1]] * 2_600 + [SQUARE[0]]]}
    with pytest.raises(GeoJSONError, match="has 10,401 vertices; the limit is 10,000"):
        parse_polygon(big)
    assert parse_polygon(POLYGON, max_vertices=5).is_valid


def test_self_intersection_is_explained_with_its_location() -> None:
    bow_tie = [[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]
    with pytest.raises(GeoJSONError, match=r"not valid: Self-intersection\[0\.5 0\.5\]"):
        parse_polygon({"type": "Polygon", "coordinates": [bow_tie]})


def test_other_invalid_polygons_are_explained() -> None:
    outside_hole = shifted(HOLE, 1.0)
    with pytest.raises(GeoJSONError, match="Hole lies outside shell"):
        parse_polygon({"type": "Polygon", "coordinates": [SQUARE, outside_hole]})
    overlapping = {"type": "MultiPolygon", "coordinates": [[SQUARE], [shifted(SQUARE, 0.05)]]}
    with pytest.raises(GeoJSONError, match="MultiPolygon is not valid"):
        parse_polygon(overlapping)


def test_transform_geometry_converts_every_vertex_and_back() -> None:
    geom = parse_polygon({"type": "Polygon", "coordinates": [SQUARE, HOLE]})
    gcj = transform_geometry(geom, "WGS84", "GCJ02")
    assert isinstance(gcj, Polygon)
    first_lon, first_lat = gcj.exterior.coords[0]
    assert (first_lon, first_lat) == pytest.approx(wgs84_to_gcj02(113.6, 34.7), abs=1e-12)
    offset_m = Geod(ellps="WGS84").inv(113.6, 34.7, first_lon, first_lat)[2]
    assert 100.0 < offset_m < 800.0
    back = transform_geometry(gcj, "GCJ02", "WGS84")
    assert back.equals_exact(geom, tolerance=1e-9)
    assert len(back.interiors) == 1
    point = transform_geometry(Point(113.6, 34.7), "WGS84", "BD09")
    assert isinstance(point, Point)
    assert point.x != 113.6


def test_geometry_to_dict_round_trips() -> None:
    geom = parse_polygon(POLYGON)
    as_dict = geometry_to_dict(geom)
    assert as_dict["type"] == "Polygon"
    assert as_dict["coordinates"][0][0] == [113.6, 34.7]
    assert parse_polygon(json.dumps(as_dict)).equals(geom)


def test_point_feature_and_collection() -> None:
    feature = point_feature(113.6, 34.7, {"name": "郑州"}, feature_id=7)
    assert feature == {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [113.6, 34.7]},
        "properties": {"name": "郑州"},
        "id": 7,
    }
    assert "id" not in point_feature(113.6, 34.7)
    assert point_feature(113.6, 34.7)["properties"] == {}
    collection = feature_collection([feature, point_feature(103.8, 36.1)])
    assert collection["type"] == "FeatureCollection"
    assert len(collection["features"]) == 2
    assert json.loads(json.dumps(collection, ensure_ascii=False)) == collection
