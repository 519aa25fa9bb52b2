"""WGS-84 / GCJ-02 / BD-09 conversion: reference vectors, exact round trips, input kinds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from pyproj import Geod

from hub.geo import crs
from hub.geo.crs import (
    CRS_NAMES,
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

GEOD = Geod(ellps="WGS84")


def distance_m(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    """Geodesic distance in metres (float or array)."""
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


# (wgs lon, wgs lat, gcj lon, gcj lat): Shanghai, Shenzhen, Beijing.
# From googollee/eviltransform, python/test.py (MIT), the TESTS table.
EVILTRANSFORM_WGS_GCJ = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),
]

# The Beijing example (116.404, 39.915) from wandergis/coordtransform, test/app.js (MIT).
# Its gcj02towgs84 and bd09togcj02 are the one-step approximations, not exact inverses.
COORDTRANSFORM_INPUT = (116.404, 39.915)
COORDTRANSFORM_WGS_TO_GCJ = (116.41024449916938, 39.91640428150164)
COORDTRANSFORM_GCJ_TO_BD = (116.41036949371029, 39.92133699351021)
COORDTRANSFORM_GCJ_TO_WGS_ONE_STEP = (116.39775550083061, 39.91359571849836)
COORDTRANSFORM_BD_TO_GCJ_ONE_STEP = (116.39762729119315, 39.90865673957631)


def random_points_in_china(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """Points over China's extent, kept ≥ 0.05° inside the GCJ-02 box (its edge is a jump)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(73.0, 135.0, n), rng.uniform(3.0, 53.5, n)


@pytest.mark.parametrize(("wgs_lon", "wgs_lat", "gcj_lon", "gcj_lat"), EVILTRANSFORM_WGS_GCJ)
def test_eviltransform_vectors_forward_and_exact_inverse(
    wgs_lon: float, wgs_lat: float, gcj_lon: float, gcj_lat: float
) -> None:
    lon, lat = wgs84_to_gcj02(wgs_lon, wgs_lat)
    assert lon == pytest.approx(gcj_lon, abs=1e-9)
    assert lat == pytest.approx(gcj_lat, abs=1e-9)
    back_lon, back_lat = gcj02_to_wgs84(gcj_lon, gcj_lat)
    assert distance_m(back_lon, back_lat, wgs_lon, wgs_lat) < 0.001


def test_coordtransform_beijing_forward_vectors() -> None:
    assert wgs84_to_gcj02(*COORDTRANSFORM_INPUT) == pytest.approx(
        COORDTRANSFORM_WGS_TO_GCJ, abs=1e-9
    )
    assert gcj02_to_bd09(*COORDTRANSFORM_INPUT) == pytest.approx(COORDTRANSFORM_GCJ_TO_BD, abs=1e-9)


def test_gcoord_gcj_to_bd_vector() -> None:
    # hujiulong/gcoord, test/unit/crs/GCJ02.spec.js (MIT): GCJ02 → BD09 of (123, 45).
    assert gcj02_to_bd09(123.0, 45.0) == pytest.approx((123.00636499, 45.00636899), abs=1e-8)


@pytest.mark.parametrize(
    ("inverse", "forward", "one_step", "max_gap_m"),
    [
        (gcj02_to_wgs84, wgs84_to_gcj02, COORDTRANSFORM_GCJ_TO_WGS_ONE_STEP, 5.0),
        (bd09_to_gcj02, gcj02_to_bd09, COORDTRANSFORM_BD_TO_GCJ_ONE_STEP, 0.5),
    ],
)
def test_iterated_inverse_beats_the_one_step_inverse(
    inverse: Callable[..., tuple[float, float]],
    forward: Callable[..., tuple[float, float]],
    one_step: tuple[float, float],
    max_gap_m: float,
) -> None:
    lon, lat = inverse(*COORDTRANSFORM_INPUT)
    gap_m = distance_m(lon, lat, *one_step)
    assert 0.01 < gap_m < max_gap_m  # close to the published value, but not the same
    assert distance_m(*forward(lon, lat), *COORDTRANSFORM_INPUT) < 0.001
    assert distance_m(*forward(*one_step), *COORDTRANSFORM_INPUT) > 0.01


@pytest.mark.parametrize(("via", "max_error_m"), [("GCJ02", 0.005), ("BD09", 0.005)])
def test_round_trip_from_wgs_is_exact_on_a_dense_grid(via: str, max_error_m: float) -> None:
    lon, lat = random_points_in_china(200_000)
    there_lon, there_lat = convert(lon, lat, "WGS84", via)
    back_lon, back_lat = convert(there_lon, there_lat, via, "WGS84")
    assert float(np.max(distance_m(lon, lat, back_lon, back_lat))) < max_error_m


@pytest.mark.parametrize(("src", "dst"), [("GCJ02", "WGS84"), ("BD09", "WGS84"), ("BD09", "GCJ02")])
def test_round_trip_into_wgs_and_back_is_exact(src: str, dst: str) -> None:
    lon, lat = random_points_in_china(50_000, seed=11)
    there = convert(lon, lat, src, dst)
    back_lon, back_lat = convert(*there, dst, src)
    assert float(np.max(distance_m(lon, lat, back_lon, back_lat))) < 0.005


def test_gcj_offset_has_the_documented_size() -> None:
    # ANCHORS.md: the WGS-84 → GCJ-02 offset in China is 429 m median, 694 m max.
    lon, lat = np.meshgrid(np.linspace(75.0, 134.0, 120), np.linspace(18.0, 53.0, 80))
    offset_m = distance_m(lon, lat, *wgs84_to_gcj02(lon, lat))
    assert 300.0 < float(np.median(offset_m)) < 550.0
    assert float(np.max(offset_m)) < 750.0


def test_floats_in_floats_out() -> None:
    for src in CRS_NAMES:
        for dst in CRS_NAMES:
            lon, lat = convert(113.62, 34.75, src, dst)
            assert type(lon) is float
            assert type(lat) is float


def test_arrays_keep_their_shape_and_are_not_modified() -> None:
    lon = np.full((3, 4), 113.62)
    lat = np.full((3, 4), 34.75)
    out_lon, out_lat = gcj02_to_wgs84(lon, lat)
    assert isinstance(out_lon, np.ndarray)
    assert out_lon.shape == (3, 4)
    assert out_lat.shape == (3, 4)
    assert np.all(lon == 113.62)
    assert np.all(out_lon != 113.62)
    same_lon, _ = convert(lon, lat, "WGS84", "WGS84")
    assert same_lon is not lon
    assert np.array_equal(same_lon, lon)


def test_array_results_equal_scalar_results() -> None:
    lon, lat = random_points_in_china(20, seed=3)
    arr_lon, arr_lat = bd09_to_wgs84(lon, lat)
    for i in range(20):
        one_lon, one_lat = bd09_to_wgs84(float(lon[i]), float(lat[i]))
        assert distance_m(one_lon, one_lat, arr_lon[i], arr_lat[i]) < 0.001


def test_lists_and_zero_dim_arrays_are_accepted() -> None:
    lons: Any = [113.62, 103.8]  # typed for floats and arrays; lists work at run time too
    lon, lat = wgs84_to_bd09(lons, [34.75, 36.06])
    assert isinstance(lon, np.ndarray)
    assert lon.shape == lat.shape == (2,)
    zero_dim, _ = wgs84_to_bd09(np.array(113.62), np.array(34.75))
    assert isinstance(zero_dim, np.ndarray)
    assert zero_dim.shape == ()
    assert type(wgs84_to_bd09(np.float64(113.62), 34.75)[0]) is float


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(2.3522, 48.8566), (-74.006, 40.7128), (139.6917, 35.6895), (151.2093, -33.8688)],
)
def test_outside_china_gcj_is_not_shifted(lon: float, lat: float) -> None:
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)
    # BD-09's offset applies everywhere (as in the reference libraries), on top of GCJ-02.
    assert wgs84_to_bd09(lon, lat) == gcj02_to_bd09(lon, lat)
    assert bd09_to_wgs84(*wgs84_to_bd09(lon, lat)) == pytest.approx((lon, lat), abs=1e-8)


def test_mixed_inside_and_outside_points() -> None:
    lon = np.array([116.404, 2.3522, 113.62])
    lat = np.array([39.915, 48.8566, 34.75])
    out_lon, out_lat = wgs84_to_gcj02(lon, lat)
    assert (out_lon[1], out_lat[1]) == (2.3522, 48.8566)
    assert out_lon[0] == pytest.approx(COORDTRANSFORM_WGS_TO_GCJ[0], abs=1e-9)
    assert out_lon[2] != 113.62


def test_nan_passes_through_without_hanging() -> None:
    lon, lat = gcj02_to_wgs84(np.array([np.nan, 113.62]), np.array([34.75, 34.75]))
    assert np.isnan(lon[0])
    assert np.isfinite(lon[1])
    assert np.isfinite(lat[1])
    assert np.all(np.isnan(bd09_to_gcj02(np.nan, np.nan)))


@pytest.mark.parametrize(
    ("src", "dst", "bad"), [("WGS-84", "GCJ02", "WGS-84"), ("BD09", "mars", "mars")]
)
def test_unknown_crs_name_is_named_in_the_error(src: str, dst: str, bad: str) -> None:
    with pytest.raises(ValueError, match=repr(bad)):
        convert(113.62, 34.75, src, dst)


def test_iteration_tolerance_is_one_millimetre() -> None:
    assert crs.TOLERANCE_M == 0.001
    assert crs.MAX_ITERATIONS >= 10
