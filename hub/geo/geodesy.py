"""Distances on the WGS-84 ellipsoid, unit vectors for KD-trees, and coarsened positions."""

from __future__ import annotations

import math
from typing import Any, overload

import numpy as np
from numpy.typing import ArrayLike
from pyproj import Geod

from hub.geo._arrays import Coord, FloatArray, apply_flat

_GEOD = Geod(ellps="WGS84")

WGS84_A_M = 6378137.0
WGS84_F = 1.0 / 298.257223563
_WGS84_E2 = WGS84_F * (2.0 - WGS84_F)

#: The smallest radius of curvature anywhere on WGS-84: the meridional radius at the equator,
#: a(1 - e²) ≈ 6,335,439 m.
MIN_RADIUS_OF_CURVATURE_M = WGS84_A_M * (1.0 - _WGS84_E2)

# Relative slack on the chord bound, far above float rounding and far below any practical cost.
_CHORD_MARGIN = 1e-9


def _inverse_distance(
    lon1: FloatArray, lat1: FloatArray, lon2: FloatArray, lat2: FloatArray
) -> tuple[FloatArray]:
    _, _, distance_m = _GEOD.inv(lon1, lat1, lon2, lat2)
    return (np.asarray(distance_m, dtype=np.float64),)


@overload
def geodesic_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float: ...
@overload
def geodesic_distance_m(
    lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike
) -> FloatArray: ...
def geodesic_distance_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> Any:
    """Exact geodesic distance in metres on the WGS-84 ellipsoid (Karney, via pyproj).

    Floats in give a float out; arrays or mixes (broadcast together) give an array out.
    """
    (distance_m,) = apply_flat(_inverse_distance, lon1, lat1, lon2, lat2)
    return distance_m


def unit_vectors(lon: ArrayLike, lat: ArrayLike) -> FloatArray:
    """Points (degrees) as rows of an (n, 3) array on the unit sphere, for a KD-tree.

    The geodetic latitude is used as a spherical latitude; ``chord_radius_for_m`` gives the
    matching search radius.
    """
    lon_rad = np.radians(np.asarray(lon, dtype=np.float64).reshape(-1))
    lat_rad = np.radians(np.asarray(lat, dtype=np.float64).reshape(-1))
    if lon_rad.shape != lat_rad.shape:
        raise ValueError(f"lon has {lon_rad.size} values but lat has {lat_rad.size}.")
    cos_lat = np.cos(lat_rad)
    return np.column_stack((cos_lat * np.cos(lon_rad), cos_lat * np.sin(lon_rad), np.sin(lat_rad)))


def chord_radius_for_m(distance_m: float) -> float:
    """A chord length on the unit sphere that contains every point within ``distance_m``.

    Why it is safe: along any path on the ellipsoid the arc length element is
    ds² = M²dφ² + N²cos²φ dλ², while the path's image on the unit sphere (same φ, λ) has
    dθ² = dφ² + cos²φ dλ². Since M ≥ a(1 - e²) and N ≥ a ≥ M everywhere,
    ds ≥ MIN_RADIUS_OF_CURVATURE_M · dθ, so two points a geodesic distance s apart are at most
    θ = s / MIN_RADIUS_OF_CURVATURE_M apart on the sphere: a chord of 2 sin(θ / 2).
    Candidates found with it must still be filtered by ``geodesic_distance_m``.
    """
    if not distance_m >= 0.0 or math.isinf(distance_m):
        raise ValueError(f"distance_m must be a finite number ≥ 0, got {distance_m!r}.")
    angle_rad = distance_m / MIN_RADIUS_OF_CURVATURE_M * (1.0 + _CHORD_MARGIN)
    if angle_rad >= math.pi:
        return 2.0
    return 2.0 * math.sin(angle_rad / 2.0) * (1.0 + _CHORD_MARGIN)


def _snap(lon: FloatArray, lat: FloatArray, cell_deg: float) -> tuple[FloatArray, FloatArray]:
    def centre(value: FloatArray) -> FloatArray:
        return np.round((np.floor(value / cell_deg) + 0.5) * cell_deg, 10)

    return centre(lon), np.clip(centre(lat), -90.0, 90.0)


def coarsen(lon: Coord, lat: Coord, cell_deg: float = 0.01) -> tuple[Coord, Coord]:
    """Snap points to the centre of their ``cell_deg`` grid cell (0.01° ≈ 1 km), for privacy.

    Every point in a cell maps to the same centre, and coarsening is idempotent.
    """
    if not cell_deg > 0.0 or math.isinf(cell_deg):
        raise ValueError(f"cell_deg must be a finite number > 0, got {cell_deg!r}.")
    return apply_flat(lambda x, y: _snap(x, y, cell_deg), lon, lat)


def within_any(lon: ArrayLike, lat: ArrayLike, radius_m: ArrayLike,
               to_lon: ArrayLike, to_lat: ArrayLike) -> Any:
    """For each point i, whether some target lies within ``radius_m[i]`` of it (WGS-84
    geodesic, as ``ST_DWithin(geography, geography, r)`` with its default spheroid).

    Exact, and the geodesic is computed only where it decides: a KD-tree on the unit sphere
    rejects a point whose nearest target is beyond its conservative chord radius
    (``chord_radius_for_m``), accepts one whose nearest target by chord is within r, and only
    the few left (nearest by chord, not by geodesic) are tried against every target in their
    chord radius. Returns a boolean array of the points' length.
    """
    from scipy.spatial import cKDTree

    lon_a, lat_a = np.asarray(lon, np.float64).reshape(-1), np.asarray(lat, np.float64).reshape(-1)
    r = np.broadcast_to(np.asarray(radius_m, np.float64), lon_a.shape)
    t_lon = np.asarray(to_lon, np.float64).reshape(-1)
    t_lat = np.asarray(to_lat, np.float64).reshape(-1)
    inside = np.zeros(lon_a.shape, dtype=bool)
    if not lon_a.size or not t_lon.size:
        return inside
    angle = np.clip(r, 0.0, None) / MIN_RADIUS_OF_CURVATURE_M * (1.0 + _CHORD_MARGIN)
    chord = np.where(angle >= math.pi, 2.0, 2.0 * np.sin(np.minimum(angle, math.pi) / 2.0)
                     * (1.0 + _CHORD_MARGIN))
    tree = cKDTree(unit_vectors(t_lon, t_lat))
    near_chord, near = tree.query(unit_vectors(lon_a, lat_a), k=1)
    maybe = np.flatnonzero((near_chord <= chord) & (r >= 0.0))
    if not maybe.size:
        return inside
    dist = geodesic_distance_m(lon_a[maybe], lat_a[maybe], t_lon[near[maybe]], t_lat[near[maybe]])
    ok = dist <= r[maybe]
    inside[maybe[ok]] = True
    rest = maybe[~ok]
    if rest.size:
        hits = tree.query_ball_point(unit_vectors(lon_a[rest], lat_a[rest]), chord[rest])
        counts = np.fromiter((len(h) for h in hits), dtype=np.int64, count=rest.size)
        if counts.sum():
            point = np.repeat(rest, counts)
            target = np.concatenate([np.asarray(h, dtype=np.int64) for h in hits if h])
            close = geodesic_distance_m(lon_a[point], lat_a[point],
                                        t_lon[target], t_lat[target]) <= r[point]
            inside[np.unique(point[close])] = True
    return inside
