"""XYZ (slippy-map) tile addresses: validation and bounds in WGS-84 and Web Mercator."""

from __future__ import annotations

import math

DEFAULT_MAX_ZOOM = 22
#: The deepest zoom the bounds functions accept (tile edges stay exact in float64).
MAX_BOUNDS_ZOOM = 30
#: Half the width of the EPSG:3857 world square in metres (π · 6,378,137).
WEB_MERCATOR_HALF_WORLD_M = math.pi * 6378137.0

Bounds = tuple[float, float, float, float]


class TileError(ValueError):
    """A tile address that does not exist; the message gives the precise reason."""


def validate_tile(z: int, x: int, y: int, *, max_zoom: int = DEFAULT_MAX_ZOOM) -> None:
    """Raise ``TileError`` unless z/x/y names an existing tile with z ≤ ``max_zoom``."""
    for name, value in (("z", z), ("x", x), ("y", y)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise TileError(f"{name}={value!r} is not an integer")
    if not 0 <= z <= max_zoom:
        raise TileError(f"z={z} is outside 0..{max_zoom}")
    last = 2**z - 1
    for name, value in (("x", x), ("y", y)):
        if not 0 <= value <= last:
            raise TileError(f"{name}={value} is outside 0..{last} at z={z}")


def tile_bounds_mercator(z: int, x: int, y: int) -> Bounds:
    """(west, south, east, north) of a tile in EPSG:3857 metres."""
    validate_tile(z, x, y, max_zoom=MAX_BOUNDS_ZOOM)
    size_m = 2.0 * WEB_MERCATOR_HALF_WORLD_M / 2**z
    west_m = -WEB_MERCATOR_HALF_WORLD_M + x * size_m
    north_m = WEB_MERCATOR_HALF_WORLD_M - y * size_m
    return west_m, north_m - size_m, west_m + size_m, north_m


def _tile_lat_deg(z: int, row: int) -> float:
    """Latitude of the top edge of tile row ``row`` (row 2**z is the bottom edge)."""
    return math.degrees(math.atan(math.sinh(math.pi * (1.0 - 2.0 * row / 2**z))))


def tile_bounds_lonlat(z: int, x: int, y: int) -> Bounds:
    """(west, south, east, north) of a tile in WGS-84 degrees."""
    validate_tile(z, x, y, max_zoom=MAX_BOUNDS_ZOOM)
    tiles = 2**z
    return (
        x / tiles * 360.0 - 180.0,
        _tile_lat_deg(z, y + 1),
        (x + 1) / tiles * 360.0 - 180.0,
        _tile_lat_deg(z, y),
    )
