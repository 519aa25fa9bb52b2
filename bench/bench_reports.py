"""Benchmark: the yearly summary sent upward, for a province (issue 16.9: ≤ 30 s), and beside
it a city's and a county's, a county round's recognition candidates and an MZ/T 061 export.

Run with `.venv/bin/python bench/bench_reports.py [--quick] [--database NAME]` (or
`make bench-reports`).

* Database: ``hub_bench_rc`` on the hub's server (DATABASE_URL, else the embedded cluster),
  copied from ``hub_bench_graphql`` (1,000,000 volunteers and a year of records; seeded as
  bench/bench_graphql.py does when it is missing) and migrated, as bench/bench_scorecards.py
  makes its copy (its ``ensure_database``). Never the shared template itself.
* Measures: the service functions the GraphQL mutations and ``hub report`` call
  (hub.services.reports.annual: every statement and the .xlsx written), as an admin, in process,
  each run after one warm-up; the worst of the runs is judged against the target. The machine
  is shared with other work: figures are noisy and reported as measured.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from bench_scorecards import ensure_database  # the sibling benchmark (bench/ is on sys.path)

from hub.auth import Caller, Role
from hub.db import database_url
from hub.pii import PiiCipher, generate_key_text
from hub.services import recognition, reports, standard_export
from hub.services.recognition import NewRound
from hub.settings import Settings
from hub.store.base import ConnectionDatabase

YEAR = 2026
PROVINCE, CITY, COUNTY = "410000000000", "410300000000", "410303000000"
ADMIN = Caller(Role.ADMIN, "bench")


def log(message: str) -> None:
    print(f"[bench-reports] {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Line:
    what: str
    seconds: list[float]
    target_s: float | None
    note: str

    @property
    def met(self) -> str:
        return "—" if self.target_s is None else ("yes" if max(self.seconds) <= self.target_s
                                                  else "no")


async def _timed(fn: Callable[[], Awaitable[Any]], n: int) -> tuple[list[float], Any]:
    await fn()  # warm-up: caches, plans
    samples, last = [], None
    for _ in range(n):
        started = time.perf_counter()
        last = await fn()
        samples.append(time.perf_counter() - started)
    return samples, last


async def measure(url: str, n: int) -> list[Line]:
    conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
    db = ConnectionDatabase(conn)
    cipher = PiiCipher.from_text(generate_key_text())
    cur = await conn.execute("SELECT id FROM recognition_round WHERE award = 'excellent' AND "
                             "level = 'county' AND region_code = %s AND year = %s",
                             (COUNTY, YEAR))
    found = await cur.fetchone()
    round_id = found[0] if found else (await recognition.open_round(db, ADMIN, NewRound(
        "excellent", "county", COUNTY, YEAR, ("volunteer", "team", "project", "station"),
        places=20)))["id"]
    runs: list[tuple[str, Callable[[], Awaitable[Any]], float | None, str]] = [
        ("annual report, province (41), .xlsx", lambda: reports.annual(
            db, ADMIN, region_code=PROVINCE, year=YEAR), 30, "every sheet, written"),
        ("annual report, city (4103)", lambda: reports.annual(
            db, ADMIN, region_code=CITY, year=YEAR), None, ""),
        ("annual report, county (410303)", lambda: reports.annual(
            db, ADMIN, region_code=COUNTY, year=YEAR), None, ""),
        ("recognition candidates, county round, volunteers", lambda: recognition.candidates(
            db, ADMIN, round_id=round_id, category="volunteer"), None, "ranked from the year"),
        ("MZ/T 061 export, county, .xlsx", lambda: standard_export.export(
            db, cipher, ADMIN, region_code=COUNTY, year=YEAR, fmt="xlsx"), None, ""),
    ]
    lines = []
    for what, fn, target, note in runs:
        samples, last = await _timed(fn, n)
        size = f"{len(last.content):,} bytes" if hasattr(last, "content") else (
            f"{last.total} candidates" if hasattr(last, "total") else "")
        lines.append(Line(what, samples, target, "; ".join(x for x in (note, size) if x)))
        log(f"{what}: {', '.join(f'{s:.1f} s' for s in samples)}")
    await conn.close()
    return lines


def table(lines: list[Line]) -> str:
    out = ["| measure | target s | runs s | worst s | met | notes |",
           "|---|---:|---|---:|---|---|"]
    out += [f"| {ln.what} | {'—' if ln.target_s is None else f'{ln.target_s:.0f}'} | "
            f"{', '.join(f'{s:.1f}' for s in ln.seconds)} | {max(ln.seconds):.1f} | {ln.met} | "
            f"{ln.note} |" for ln in lines]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one run each")
    parser.add_argument("--database", default="hub_bench_rc", help="the benchmark copy")
    args = parser.parse_args()
    settings = Settings.from_env()
    url = ensure_database(database_url(settings, start=True), args.database, settings)
    lines = asyncio.run(measure(url, 1 if args.quick else 3))
    print(table(lines))


if __name__ == "__main__":
    main()
