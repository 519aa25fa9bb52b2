"""Ellipsoidal distances, unit vectors + chord radius for KD-trees, coarsening."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pyproj import Geod
from scipy.spatial import cKDTree

from hub.geo.geodesy import (
    MIN_RADIUS_OF_CURVATURE_M,
    chord_radius_for_m,
    coarsen,
    geodesic_distance_m,
    unit_vectors,
)

GEOD = Geod(ellps="WGS84")


def chord(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    return np.linalg.norm(unit_vectors(lon1, lat1) - unit_vectors(lon2, lat2), axis=1)


def test_known_distances() -> None:
    # One degree of longitude on the equator is a·π/180; of latitude there, the meridian arc.
    assert geodesic_distance_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(6378137.0 * math.pi / 180)
    assert geodesic_distance_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(110574.389, abs=0.01)
    # Beijing → Shanghai, about 1,067 km.
    assert geodesic_distance_m(116.404, 39.915, 121.4737, 31.2304) == pytest.approx(
        1_067_047, abs=1
    )


def test_distance_kinds() -> None:
    assert type(geodesic_distance_m(113.6, 34.7, 113.7, 34.8)) is float
    distance_m = geodesic_distance_m(np.array([113.6, 113.7]), 34.7, 113.6, np.array([34.7, 34.8]))
    assert isinstance(distance_m, np.ndarray)
    assert distance_m.shape == (2,)
    assert distance_m[0] == 0.0
    assert distance_m[1] == pytest.approx(geodesic_distance_m(113.7, 34.7, 113.6, 34.8))


def test_unit_vectors_are_unit_length() -> None:
    vectors = unit_vectors([0.0, 90.0, 113.6, -170.0], [0.0, 0.0, 34.7, 90.0])
    assert vectors.shape == (4, 3)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)
    assert np.allclose(vectors[0], [1.0, 0.0, 0.0])
    assert np.allclose(vectors[1], [0.0, 1.0, 0.0])
    assert np.allclose(vectors[3], [0.0, 0.0, 1.0])
    with pytest.raises(ValueError, match="lon has 2 values but lat has 1"):
        unit_vectors([1.0, 2.0], [3.0])


def test_min_radius_of_curvature() -> None:
    assert abs(MIN_RADIUS_OF_CURVATURE_M - 6_335_439.327) < 0.01


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_chord_radius_contains_every_point_within_the_distance(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 100_000
    lon1 = rng.uniform(-180.0, 180.0, n)
    lat1 = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))  # uniform over the sphere
    azimuth = rng.uniform(-180.0, 180.0, n)
    distance_m = 10 ** rng.uniform(0.0, 6.7, n)  # 1 m to 5,000 km
    lon2, lat2, _ = GEOD.fwd(lon1, lat1, azimuth, distance_m)
    radius = np.array([chord_radius_for_m(d) for d in distance_m])
    actual = chord(lon1, lat1, lon2, lat2)
    assert np.all(actual <= radius)
    # The naive bound from the mean Earth radius would miss many of these points.
    assert np.mean(actual > 2.0 * np.sin(distance_m / 6_371_000.0 / 2.0)) > 0.1


def test_chord_radius_is_tight_where_curvature_is_smallest() -> None:
    # North–south along the equator the bound is nearly attained: no needless over-fetching.
    lon2, lat2, _ = GEOD.fwd(113.0, -0.005, 0.0, 1000.0)
    actual = chord(np.array([113.0]), np.array([-0.005]), np.array([lon2]), np.array([lat2]))[0]
    assert actual <= chord_radius_for_m(1000.0) < actual * 1.0001


def test_chord_radius_edges() -> None:
    assert chord_radius_for_m(0.0) == 0.0
    assert chord_radius_for_m(30_000_000.0) == 2.0
    for bad in (-1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="distance_m"):
            chord_radius_for_m(bad)


def test_kd_tree_search_finds_every_point_within_radius() -> None:
    rng = np.random.default_rng(5)
    lon = rng.uniform(112.5, 114.5, 50_000)
    lat = rng.uniform(34.0, 35.5, 50_000)
    tree = cKDTree(unit_vectors(lon, lat))
    centre_lon, centre_lat, radius_m = 113.6, 34.75, 5_000.0
    candidates = tree.query_ball_point(
        unit_vectors(centre_lon, centre_lat)[0], chord_radius_for_m(radius_m)
    )
    within = set(np.flatnonzero(geodesic_distance_m(lon, lat, centre_lon, centre_lat) <= radius_m))
    assert len(within) > 50
    assert within <= set(candidates)
    assert len(candidates) < 1.02 * len(within)  # and it fetches little more than needed


def test_coarsen_snaps_to_cell_centres() -> None:
    assert coarsen(113.6234, 34.7471) == (113.625, 34.745)
    assert coarsen(-0.001, -0.001) == (-0.005, -0.005)
    assert coarsen(113.6234, 34.7471, cell_deg=0.1) == (113.65, 34.75)
    lon, lat = coarsen(113.6234, 34.7471)
    assert type(lon) is float
    assert type(lat) is float


def test_coarsen_arrays() -> None:
    rng = np.random.default_rng(9)
    lon = rng.uniform(73.0, 135.0, 10_000)
    lat = rng.uniform(-89.999, 89.999, 10_000)
    out_lon, out_lat = coarsen(lon, lat)
    assert out_lon.shape == lon.shape
    assert np.all(np.abs(out_lon - lon) <= 0.005 + 1e-9)
    assert np.all(np.abs(out_lat - lat) <= 0.005 + 1e-9)
    again_lon, again_lat = coarsen(out_lon, out_lat)
    assert np.array_equal(again_lon, out_lon)
    assert np.array_equal(again_lat, out_lat)
    same_cell = coarsen(np.array([113.6201, 113.6299]), np.array([34.7401, 34.7499]))
    assert same_cell[0][0] == same_cell[0][1]
    assert same_cell[1][0] == same_cell[1][1]


def test_coarsen_rejects_bad_cells() -> None:
    for bad in (0.0, -0.01, math.nan):
        with pytest.raises(ValueError, match="cell_deg"):
            coarsen(113.6, 34.7, cell_deg=bad)
