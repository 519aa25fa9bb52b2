"""Load China's divisions (vendored from cpca, MIT) into ``region``, with priority-area flags."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import psycopg

from hub.geo.divisions import RegionRow, load_regions

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
REGIONS_CSV = DATA_DIR / "cn_regions_adcodes.csv"
PRIORITY_CSV = DATA_DIR / "priority_areas.csv"
FLAGS = ("remote", "poor", "border", "ethnic", "revolutionary")


@dataclass(frozen=True)
class PriorityRule:
    """Flags given to every division whose code starts with ``prefix``."""

    prefix: str
    flags: frozenset[str]


def priority_rules(path: Path = PRIORITY_CSV) -> list[PriorityRule]:
    """The priority-area table kept as data."""
    lines = [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    return [
        PriorityRule(row["prefix"], frozenset(f for f in FLAGS if row[f] == "1"))
        for row in csv.DictReader(lines)
    ]


def flags_for(row: RegionRow, rules: list[PriorityRule]) -> frozenset[str]:
    """Flags of one division: from the table, plus ethnic for every autonomous area (自治)."""
    flags: set[str] = set()
    for rule in rules:
        if row.code.startswith(rule.prefix):
            flags |= rule.flags
    if "自治" in row.name:
        flags.add("ethnic")
    return frozenset(flags)


def load(conn: psycopg.Connection, path: Path = REGIONS_CSV) -> int:
    """Insert every division once (a no-op when the table already has rows); return the count.

    The CSV's points are GCJ-02 (Amap district centres); ``load_regions`` converts them to
    WGS-84 before they are stored.
    """
    existing = conn.execute("SELECT count(*) FROM region").fetchone()
    if existing and existing[0]:
        return 0
    rows = load_regions(path)
    rules = priority_rules()
    with conn.cursor().copy(
        "COPY region (code, name, level, parent_code, centroid_geom, is_remote, is_poor, "
        "is_border, is_ethnic, is_revolutionary) FROM STDIN"
    ) as copy:
        for row in rows:
            flags = flags_for(row, rules)
            point = (
                f"SRID=4326;POINT({row.lon:.7f} {row.lat:.7f})"
                if row.lon is not None and row.lat is not None
                else None
            )
            copy.write_row(
                (
                    row.code,
                    row.name,
                    row.level,
                    row.parent_code,
                    point,
                    *(flag in flags for flag in FLAGS),
                )
            )
    return len(rows)
