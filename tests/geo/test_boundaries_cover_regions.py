"""Every county-level division the hub uses has a border in the console's shipped borders, or
is listed in scripts/boundary_aliases.csv as knowingly missing, with why (issue 16.8).

Reads the shipped files only: hub/data/cn_regions_adcodes.csv (the divisions) and
console/public/boundaries/cn.topo.json (the borders, codes given by scripts/boundary_aliases.py).
"""

from __future__ import annotations

import csv
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
REGIONS = ROOT / "hub" / "data" / "cn_regions_adcodes.csv"
TOPO = ROOT / "console" / "public" / "boundaries" / "cn.topo.json"
ALIASES = ROOT / "scripts" / "boundary_aliases.csv"


@cache
def _topo() -> dict[str, Any]:
    return json.loads(TOPO.read_text(encoding="utf-8"))


def _borders(layer: str) -> dict[str, dict[str, Any]]:
    return {g["properties"]["code"]: g for g in _topo()["objects"][layer]["geometries"]}


def _counties(prefix: str) -> dict[str, str]:
    """County-level codes of ours under a prefix (not the 市辖区 placeholders, which have no
    territory of their own)."""
    with REGIONS.open(encoding="utf-8", newline="") as f:
        return {r["adcode"]: r["name"] for r in csv.DictReader(f)
                if r["adcode"].startswith(prefix) and r["adcode"][6:] == "000000"
                and r["adcode"][4:6] != "00" and r["name"] != "市辖区"}


def _aliases() -> dict[str, dict[str, str]]:
    with ALIASES.open(encoding="utf-8", newline="") as f:
        return {r["code"]: r for r in csv.DictReader(f)}


@pytest.mark.parametrize("prefix", ["41", ""], ids=["henan", "china"])
def test_every_county_has_a_border_or_a_reason(prefix: str) -> None:
    borders, aliases = _borders("county"), _aliases()
    without = {c: n for c, n in _counties(prefix).items() if c not in borders}
    unexplained = {c: n for c, n in without.items()
                   if aliases.get(c, {}).get("kind") != "missing"
                   or len(aliases[c]["note"].strip()) < 4}
    assert unexplained == {}
    if prefix == "41":  # Henan's changes since the divisions were listed
        assert set(without) == {"410211000000", "410306000000"}


def test_renamed_borders_carry_our_codes() -> None:
    borders, aliases = _borders("county"), _aliases()
    for code in ("410381000000", "410322000000", "410728000000", "411023000000"):
        props = borders[code]["properties"]
        assert props["sourceCode"] == aliases[code]["source_code"]
        assert props["name"] == aliases[code]["name"]
    # 偃师市 is 偃师区 410307 in the source; 孟津县 stands for 孟津区 410308 (with 吉利区).
    assert borders["410381000000"]["properties"]["sourceName"] == "偃师区"
    assert borders["410322000000"]["properties"]["sourceCode"] == "410308000000"
    sources = [g["properties"].get("sourceCode") for g in borders.values()]
    assert not set(sources) & set(borders), "a source code left beside its alias"


def test_the_alias_table_is_consistent() -> None:
    with REGIONS.open(encoding="utf-8", newline="") as f:
        ours = {r["adcode"]: r["name"] for r in csv.DictReader(f)}
    rows = _aliases()
    for code, row in rows.items():
        assert ours.get(code) == row["name"], code
        assert row["kind"] in ("renamed", "merged", "missing"), code
        assert (row["kind"] == "missing") == (row["source_code"] == ""), code
    used = [r["source_code"] for r in rows.values() if r["source_code"]]
    assert len(used) == len(set(used)), "one border given to two codes"


def test_every_city_has_a_border_or_a_reason() -> None:
    """Cities too, but for the groupings without territory of their own (省直辖县级行政区划,
    Chongqing's 市辖区 and 县: their counties have borders)."""
    with REGIONS.open(encoding="utf-8", newline="") as f:
        cities = {r["adcode"]: r["name"] for r in csv.DictReader(f)
                  if r["adcode"][4:] == "00000000" and r["adcode"][2:4] != "00"
                  and r["name"] not in ("省直辖县级行政区划", "自治区直辖县级行政区划", "市辖区",
                                        "县")}
    borders, aliases = _borders("city"), _aliases()
    unexplained = [c for c in cities if c not in borders
                   and aliases.get(c, {}).get("kind") != "missing"]
    assert unexplained == []
    assert borders["542400000000"]["properties"]["sourceName"] == "那曲市"
