"""Benchmark: pilots' scorecards and campaign figures on the benchmark database (issue 16.9).

Targets (the issue's): every scorecard and campaign query — and the office measures behind the
看板's choropleth and trend charts (regionMeasure, regionSeries) — for a province ≤ 500 ms,
for a county ≤ 50 ms, on 1,000,000 volunteers and a year of records.

Run with `.venv/bin/python bench/bench_scorecards.py [--quick] [--database NAME] [--only TEXT]`
(or `make bench-scorecards`; --only keeps the lines whose name has TEXT, e.g. `region`).

* Database: ``hub_bench_sc`` on the hub's server (DATABASE_URL, else the embedded cluster),
  copied from ``hub_bench_graphql`` (``make bench-graphql`` seeds that; this program seeds it
  the same way when it is missing) and migrated. Never the shared template itself.
* Setup, once (kept between runs): a pilot for every city and county of Henan (41), funded
  2025-12-10 on Henan's 001 quotas (176 pilots); the 全国科技活动周 2026 edition with every
  Henan and Gansu activity and demand of May 2026 tagged.
* Measures: the service functions the GraphQL fields call (hub.services.scorecards —
  the cards from counts, and a card's why-not lists, its entries, read when asked —
  campaigns, stars) with an admin caller, in process, each run sequentially after warm-up;
  p50 and p95 of wall time; a target is met by the p50, as bench_graphql.py's are. The machine
  is shared with other work: figures are noisy, the p95 most.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg
from bench_graphql import FULL_VOLUNTEERS  # the sibling benchmark (bench/ is on sys.path)
from bench_graphql import ensure_database as seed_template
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from hub.auth import Caller, Role
from hub.db import database_url
from hub.db.migrate import MigrationError, migrate
from hub.office.measures import INFOS, Measure
from hub.services import campaigns, office_measures, scorecards, stars
from hub.settings import Settings
from hub.store.base import ConnectionDatabase

TEMPLATE = "hub_bench_graphql"
PROVINCE, FUNDED = "410000000000", date(2025, 12, 10)
ADMIN = Caller(Role.ADMIN, "bench")


def log(message: str) -> None:
    print(f"[bench-scorecards] {message}", file=sys.stderr, flush=True)


def _db(url: str, name: str) -> str:
    params = conninfo_to_dict(url)
    params["dbname"] = name
    return make_conninfo("", **params)


def _exists(server: str, name: str) -> bool:
    with psycopg.connect(_db(server, "postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                            (name,)).fetchone() is not None


def ensure_database(server: str, name: str, settings: Settings) -> str:
    """The benchmark copy: made from the template (seeded first when missing), migrated."""
    if not _exists(server, name):
        if not _exists(server, TEMPLATE):
            log(f"{TEMPLATE} is missing: seeding it as bench/bench_graphql.py does")
            seed_template(server, TEMPLATE, FULL_VOLUNTEERS, reseed=False, settings=settings)
        for attempt in range(12):
            try:
                with psycopg.connect(_db(server, "postgres"), autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
                break
            except psycopg.errors.ObjectInUse:  # someone is connected to the template
                log(f"{TEMPLATE} is in use; retrying ({attempt + 1})")
                time.sleep(10)
        else:
            raise SystemExit(f"could not copy {TEMPLATE}: it stays in use")
    url = _db(server, name)
    log(f"migrating {name}")
    try:
        migrate(url)
    except MigrationError as exc:  # an applied migration was edited since: copy afresh
        log(f"{exc}; dropping {name} to copy it again")
        with psycopg.connect(_db(server, "postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        return ensure_database(server, name, settings)
    return url


def set_up(url: str) -> None:
    """Pilots for Henan's cities and counties, and a tagged campaign edition (once)."""
    with psycopg.connect(url) as conn:
        made = conn.execute(
            "INSERT INTO pilot (region_code, pilot_type, name, funded_on, quota_set, created_by) "
            "SELECT code, level, name || '科技志愿服务体系建设试点', %s, 'henan_001', 'bench' "
            "FROM region WHERE code LIKE '41%%' AND level IN ('city', 'county') "
            "ON CONFLICT DO NOTHING", (FUNDED,)).rowcount
        edition = conn.execute(
            "INSERT INTO campaign_edition (campaign_code, year, period, created_by) VALUES "
            "('sci_tech_week', 2026, daterange('2026-05-17', '2026-05-24'), 'bench') "
            "ON CONFLICT ON CONSTRAINT campaign_edition_once DO UPDATE SET year = 2026 "
            "RETURNING id").fetchone()
        assert edition is not None
        tagged = conn.execute(
            "INSERT INTO campaign_activity (edition_id, activity_id, people_served, tagged_by) "
            "SELECT %s, id, 30 + id %% 200, 'bench' FROM activity WHERE (region_code LIKE '41%%' "
            "OR region_code LIKE '62%%') AND lower(time_window) >= '2026-05-01' "
            "AND lower(time_window) < '2026-06-01' ON CONFLICT DO NOTHING",
            (edition[0],)).rowcount
        tagged += conn.execute(
            "INSERT INTO campaign_demand (edition_id, demand_id, tagged_by) "
            "SELECT %s, id, 'bench' FROM demand WHERE (region_code LIKE '41%%' "
            "OR region_code LIKE '62%%') AND lower(time_window) >= '2026-05-01' "
            "AND lower(time_window) < '2026-06-01' ON CONFLICT DO NOTHING",
            (edition[0],)).rowcount
        conn.commit()
        if made or tagged:
            log(f"set up {made} pilots, {tagged} campaign tags")
            conn.execute("ANALYZE pilot, campaign_activity, campaign_demand")
            conn.commit()


@dataclass(frozen=True)
class Line:
    what: str
    p50_ms: float
    p95_ms: float
    target_ms: float | None
    note: str

    @property
    def met(self) -> str:
        if self.target_ms is None:
            return "—"
        return "yes" if self.p50_ms <= self.target_ms else "**NO**"


async def timed(fn: Callable[[], Awaitable[Any]], n: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        await fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - started)
    return samples


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


async def measure(url: str, n: int, warmup: int, only: str = "") -> list[Line]:
    conn = await psycopg.AsyncConnection.connect(url, autocommit=True)
    db = ConnectionDatabase(conn)
    cur = await conn.execute(
        "SELECT p.id, p.region_code FROM pilot p WHERE p.region_code LIKE '41%%' "
        "AND p.pilot_type = 'county' ORDER BY (SELECT count(*) FROM activity a "
        "WHERE a.region_code = p.region_code) DESC, p.id LIMIT 1")
    county_pilot, county = await cur.fetchone() or (None, None)
    cur = await conn.execute("SELECT id FROM campaign_edition WHERE campaign_code = "
                             "'sci_tech_week' AND year = 2026")
    edition = (await cur.fetchone() or (None,))[0]
    cur = await conn.execute("SELECT region_code FROM campaign_demand t JOIN demand d ON "
                             "d.id = t.demand_id WHERE d.region_code LIKE '41%%' GROUP BY 1 "
                             "ORDER BY count(*) DESC LIMIT 1")
    busy = (await cur.fetchone() or (county,))[0]
    cur = await conn.execute("SELECT id FROM organization WHERE region_code LIKE '41%%' "
                             "ORDER BY id LIMIT 100")
    orgs = [r[0] for r in await cur.fetchall()]
    cards = await scorecards.scorecards(db, ADMIN, region_code=PROVINCE)
    city = max((c for c in cards if c.pilot["pilot_type"] == "city"),
               key=lambda c: sum(i.candidates for i in c.items))
    half_year = date(2026, 6, 30)
    runs: list[tuple[str, Callable[[], Awaitable[Any]], float | None, str]] = [
        ("scorecard, province (regionCode 41), today", lambda: scorecards.scorecards(
            db, ADMIN, region_code=PROVINCE), 500, f"{len(cards)} pilots, 4 items each"),
        ("scorecard, province, as of 2026-06-30", lambda: scorecards.scorecards(
            db, ADMIN, region_code=PROVINCE, as_of=half_year), 500, "members as of then"),
        ("scorecards drill-down, province → cities", lambda: scorecards.drill_down(
            db, ADMIN, region_code=PROVINCE), 500, "every pilot counted, summed per city"),
        ("scorecard, county pilot (pilotId)", lambda: scorecards.scorecards(
            db, ADMIN, pilot_id=county_pilot), 50, f"{county}, the busiest county"),
        ("scorecard, county (regionCode), as of 2026-06-30", lambda: scorecards.scorecards(
            db, ADMIN, region_code=county, as_of=half_year), 50, ""),
        ("scorecard why-not lists, city pilot (entries first 30, counts false)",
         lambda: scorecards.entries(db, [(city, i.item) for i in city.items], first=30,
                                    counts=False), 500,
         f"{city.pilot['region_name']}: what the 看板 asks when a card is opened"),
        ("campaign stats, province", lambda: campaigns.stats(
            db, ADMIN, edition_id=edition, region_code=PROVINCE), 500,
         "全国科技活动周 2026: May's activities and demands"),
        ("campaign stats, county", lambda: campaigns.stats(
            db, ADMIN, edition_id=edition, region_code=busy), 50, f"{busy}, most tags"),
        ("Organization.stars × 100", lambda: stars.stars_of(
            db, subject_kind="organization", ids=orgs), None, "one DataLoader batch"),
        *measure_runs(db, county),
    ]
    lines = []
    for what, fn, target, note in [r for r in runs if only in r[0]]:
        samples = await timed(fn, n, warmup)
        lines.append(Line(what, pct(samples, 0.5), pct(samples, 0.95), target,
                          note + f" (mean {statistics.mean(samples) * 1000:.1f} ms)"))
        log(f"{what}: p50 {lines[-1].p50_ms:.1f} ms")
    await conn.close()
    return lines


YEAR = (date(2026, 1, 1), date(2027, 1, 1))


def measure_runs(db: ConnectionDatabase, county: str
                 ) -> list[tuple[str, Callable[[], Awaitable[Any]], float | None, str]]:
    """The office measures (issue 16.8): a year month by month for the province and the
    busiest county, one measure of each group of figures (one statement each), all at once;
    and the choropleth of the province's cities."""
    groups: dict[str, Measure] = {}
    for m, info in INFOS.items():
        groups.setdefault(info.source, m)
    runs: list[tuple[str, Callable[[], Awaitable[Any]], float | None, str]] = []
    for code, where, target in ((PROVINCE, "province", 500.0), (county, "county", 50.0)):
        for ms, what in [([m], m.name) for m in groups.values()] + [(list(Measure), "all 12")]:
            runs.append((f"regionSeries, {where}, {what}, 12 months",
                         lambda c=code, ms=ms: office_measures.region_series(
                             db, ADMIN, region_code=c, measures=ms, starts=YEAR[0],
                             ends=YEAR[1]), target, code))
    for m in groups.values():
        runs.append((f"regionMeasure, province → cities, {m.name}, a year",
                     lambda m=m: office_measures.region_measure(
                         db, ADMIN, region_code=PROVINCE, measure=m, starts=YEAR[0],
                         ends=YEAR[1]), 500.0, ""))
    return runs


def table(lines: list[Line]) -> str:
    out = ["| measure | p50 ms | p95 ms | target ms | met (p50) | notes |",
           "|---|---:|---:|---:|---|---|"]
    out += [f"| {ln.what} | {ln.p50_ms:.1f} | {ln.p95_ms:.1f} | "
            f"{'—' if ln.target_ms is None else f'{ln.target_ms:.0f}'} | {ln.met} | {ln.note} |"
            for ln in lines]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--database", default="hub_bench_sc", help="the benchmark copy")
    parser.add_argument("--only", default="", help="only the lines whose name has this text")
    args = parser.parse_args()
    settings = Settings.from_env()
    server = database_url(settings, start=True)
    url = ensure_database(server, args.database, settings)
    set_up(url)
    n, warmup = (5, 1) if args.quick else (20, 3)
    lines = asyncio.run(measure(url, n, warmup, args.only))
    print(table(lines))


if __name__ == "__main__":
    main()
