"""Helpers for the tile tests: tokens, MVT decoding, tile arithmetic."""

from __future__ import annotations

import math
from typing import Any

import mapbox_vector_tile

from hub.auth import issue_token
from hub.settings import Settings

EXTENT = 4096


def bearer(settings: Settings, **claims: Any) -> dict[str, str]:
    return {"Authorization": "Bearer " + issue_token(settings, sub="t", **claims)}


def features(body: bytes, layer: str) -> list[dict[str, Any]]:
    """The features of ``layer`` in an MVT, with tile-unit coordinates (y down)."""
    decoded = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
    return list(decoded.get(layer, {}).get("features", []))


def to_tile_units(lon: float, lat: float, z: int, x: int, y: int) -> tuple[float, float]:
    """A WGS-84 point in the tile's 0..4096 coordinates (y down)."""
    n = 2**z
    fx = (lon + 180.0) / 360.0 * n - x
    fy = (1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n - y
    return fx * EXTENT, fy * EXTENT


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    fx, fy = to_tile_units(lon, lat, z, 0, 0)
    return int(fx // EXTENT), int(fy // EXTENT)
