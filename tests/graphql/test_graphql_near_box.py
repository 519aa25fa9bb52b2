"""The degree box through which a ``near`` list finds the rows within its bound
(``hub.store.listing.box_deg_per_m``) holds every point within the bound on PostGIS's sphere:
the list's exactness rests on it (the brute-force comparisons are in test_graphql_queries)."""

from __future__ import annotations

import math
import random

from hub.store.listing import box_deg_per_m

SPHERE_R = 6_371_008.771  # PostGIS's sphere: the WGS-84 mean radius, (2a + b) / 3


def _destination(lon: float, lat: float, bearing: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` from (lon, lat) along ``bearing`` (radians) on the sphere."""
    d, p1, l1 = metres / SPHERE_R, math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(bearing))
    l2 = l1 + math.atan2(math.sin(bearing) * math.sin(d) * math.cos(p1),
                         math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(l2), math.degrees(p2)


def test_the_box_holds_every_point_within_reach() -> None:
    rng = random.Random(12)
    cases = [(113.6, 34.7), (0.0, 0.0), (179.99, 10.0), (-179.99, -10.0), (20.0, 88.5),
             (20.0, -88.9), (120.0, 60.0), (73.5, 53.5)]
    cases += [(rng.uniform(-180, 180), rng.uniform(-89.9, 89.9)) for _ in range(300)]
    for lon, lat in cases:
        for reach in (1.0, 50.0, 5_050.0, 101_000.0, 1_000_000.0, 5_000_000.0):
            per_m = box_deg_per_m(lon, lat, reach)
            for _ in range(40):
                d = reach * rng.choice([1.0, rng.random()])
                lon2, lat2 = _destination(lon, lat, rng.uniform(0, 2 * math.pi), d)
                dlon = abs((lon2 - lon + 180.0) % 360.0 - 180.0)  # the way round that is short
                width = d * per_m
                if width >= 360.0:
                    continue  # the whole world
                assert abs(lat2 - lat) <= width, (lon, lat, reach, d)
                # Inside the box without going round: a box past the antimeridian misses the
                # other side.
                assert dlon <= width and abs(lon) + width < 180.0, (lon, lat, reach, d)


def test_a_box_near_a_pole_or_the_antimeridian_is_the_whole_world() -> None:
    assert box_deg_per_m(10.0, 88.99, 5_000.0) * 1.0 >= 360.0  # for any bound of a metre
    assert box_deg_per_m(179.97, 0.0, 5_000.0) * 1.0 >= 360.0
    assert box_deg_per_m(113.6, 34.7, 5_050.0) * 5_050.0 < 0.1
