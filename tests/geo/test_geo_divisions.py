"""Division codes and the region tree loaded from the vendored CSV."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import pytest
from pyproj import Geod

from hub.geo.divisions import (
    BUNDLED_REGIONS_CSV,
    PLACEHOLDER_NAMES,
    DivisionCodeError,
    RegionDataError,
    RegionRow,
    ancestor_codes,
    level_of,
    load_regions,
    normalize_code,
    subtree_prefix,
)


@pytest.fixture(scope="module")
def regions() -> dict[str, RegionRow]:
    return {row.code: row for row in load_regions(BUNDLED_REGIONS_CSV)}


def parent_name(regions: dict[str, RegionRow], code: str) -> str:
    parent_code = regions[code].parent_code
    assert parent_code is not None
    return regions[parent_code].name


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("410102", "410102000000"),
        ("410102003", "410102003000"),
        ("410102003004", "410102003004"),
        (" 110000 ", "110000000000"),
        (620100, "620100000000"),
    ],
)
def test_normalize_code(text: str | int, code: str) -> None:
    assert normalize_code(text) == code


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("41010", "'41010' is not 6, 9 or 12 digits"),
        ("4101020", "is not 6, 9 or 12 digits"),
        ("41010x", "'41010x' is not 6, 9 or 12 digits"),
        ("４１０１０２", "is not 6, 9 or 12 digits"),  # full-width digits
        ("", "'' is not 6, 9 or 12 digits"),
        ("990000", "'990000' has no province '99'"),
        ("410002", "'410002' has a non-zero part below a zero one"),
        ("410100000001", "has a non-zero part below a zero one"),
    ],
)
def test_normalize_code_errors_name_the_value(text: str, message: str) -> None:
    with pytest.raises(DivisionCodeError) as info:
        normalize_code(text)
    assert message in str(info.value)


def test_normalize_code_rejects_non_text() -> None:
    for bad in (None, True, 4.1e5):
        with pytest.raises(DivisionCodeError):
            normalize_code(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "level", "prefix"),
    [
        ("410000000000", "province", "41"),
        ("410100000000", "city", "4101"),
        ("410102", "county", "410102"),
        ("410102003", "township", "410102003"),
        ("410102003004", "village", "410102003004"),
        ("419001", "county", "419001"),
    ],
)
def test_level_and_subtree_prefix(code: str, level: str, prefix: str) -> None:
    assert level_of(code) == level
    assert subtree_prefix(code) == prefix


def test_ancestor_codes() -> None:
    assert ancestor_codes("410102003004") == [
        "410102003000",
        "410102000000",
        "410100000000",
        "410000000000",
    ]
    assert ancestor_codes("410000") == []
    # By the plain rule only: 419000000000 is a placeholder that load_regions skips.
    assert ancestor_codes("419001") == ["419000000000", "410000000000"]


def test_counts_by_level(regions: dict[str, RegionRow]) -> None:
    # 3,511 rows less 282 county-level 市辖区, 4 municipality 市辖区/县 rows (110100, 120100,
    # 310100, 500100) + 500200 县, and 5 省直辖县级行政区划 groups.
    assert Counter(row.level for row in regions.values()) == {
        "province": 34,
        "city": 334,
        "county": 2851,
    }
    assert not {row.name for row in regions.values()} & PLACEHOLDER_NAMES


def test_municipality_districts_sit_under_the_municipality(regions: dict[str, RegionRow]) -> None:
    assert regions["110101000000"].name == "东城区"
    assert parent_name(regions, "110101000000") == "北京市"
    assert regions["500233000000"].name == "忠县"  # a 重庆 county (under the old 500200 县 row)
    assert parent_name(regions, "500233000000") == "重庆市"
    assert parent_name(regions, "500103000000") == "重庆市"  # 渝中区
    assert parent_name(regions, "310115000000") == "上海市"  # 浦东新区
    assert parent_name(regions, "120116000000") == "天津市"  # 滨海新区
    assert "110100000000" not in regions


def test_province_administered_county_level_units(regions: dict[str, RegionRow]) -> None:
    assert regions["419001000000"].name == "济源市"
    assert parent_name(regions, "419001000000") == "河南省"
    assert regions["419001000000"].level == "county"
    assert parent_name(regions, "429004000000") == "湖北省"  # 仙桃市
    assert parent_name(regions, "469002000000") == "海南省"  # 琼海市
    assert parent_name(regions, "659001000000") == "新疆维吾尔自治区"  # 石河子市
    assert parent_name(regions, "139001000000") == "河北省"  # 定州市, no coordinates
    assert regions["139001000000"].lon is None
    assert "419000000000" not in regions


def test_ordinary_cities_and_districts(regions: dict[str, RegionRow]) -> None:
    assert regions["410100000000"].name == "郑州市"
    assert regions["410100000000"].level == "city"
    assert parent_name(regions, "410100000000") == "河南省"
    assert regions["410102000000"].name == "中原区"
    assert parent_name(regions, "410102000000") == "郑州市"
    assert parent_name(regions, "620102000000") == "兰州市"  # 城关区
    assert regions["410000000000"].parent_code is None


def test_every_parent_exists_and_there_are_no_cycles(regions: dict[str, RegionRow]) -> None:
    codes = list(regions)
    assert codes == sorted(codes)  # parents come before their children
    for row in regions.values():
        seen = {row.code}
        current = row
        while current.parent_code is not None:
            assert current.parent_code in regions
            parent = regions[current.parent_code]
            assert current.code.startswith(subtree_prefix(parent.code))
            assert parent.code not in seen
            seen.add(parent.code)
            current = parent
        assert current.level == "province"
        assert row.level == level_of(row.code)


def test_zhengzhou_coordinates_are_wgs84(regions: dict[str, RegionRow]) -> None:
    with BUNDLED_REGIONS_CSV.open(encoding="utf-8") as handle:
        gcj = next(r for r in csv.DictReader(handle) if r["adcode"] == "410100000000")
    row = regions["410100000000"]
    assert row.lon is not None
    assert row.lat is not None
    assert row.lon == pytest.approx(113.6, abs=0.1)
    assert row.lat == pytest.approx(34.7, abs=0.1)
    offset_m = Geod(ellps="WGS84").inv(
        row.lon, row.lat, float(gcj["longitude"]), float(gcj["latitude"])
    )[2]
    assert 300.0 < offset_m < 700.0


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "regions.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_small_file_with_bom(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        "\ufeffadcode,name,longitude,latitude\n"
        "410102000000,中原区,113.613, 34.748\n"
        "410000000000,河南省,113.753602,34.765515\n"
        "410100000000,郑州市,113.625328,34.746611\n"
        "410101000000,市辖区,,\n"
        "410102001000,林山寨街道,,\n",
    )
    rows = load_regions(path)
    assert [(r.code, r.level, r.parent_code) for r in rows] == [
        ("410000000000", "province", None),
        ("410100000000", "city", "410000000000"),
        ("410102000000", "county", "410100000000"),
        ("410102001000", "township", "410102000000"),
    ]
    assert rows[3].lon is None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("410000000000,河南省,113.7,34.7\n410000000000,河南省,113.7,34.7\n", "duplicate code"),
        ("410102000000,中原区,113.6,34.7\n", "410102000000 中原区 has no ancestor"),
        ("410000000000,河南省,113.7,\n", "only one of longitude and latitude"),
        ("410000000000,河南省,east,34.7\n", "coordinate 'east' is not a number"),
        ("4100,河南省,113.7,34.7\n", "'4100' is not 6, 9 or 12 digits"),
    ],
)
def test_bad_files_name_the_problem(tmp_path: Path, body: str, message: str) -> None:
    path = write_csv(tmp_path, "adcode,name,longitude,latitude\n" + body)
    with pytest.raises(RegionDataError) as info:
        load_regions(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_columns(tmp_path: Path) -> None:
    with pytest.raises(RegionDataError, match="missing column"):
        load_regions(write_csv(tmp_path, "code,name\n410000000000,河南省\n"))
