"""WGS-84 ⇄ GCJ-02 ⇄ BD-09 conversion, vectorised, with iterated (exact) inverses.

- WGS-84 (EPSG:4326): GPS, Tianditu; what the hub stores.
- GCJ-02 (国测局坐标, "Mars coordinates"): Amap, Tencent. The forward offset is the widely
  published public algorithm (Krasovsky 1940 constants, the ``transformLat``/``transformLon``
  polynomials); points outside the rough China box are returned unshifted.
- BD-09 (百度坐标): Baidu, a further offset of GCJ-02. Like the reference implementations
  (coordtransform, PRCoords) it is applied everywhere, inside China or not.

The inverses have no closed form: they are solved by fixed-point iteration on the forward
function until every point reproduces its input to within ``TOLERANCE_M`` (1 mm), so round trips
are exact to well under 1 cm. The one-step inverses found in most libraries err by up to 4.6 m.
Near the edge of the China box the GCJ-02 mapping is discontinuous, so points within ~1 km of the
box edge may not round-trip; the box lies far outside the country's populated area.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from hub.geo._arrays import Coord, FloatArray, apply_flat

CRS_NAMES = ("WGS84", "GCJ02", "BD09")

#: Every inverse iterates until the forward image of each point is within this distance.
TOLERANCE_M = 1e-3
MAX_ITERATIONS = 30

# Krasovsky 1940 ellipsoid, as used by the GCJ-02 algorithm.
_KRASOVSKY_A_M = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
# The rough "is in China" box of the public algorithm (degrees).
_CHINA_LON = (72.004, 137.8347)
_CHINA_LAT = (0.8293, 55.8271)
# Baidu's constants.
_BD_X_PI = np.pi * 3000.0 / 180.0
_BD_DLON = 0.0065
_BD_DLAT = 0.006
# An upper bound of the metres in one degree of latitude on WGS-84 (111,694 m at the poles),
# so errors measured with it are never underestimated.
_M_PER_DEG = 111_700.0

Pair = tuple[FloatArray, FloatArray]
Step = Callable[[FloatArray, FloatArray], Pair]


def _in_china(lon: FloatArray, lat: FloatArray) -> NDArray[np.bool_]:
    """Boolean mask of points inside the rough China box (NaN is outside)."""
    return np.asarray(
        (lon >= _CHINA_LON[0])
        & (lon <= _CHINA_LON[1])
        & (lat >= _CHINA_LAT[0])
        & (lat <= _CHINA_LAT[1])
    )


def _gcj_offset_m(x: FloatArray, y: FloatArray) -> Pair:
    """The GCJ-02 offsets (east, north) in pseudo-metres for x = lon - 105, y = lat - 35."""
    shared = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    north = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    north += shared
    north += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    north += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    east = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    east += shared
    east += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    east += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return east, north


def _gcj_shift(lon: FloatArray, lat: FloatArray) -> Pair:
    """The GCJ-02 forward formula without the China check (degrees in, degrees out)."""
    east, north = _gcj_offset_m(lon - 105.0, lat - 35.0)
    lat_rad = np.radians(lat)
    magic = 1.0 - _KRASOVSKY_EE * np.sin(lat_rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = north * 180.0 / ((_KRASOVSKY_A_M * (1.0 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    dlon = east * 180.0 / (_KRASOVSKY_A_M / sqrt_magic * np.cos(lat_rad) * np.pi)
    return lon + dlon, lat + dlat


def _iterate_inverse(forward: Step, target_lon: FloatArray, target_lat: FloatArray) -> Pair:
    """Solve forward(lon, lat) = target by fixed-point iteration, starting from the target."""
    lon, lat = target_lon.copy(), target_lat.copy()
    for _ in range(MAX_ITERATIONS):
        image_lon, image_lat = forward(lon, lat)
        err_lon, err_lat = image_lon - target_lon, image_lat - target_lat
        err_m = np.hypot(err_lon * np.cos(np.radians(lat)), err_lat) * _M_PER_DEG
        if not np.any(err_m >= TOLERANCE_M):  # NaN compares False: NaN points count as done
            break
        lon, lat = lon - err_lon, lat - err_lat
    return lon, lat


def _where_in_china(step: Step, lon: FloatArray, lat: FloatArray) -> Pair:
    """Apply ``step`` to the points inside the China box; pass the others through."""
    inside = _in_china(lon, lat)
    out_lon, out_lat = lon.copy(), lat.copy()
    if np.any(inside):
        out_lon[inside], out_lat[inside] = step(lon[inside], lat[inside])
    return out_lon, out_lat


def _wgs_to_gcj(lon: FloatArray, lat: FloatArray) -> Pair:
    return _where_in_china(_gcj_shift, lon, lat)


def _gcj_to_wgs(lon: FloatArray, lat: FloatArray) -> Pair:
    return _where_in_china(lambda x, y: _iterate_inverse(_gcj_shift, x, y), lon, lat)


def _gcj_to_bd(lon: FloatArray, lat: FloatArray) -> Pair:
    radius = np.hypot(lon, lat) + 0.00002 * np.sin(lat * _BD_X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _BD_X_PI)
    return radius * np.cos(theta) + _BD_DLON, radius * np.sin(theta) + _BD_DLAT


def _bd_to_gcj(lon: FloatArray, lat: FloatArray) -> Pair:
    return _iterate_inverse(_gcj_to_bd, lon, lat)


def _wgs_to_bd(lon: FloatArray, lat: FloatArray) -> Pair:
    return _gcj_to_bd(*_wgs_to_gcj(lon, lat))


def _bd_to_wgs(lon: FloatArray, lat: FloatArray) -> Pair:
    return _gcj_to_wgs(*_bd_to_gcj(lon, lat))


def _identity(lon: FloatArray, lat: FloatArray) -> Pair:
    return lon.copy(), lat.copy()


_STEPS: dict[tuple[str, str], Step] = {
    ("WGS84", "GCJ02"): _wgs_to_gcj,
    ("GCJ02", "WGS84"): _gcj_to_wgs,
    ("GCJ02", "BD09"): _gcj_to_bd,
    ("BD09", "GCJ02"): _bd_to_gcj,
    ("WGS84", "BD09"): _wgs_to_bd,
    ("BD09", "WGS84"): _bd_to_wgs,
}


def _check_name(name: str) -> None:
    if name not in CRS_NAMES:
        raise ValueError(f"Unknown CRS {name!r}; expected one of {', '.join(CRS_NAMES)}.")


def convert(lon: Coord, lat: Coord, src: str, dst: str) -> tuple[Coord, Coord]:
    """Convert coordinates (degrees) from CRS ``src`` to ``dst`` (names from ``CRS_NAMES``).

    Floats in give floats out; arrays (any shape, broadcast together) give arrays out.
    """
    _check_name(src)
    _check_name(dst)
    step = _identity if src == dst else _STEPS[(src, dst)]
    return apply_flat(step, lon, lat)


def wgs84_to_gcj02(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """WGS-84 → GCJ-02 (unshifted outside the China box)."""
    return convert(lon, lat, "WGS84", "GCJ02")


def gcj02_to_wgs84(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """GCJ-02 → WGS-84, iterated to < 1 mm (unshifted outside the China box)."""
    return convert(lon, lat, "GCJ02", "WGS84")


def gcj02_to_bd09(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """GCJ-02 → BD-09."""
    return convert(lon, lat, "GCJ02", "BD09")


def bd09_to_gcj02(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """BD-09 → GCJ-02, iterated to < 1 mm."""
    return convert(lon, lat, "BD09", "GCJ02")


def wgs84_to_bd09(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """WGS-84 → BD-09 (through GCJ-02)."""
    return convert(lon, lat, "WGS84", "BD09")


def bd09_to_wgs84(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """BD-09 → WGS-84 (through GCJ-02), each step iterated to < 1 mm."""
    return convert(lon, lat, "BD09", "WGS84")
