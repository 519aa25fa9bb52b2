"""within_any: whether some target lies within each point's own radius, exactly as a brute
force over every pair of WGS-84 geodesics (the test ST_DWithin(geography) makes)."""

from __future__ import annotations

import numpy as np

from hub.geo.geodesy import geodesic_distance_m, within_any


def _brute(lon, lat, r, t_lon, t_lat):
    d = geodesic_distance_m(lon[:, None], lat[:, None], t_lon[None, :], t_lat[None, :])
    return (d <= r[:, None]).any(axis=1)


def test_within_any_equals_brute_force_with_points_on_the_border():
    rng = np.random.default_rng(17)
    t_lon, t_lat = rng.uniform(113.0, 114.0, 60), rng.uniform(22.6, 23.7, 60)
    lon, lat = rng.uniform(112.7, 114.3, 4000), rng.uniform(22.3, 24.0, 4000)
    r = rng.choice([1000.0, 5000.0, 15000.0, 30000.0], 4000)
    # Radii set to a target's exact distance ± 1 mm: where a chord nearest is not the
    # geodesic nearest, or the answer turns on the last millimetre.
    which = rng.integers(0, 60, 4000)
    exact = geodesic_distance_m(lon, lat, t_lon[which], t_lat[which])
    border = rng.random(4000) < 0.5
    r = np.where(border, exact + rng.choice([-1e-3, 0.0, 1e-3], 4000), r)
    got = within_any(lon, lat, r, t_lon, t_lat)
    want = _brute(lon, lat, r, t_lon, t_lat)
    assert got.dtype == bool and got.shape == (4000,)
    assert np.array_equal(got, want)
    assert 0 < got.sum() < 4000


def test_within_any_nearest_by_chord_is_not_nearest_by_geodesic():
    # From (0, 0): 0.0995° east is nearer on the unit sphere than 0.1° north, but on the
    # ellipsoid (a degree of longitude at the equator, 111,320 m, is longer than one of
    # latitude, 110,574 m) the northern target is the nearer: the radius lets in only it.
    t_lon, t_lat = np.array([0.0, 0.0995]), np.array([0.1, 0.0])
    d = geodesic_distance_m(0.0, 0.0, t_lon, t_lat)
    assert d[0] < d[1]
    r = float(d[0])
    assert within_any([0.0], [0.0], [r], t_lon, t_lat).tolist() == [True]
    assert within_any([0.0], [0.0], [r - 0.01], t_lon, t_lat).tolist() == [False]


def test_within_any_empty_and_zero_radius():
    assert within_any([], [], [], [1.0], [2.0]).tolist() == []
    assert within_any([1.0], [2.0], [10.0], [], []).tolist() == [False]
    assert within_any([1.0, 1.0], [2.0, 2.0], [0.0, 0.0], [1.0], [2.0]).tolist() == [True, True]
