"""Benchmark: importing 100,000 volunteers (target ≤ 30 s) from .csv and .xlsx files.

Run with `.venv/bin/python bench/bench_import.py [--rows N] [--formats csv,xlsx]`.
Uses a scratch database `hub_bench_import` on the hub's server (DATABASE_URL or embedded).
Each file holds N rows with valid, distinct ID numbers (GB 11643) and mobiles; it is imported
once into an empty database and once more (every row a duplicate: the idempotent path).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import time
from datetime import date, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import psycopg
from bench_seed import scratch_database  # the sibling benchmark (bench/ is on sys.path)
from openpyxl import Workbook

from hub.auth import Caller, Role
from hub.db import database_url
from hub.db.migrate import migrate
from hub.pii import PiiCipher, generate_key_text
from hub.registration.columns import VOLUNTEER_COLUMNS
from hub.seed import regions as region_loader
from hub.seed.names import make_id_number, make_mobiles, make_names
from hub.services.importing import ImportRequest, ImportSummary, import_file
from hub.settings import Settings
from hub.store.base import ConnectionDatabase

COUNTIES = {"620102": (103.83, 36.06), "620103": (103.78, 36.07), "410102": (113.61, 34.75),
            "410105": (113.69, 34.80), "410305": (112.43, 34.68), "620502": (105.72, 34.58)}
EDUCATION = ("高中", "大专", "本科", "硕士", "博士")
SKILLS = ("医疗健康", "科学辟谣", "农业实用技术", "应急安全")
HEADERS = tuple(c.header for c in VOLUNTEER_COLUMNS if c.key not in {"seq", "team", "role"})


def volunteer_rows(count: int, seed: int = 7) -> list[list[object]]:
    """``count`` template rows (headers :data:`HEADERS`) of distinct adults."""
    rng = np.random.default_rng(seed)
    male = rng.random(count) < 0.5
    spread = rng.normal(0.0, 0.05, (count, 2))
    codes = list(COUNTIES)
    names, mobiles = make_names(rng, male), make_mobiles(rng, count)
    rows: list[list[object]] = []
    seen: set[str] = set()
    for i in range(count):
        county = codes[i % len(codes)]
        lon, lat = COUNTIES[county]
        birth = date(1960, 1, 1) + timedelta(days=int(rng.integers(0, 14_000)))
        number, bump = make_id_number(county, birth, i, male=bool(male[i])), 0
        while number in seen:
            bump += 1
            number = make_id_number(county, birth + timedelta(days=bump), i, male=bool(male[i]))
        seen.add(number)
        values = {
            "姓名": names[i],
            "身份证号": number,
            "手机号": mobiles[i],
            "学历": EDUCATION[i % 5],
            "技能": SKILLS[i % 4],
            "技能等级": 1 + i % 5,
            "居住地行政区划代码": county,
            "居住地经度": round(lon + float(spread[i, 0]), 6),
            "居住地纬度": round(lat + float(spread[i, 1]), 6),
            "坐标系": ("WGS84", "GCJ02")[i % 2],
            "可服务时间": "周末",
        }
        rows.append([values.get(h, "") for h in HEADERS])
    return rows


def write_csv(path: Path, rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(rows)


def write_xlsx(path: Path, rows: list[list[object]]) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("志愿者信息")
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def fresh_database(server_url: str) -> str:
    """A scratch database, migrated, with the regions loaded."""
    url = scratch_database(server_url, "hub_bench_import")
    migrate(url)
    with psycopg.connect(url) as conn:
        region_loader.load(conn)
        conn.commit()
    return url


class Phases:
    """Seconds from the start to the last report of each phase."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last: dict[str, float] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        self.last[phase] = time.perf_counter() - self.started

    def split(self, total_s: float) -> str:
        """read+validate / load seconds."""
        validated = self.last.get("check", total_s)
        return f"{validated:.1f} / {total_s - validated:.1f}"


async def timed_import(
    url: str, path: Path, cipher: PiiCipher
) -> tuple[float, ImportSummary, Phases]:
    conn = await psycopg.AsyncConnection.connect(url)
    try:
        phases = Phases()
        summary = await import_file(
            ConnectionDatabase(conn),
            cipher,
            Caller(Role.ADMIN, "bench"),
            ImportRequest("volunteers", path.read_bytes(), path.name),
            progress=phases,
        )
        return time.perf_counter() - phases.started, summary, phases
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--formats", default="csv,xlsx")
    args = parser.parse_args()
    server = database_url(Settings.from_env(), start=True)
    cipher = PiiCipher.from_text(generate_key_text())
    rows = volunteer_rows(args.rows)
    target = 30.0 * args.rows / 100_000
    print("| file | run | rows | imported | skipped | rejected | seconds | read+validate / load "
          "| rows/s | target | ok |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with TemporaryDirectory() as tmp:
        for fmt in args.formats.split(","):
            path = Path(tmp) / f"volunteers.{fmt}"
            (write_csv if fmt == "csv" else write_xlsx)(path, rows)
            url = fresh_database(server)
            for run in ("first", "again"):
                seconds, s, phases = asyncio.run(timed_import(url, path, cipher))
                print(
                    f"| .{fmt} | {run} | {args.rows:,} | {s.imported:,} | {s.skipped:,} | "
                    f"{s.rejected:,} | {seconds:.1f} | {phases.split(seconds)} | "
                    f"{args.rows / seconds:,.0f} | "
                    f"≤ {target:.0f} s | {'yes' if seconds <= target else 'NO'} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
