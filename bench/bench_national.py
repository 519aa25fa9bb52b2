"""Benchmark: the national-scale rehearsal (issue 17.5) — not a test.

Targets (the issue's): 10,000,000 volunteers, 600,000 stations and 1,000,000 demands across
every province seeded in ≤ 15 minutes; `near` p50 ≤ 5 ms in process; a z12 tile ≤ 50 ms; a
city's dispatch ≤ 10 s; a province's scorecard ≤ 500 ms.

Run with `.venv/bin/python bench/bench_national.py [--seed] [--reseed] [--measure]
[--volunteers N] [--only near|tiles|scorecard|dispatch]` (or `make bench-national ARGS="…"`).
With no phase flag: seed when the database is missing or holds another count, then measure
(``--only``: one part of the measures).

* Database: ``hub_national`` on the hub's server (DATABASE_URL, else the embedded cluster) for
  the full 10,000,000; ``hub_national_<N>`` for other sizes (stations and demands scaled with
  the volunteers). Kept between runs; ``--reseed`` drops it and seeds it again. The data set
  and how it is loaded: bench/national_seed.py.
* near: the trusted document BenchNear through ``schema().execute`` with a Context, as
  bench/bench_graphql.py measures it (partner and admin callers), centred on random
  volunteers' homes in dense cities and rural counties of several provinces.
* z12 tile: the SQL ``hub.store.tiles.tile_sql`` builds, on a plain connection, at tiles
  over city centres of several provinces (the HTTP layer's cost is bench_tiles.py's).
* A city's dispatch: ``hub.services.matching.preview`` (what `hub match` and the
  previewDispatch mutation call) on the busiest city's open demands of the coming week, the
  candidates read from the database, solved in process.
* A province's scorecard: ``hub.services.scorecards.scorecards`` for the biggest province's
  pilots (every city and county), as bench_scorecards.py measures it, today; and one city
  pilot's why-not lists (``scorecards.entries``, what the 看板 asks when a card is opened).

The machine has two cores shared with other work while this runs: the figures are pessimistic.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_graphql import _volunteer_count as count_of  # the sibling benchmark
from bench_graphql import _with_dbname, log
from national_seed import Sizes, seed_national

from hub.db import database_url
from hub.db.migrate import migrate
from hub.seed import china_today
from hub.seed import regions as region_loader
from hub.settings import Settings

FULL = Sizes(volunteers=10_000_000, stations=600_000, demands=1_000_000)
SEED_TARGET_S = 15 * 60


def sizes_for(volunteers: int) -> Sizes:
    share = volunteers / FULL.volunteers
    return Sizes(volunteers, max(3_000, round(FULL.stations * share)),
                 max(1_000, round(FULL.demands * share)))


def db_name(sizes: Sizes) -> str:
    return "hub_national" if sizes == FULL else f"hub_national_{sizes.volunteers}"


def seed(server: str, name: str, sizes: Sizes) -> dict[str, float]:
    """Drop, create, migrate and seed ``name``; return the seed's phases and counts."""
    url = _with_dbname(server, name)
    started = time.perf_counter()
    with psycopg.connect(_with_dbname(server, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    migrate(url)
    with psycopg.connect(url) as conn:
        region_loader.load(conn)
        conn.commit()
    schema_s = round(time.perf_counter() - started, 1)
    log(f"{name}: migrated, regions loaded in {schema_s} s; seeding {sizes}")
    result = seed_national(url, sizes, today=china_today(), log=log)
    result = {"migrate, regions": schema_s, **result}
    result["total"] = round(time.perf_counter() - started, 1)
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        result["bytes"] = float(row[0]) if row else 0.0
    return result


def seed_table(result: dict[str, float]) -> str:
    lines = ["| seed phase | seconds |", "|---|---:|"]
    for key, value in result.items():
        if key.startswith("rows.") or key in ("bytes", "organizations.created", "total"):
            continue
        lines.append(f"| {key} | {value:.1f} |")
    met = "PASS" if result["total"] <= SEED_TARGET_S else "FAIL"
    lines.append(f"| **total** (target ≤ {SEED_TARGET_S} s) | **{result['total']:.1f}** {met} |")
    lines.append(f"| database size | {result['bytes'] / 2**30:.1f} GiB |")
    rows = ", ".join(f"{k[5:]} {int(v):,}" for k, v in result.items() if k.startswith("rows."))
    return "\n".join(lines) + f"\n\nRows: {rows}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=FULL.volunteers)
    parser.add_argument("--seed", action="store_true", help="seed when missing or different")
    parser.add_argument("--reseed", action="store_true", help="drop and seed again")
    parser.add_argument("--measure", action="store_true", help="measure (the default)")
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--only", choices=("near", "tiles", "scorecard", "dispatch"),
                        default="", help="measure only this part")
    args = parser.parse_args()
    sizes = FULL if args.volunteers == FULL.volunteers else sizes_for(args.volunteers)
    server = database_url(Settings.from_env(), start=True)
    name = db_name(sizes)
    url = _with_dbname(server, name)
    only_seed = (args.seed or args.reseed) and not args.measure
    if args.reseed or count_of(url) != sizes.volunteers:
        if args.measure and not (args.seed or args.reseed):
            raise SystemExit(f"{name} is missing or holds another count: run with --seed")
        print(seed_table(seed(server, name, sizes)), flush=True)
    else:
        migrate(url)  # pending migrations only (e.g. an index added since the seed)
        log(f"reusing {name} ({sizes.volunteers:,} volunteers)")
    if not only_seed:
        from national_measure import measure_all  # heavy: the app

        print(measure_all(url, sizes, iterations=args.iterations, only=args.only), flush=True)


if __name__ == "__main__":
    main()
