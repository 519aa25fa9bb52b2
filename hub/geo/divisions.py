"""China's administrative division codes (行政区划代码) and the vendored region list.

A 12-digit code is PP CC DD TTT VVV: province, city (prefecture), county, township, village.
The first 6 digits are the GB/T 2260 code; 6- and 9-digit forms are padded with zeros.

The tree built by ``load_regions`` from ``hub/data/cn_regions_adcodes.csv`` (cpca 0.5.5, MIT):

- Grouping rows that are not administrative units are skipped: 市辖区 ("city districts") and
  县 ("counties") under a city or municipality, and 省直辖县级行政区划 / 自治区直辖县级行政区划
  (province-administered county-level units). Most have no coordinates; the municipality ones
  merely repeat the municipality's point.
- Every other row's parent is its nearest ancestor by code that is in the output. So the districts
  and counties of 北京 11, 天津 12, 上海 31 and 重庆 50 hang directly under the municipality, and
  province-administered county-level cities (济源 419001, 仙桃 429004, 石河子 659001, ...) directly
  under their province: a county-level row's parent may be a province. Parents always exist.
- Real units without coordinates in the source (e.g. 定州市 139001, 清江浦区 320812) are kept with
  ``lon``/``lat`` None. The source's points are GCJ-02 (Amap district centres); they are converted
  to WGS-84 with ``crs.convert`` here, so RegionRow coordinates are WGS-84.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from hub.geo.crs import convert

Level = Literal["province", "city", "county", "township", "village"]
LEVELS: tuple[Level, ...] = ("province", "city", "county", "township", "village")
# Where each level's digits end in a 12-digit code.
_SEGMENT_ENDS = (2, 4, 6, 9, 12)

#: GB/T 2260 province-level codes (incl. 71 Taiwan, 81 Hong Kong, 82 Macao).
PROVINCE_CODES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64"}
    | {"65", "71", "81", "82"}
)
#: Names of grouping rows that are not administrative units (skipped by ``load_regions``).
PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

BUNDLED_REGIONS_CSV = Path(__file__).resolve().parent.parent / "data" / "cn_regions_adcodes.csv"
_CSV_COLUMNS = ("adcode", "name", "longitude", "latitude")
_DIGITS = re.compile(r"[0-9]+")


class DivisionCodeError(ValueError):
    """A value that is not a division code; the message names the value."""


class RegionDataError(ValueError):
    """A region file that cannot be loaded; the message names the file and line."""


@dataclass(frozen=True, slots=True)
class RegionRow:
    """One region (行政区划) with its parent in the loaded tree and WGS-84 coordinates."""

    code: str
    name: str
    level: Level
    parent_code: str | None
    lon: float | None
    lat: float | None


def normalize_code(text: str | int) -> str:
    """A 6-, 9- or 12-digit division code as 12 digits; ``DivisionCodeError`` if it is not one."""
    value = str(text).strip() if isinstance(text, str | int) and not isinstance(text, bool) else ""
    if not _DIGITS.fullmatch(value) or len(value) not in (6, 9, 12):
        raise DivisionCodeError(f"Division code {text!r} is not 6, 9 or 12 digits.")
    code = value.ljust(12, "0")
    if code[:2] not in PROVINCE_CODES:
        raise DivisionCodeError(f"Division code {text!r} has no province {code[:2]!r}.")
    nonzero = [bool(segment.strip("0")) for segment in _segments(code)]
    if nonzero != sorted(nonzero, reverse=True):
        raise DivisionCodeError(f"Division code {text!r} has a non-zero part below a zero one.")
    return code


def _segments(code: str) -> list[str]:
    """A 12-digit code split into its five level segments."""
    return [
        code[start:end] for start, end in zip((0, *_SEGMENT_ENDS[:-1]), _SEGMENT_ENDS, strict=True)
    ]


def _depth(code: str) -> int:
    """Index in LEVELS of a normalized code's level: its last non-zero segment."""
    return max((i for i, segment in enumerate(_segments(code)) if segment.strip("0")), default=0)


def level_of(code: str | int) -> Level:
    """The level of a division code: province, city, county, township or village."""
    return LEVELS[_depth(normalize_code(code))]


def subtree_prefix(code: str | int) -> str:
    """The code prefix all descendants share: "41" for 410000000000, "4101" for 410100000000."""
    normalized = normalize_code(code)
    return normalized[: _SEGMENT_ENDS[_depth(normalized)]]


def ancestor_codes(code: str | int) -> list[str]:
    """The ancestors by the plain code rule, nearest first (they need not exist as rows)."""
    normalized = normalize_code(code)
    return [
        normalized[:end].ljust(12, "0") for end in reversed(_SEGMENT_ENDS[: _depth(normalized)])
    ]


def _coordinate(text: str, where: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise RegionDataError(f"{where}: coordinate {text!r} is not a number.") from exc


def _read_rows(path: Path) -> list[tuple[str, str, float | None, float | None]]:
    """(code, name, GCJ-02 lon, lat) of the CSV rows that are real units."""
    rows: list[tuple[str, str, float | None, float | None]] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in _CSV_COLUMNS if c not in (reader.fieldnames or ())]
        if missing:
            raise RegionDataError(f"{path}: missing column(s) {', '.join(missing)}.")
        for record in reader:
            where = f"{path}:{reader.line_num}"
            try:
                code = normalize_code(record["adcode"])
            except DivisionCodeError as exc:
                raise RegionDataError(f"{where}: {exc}") from exc
            if code in seen:
                raise RegionDataError(f"{where}: duplicate code {code}.")
            seen.add(code)
            name = record["name"].strip()
            lon = _coordinate(record["longitude"], where)
            lat = _coordinate(record["latitude"], where)
            if (lon is None) != (lat is None):
                raise RegionDataError(f"{where}: {code} has only one of longitude and latitude.")
            if name in PLACEHOLDER_NAMES and _depth(code) > 0:
                continue
            rows.append((code, name, lon, lat))
    return rows


def load_regions(path: str | Path = BUNDLED_REGIONS_CSV) -> list[RegionRow]:
    """Regions from an ``adcode,name,longitude,latitude`` CSV with GCJ-02 points.

    Placeholder rows are skipped, parents resolved as the module docstring says, and points
    converted GCJ-02 → WGS-84. Rows come sorted by code, so every parent precedes its children.
    """
    rows = sorted(_read_rows(Path(path)))
    codes = {code for code, _, _, _ in rows}
    gcj = np.array([(lon, lat) if lon is not None else (np.nan, np.nan) for _, _, lon, lat in rows])
    wgs_lon, wgs_lat = convert(gcj[:, 0], gcj[:, 1], "GCJ02", "WGS84") if rows else (gcj, gcj)
    regions = []
    for i, (code, name, lon, _) in enumerate(rows):
        parent = next((a for a in ancestor_codes(code) if a in codes), None)
        if parent is None and _depth(code) > 0:
            raise RegionDataError(f"{path}: {code} {name} has no ancestor among the rows.")
        has_point = lon is not None
        regions.append(
            RegionRow(
                code=code,
                name=name,
                level=LEVELS[_depth(code)],
                parent_code=parent,
                lon=float(wgs_lon[i]) if has_point else None,
                lat=float(wgs_lat[i]) if has_point else None,
            )
        )
    return regions
