"""GeoJSON (RFC 7946) polygons in, shapely geometries out, with clear error messages."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from hub.geo.crs import convert

DEFAULT_MAX_VERTICES = 10_000

Ring = list[tuple[float, float]]


class GeoJSONError(ValueError):
    """A GeoJSON input that cannot be used; the message says what and where."""


def _load(obj: Any) -> Mapping[str, Any]:
    if isinstance(obj, str | bytes):
        try:
            obj = json.loads(obj)
        except json.JSONDecodeError as exc:
            raise GeoJSONError(f"Not valid JSON: {exc}.") from exc
    if not isinstance(obj, Mapping):
        raise GeoJSONError(f"Expected a GeoJSON object, got {type(obj).__name__}.")
    if obj.get("type") == "Feature":
        geometry = obj.get("geometry")
        if not isinstance(geometry, Mapping):
            raise GeoJSONError("The Feature has no 'geometry' object.")
        return geometry
    return obj


def _as_list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list | tuple):
        raise GeoJSONError(f"{what} must be an array, got {json.dumps(value, default=str)[:60]}.")
    return list(value)


def _polygon_rings(coordinates: Any, where: str) -> list[list[Any]]:
    rings = _as_list(coordinates, f"The coordinates of {where}")
    if not rings:
        raise GeoJSONError(f"{where.capitalize()} has no rings.")
    return [_as_list(ring, f"Ring {i} of {where}") for i, ring in enumerate(rings)]


def _position(value: Any, where: str) -> tuple[float, float]:
    position = _as_list(value, f"Position {where}")
    numbers_ok = all(
        isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n)
        for n in position
    )
    if len(position) not in (2, 3) or not numbers_ok:
        raise GeoJSONError(f"Position {where} must be 2 or 3 finite numbers, got {position!r}.")
    lon, lat = float(position[0]), float(position[1])
    if not -180.0 <= lon <= 180.0:
        raise GeoJSONError(f"Longitude {lon} at position {where} is outside -180..180.")
    if not -90.0 <= lat <= 90.0:
        raise GeoJSONError(f"Latitude {lat} at position {where} is outside -90..90.")
    return lon, lat


def _ring(raw: list[Any], where: str) -> Ring:
    ring = [_position(p, f"{i} of {where}") for i, p in enumerate(raw)]
    if len(ring) < 4:
        raise GeoJSONError(f"{where.capitalize()} has {len(ring)} positions; a ring needs ≥ 4.")
    if ring[0] != ring[-1]:
        raise GeoJSONError(
            f"{where.capitalize()} is not closed: it starts at {list(ring[0])} "
            f"but ends at {list(ring[-1])}."
        )
    return ring


def parse_polygon(obj: Any, *, max_vertices: int = DEFAULT_MAX_VERTICES) -> Polygon | MultiPolygon:
    """Parse a GeoJSON Polygon or MultiPolygon (a dict, a JSON string, or a Feature of one).

    Positions may carry a third number (height), which is dropped. Raises ``GeoJSONError`` for
    a wrong type, missing coordinates, out-of-range or unclosed positions, more than
    ``max_vertices`` positions, or an invalid (e.g. self-intersecting) polygon.
    """
    geometry = _load(obj)
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise GeoJSONError(f"Expected a GeoJSON Polygon or MultiPolygon, got type {kind!r}.")
    if "coordinates" not in geometry:
        raise GeoJSONError(f"The {kind} has no 'coordinates'.")
    if kind == "Polygon":
        raw_polygons = [_polygon_rings(geometry["coordinates"], "the polygon")]
    else:
        parts = _as_list(geometry["coordinates"], "The coordinates of the MultiPolygon")
        if not parts:
            raise GeoJSONError("The MultiPolygon has no polygons.")
        raw_polygons = [_polygon_rings(part, f"polygon {i}") for i, part in enumerate(parts)]

    vertex_count = sum(len(ring) for rings in raw_polygons for ring in rings)
    if vertex_count > max_vertices:
        raise GeoJSONError(
            f"The {kind} has {vertex_count:,} vertices; the limit is {max_vertices:,}."
        )

    polygons = []
    for i, rings in enumerate(raw_polygons):
        where = "the polygon" if kind == "Polygon" else f"polygon {i}"
        shell, *holes = (_ring(raw, f"ring {j} of {where}") for j, raw in enumerate(rings))
        polygons.append(Polygon(shell, holes))
    geom: Polygon | MultiPolygon = polygons[0] if kind == "Polygon" else MultiPolygon(polygons)
    if not geom.is_valid:
        raise GeoJSONError(f"The {kind} is not valid: {explain_validity(geom)}.")
    return geom


def transform_geometry(geom: BaseGeometry, src: str, dst: str) -> BaseGeometry:
    """The same geometry with every coordinate converted from CRS ``src`` to ``dst``."""

    def convert_xy(xy: np.ndarray) -> np.ndarray:
        lon, lat = convert(xy[:, 0], xy[:, 1], src, dst)
        return np.column_stack((lon, lat))

    return shapely.transform(geom, convert_xy)


def geometry_to_dict(geom: BaseGeometry) -> dict[str, Any]:
    """A shapely geometry as a GeoJSON geometry dict (JSON-serialisable)."""
    return json.loads(shapely.to_geojson(geom))


def point_feature(
    lon: float,
    lat: float,
    properties: Mapping[str, Any] | None = None,
    *,
    feature_id: str | int | None = None,
) -> dict[str, Any]:
    """An RFC 7946 Point Feature (WGS-84 lon, lat)."""
    feature: dict[str, Any] = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
        "properties": dict(properties) if properties is not None else {},
    }
    if feature_id is not None:
        feature["id"] = feature_id
    return feature


def feature_collection(features: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """An RFC 7946 FeatureCollection of the given features."""
    return {"type": "FeatureCollection", "features": [dict(f) for f in features]}
