"""XYZ tile validation and bounds."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pyproj import Transformer

from hub.geo.tiles import (
    WEB_MERCATOR_HALF_WORLD_M,
    TileError,
    tile_bounds_lonlat,
    tile_bounds_mercator,
    validate_tile,
)

MAX_LAT_DEG = 85.0511287798066  # Web Mercator's latitude limit


@pytest.mark.parametrize(("z", "x", "y"), [(0, 0, 0), (3, 7, 7), (14, 13_353, 6_568), (22, 0, 0)])
def test_valid_tiles_pass(z: int, x: int, y: int) -> None:
    validate_tile(z, x, y)


@pytest.mark.parametrize(
    ("z", "x", "y", "kwargs", "reason"),
    [
        (3, 9, 0, {}, "x=9 is outside 0..7 at z=3"),
        (3, 0, 8, {}, "y=8 is outside 0..7 at z=3"),
        (0, -1, 0, {}, "x=-1 is outside 0..0 at z=0"),
        (23, 0, 0, {}, "z=23 is outside 0..22"),
        (-1, 0, 0, {}, "z=-1 is outside 0..22"),
        (15, 0, 0, {"max_zoom": 14}, "z=15 is outside 0..14"),
        (3, 1.5, 0, {}, "x=1.5 is not an integer"),
        (True, 0, 0, {}, "z=True is not an integer"),
        (3, 0, "2", {}, "y='2' is not an integer"),
    ],
)
def test_invalid_tiles_give_a_precise_reason(
    z: Any, x: Any, y: Any, kwargs: dict[str, int], reason: str
) -> None:
    with pytest.raises(TileError) as info:
        validate_tile(z, x, y, **kwargs)
    assert str(info.value) == reason


def test_world_tile_bounds() -> None:
    assert tile_bounds_lonlat(0, 0, 0) == pytest.approx((-180.0, -MAX_LAT_DEG, 180.0, MAX_LAT_DEG))
    half = WEB_MERCATOR_HALF_WORLD_M
    assert half == pytest.approx(20_037_508.342789244)
    assert tile_bounds_mercator(0, 0, 0) == pytest.approx((-half, -half, half, half))


def test_quadrant_tiles() -> None:
    assert tile_bounds_lonlat(1, 1, 0) == pytest.approx((0.0, 0.0, 180.0, MAX_LAT_DEG))
    assert tile_bounds_lonlat(1, 0, 1) == pytest.approx((-180.0, -MAX_LAT_DEG, 0.0, 0.0), abs=1e-12)
    half = WEB_MERCATOR_HALF_WORLD_M
    assert tile_bounds_mercator(1, 1, 0) == pytest.approx((0.0, 0.0, half, half), abs=1e-6)


@pytest.mark.parametrize(
    ("z", "x", "y"), [(10, 843, 408), (14, 13_353, 6_568), (18, 213_650, 105_090)]
)
def test_lonlat_bounds_match_the_mercator_bounds(z: int, x: int, y: int) -> None:
    to_lonlat = Transformer.from_crs("EPSG:3857", "EPSG:4326", always_xy=True)
    west_m, south_m, east_m, north_m = tile_bounds_mercator(z, x, y)
    west, south = to_lonlat.transform(west_m, south_m)
    east, north = to_lonlat.transform(east_m, north_m)
    assert tile_bounds_lonlat(z, x, y) == pytest.approx((west, south, east, north), abs=1e-9)
    assert east_m - west_m == pytest.approx(2 * WEB_MERCATOR_HALF_WORLD_M / 2**z)


def test_zhengzhou_tile_contains_zhengzhou() -> None:
    west, south, east, north = tile_bounds_lonlat(14, 13_363, 6_503)
    assert west < 113.6253 < east
    assert south < 34.7466 < north


def test_bounds_reject_bad_tiles() -> None:
    with pytest.raises(TileError, match=re.escape("x=2 is outside 0..1 at z=1")):
        tile_bounds_lonlat(1, 2, 0)
    with pytest.raises(TileError, match=re.escape("z=31 is outside 0..30")):
        tile_bounds_mercator(31, 0, 0)
