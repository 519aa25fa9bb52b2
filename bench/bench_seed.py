"""Benchmark: seeding 100,000 volunteers (target ≤ 15 s) into a fresh database.

Run with `make bench-seed` or `.venv/bin/python bench/bench_seed.py [--volunteers N]`.
Uses a scratch database `hub_bench_seed` on the hub's server (DATABASE_URL or embedded).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from hub.db import database_url
from hub.db.migrate import migrate
from hub.seed import SeedOptions, seed
from hub.seed import regions as region_loader
from hub.settings import Settings


def scratch_database(server_url: str, name: str) -> str:
    """Drop and create ``name`` on the hub's server; return its URL."""
    params = conninfo_to_dict(server_url)
    with psycopg.connect(make_conninfo(**{**params, "dbname": "postgres"}), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{name}"')
    return make_conninfo(**{**params, "dbname": name})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--stations", type=int, default=1_500)
    parser.add_argument("--demands", type=int, default=3_000)
    parser.add_argument("--history-days", type=int, default=0,
                        help="the demo's year of service history too (365); the target is for "
                             "the volunteers, stations and demands alone (0)")
    args = parser.parse_args()
    settings = Settings.from_env()
    url = scratch_database(database_url(settings, start=True), "hub_bench_seed")
    migrate(url)
    with psycopg.connect(url) as conn:  # regions are part of migration-time set-up, not the seed
        region_loader.load(conn)
        conn.commit()
    options = SeedOptions(
        volunteers=args.volunteers, stations=args.stations, demands=args.demands,
        history_days=args.history_days, progress=False)
    started = time.perf_counter()
    counts = seed(url, replace(options), settings=settings)
    seconds = time.perf_counter() - started
    target = 15.0 * args.volunteers / 100_000
    print(
        f"| what | rows | seconds | rows/s | target | ok |\n|---|---|---|---|---|---|\n"
        f"| seed volunteers (+ {counts['stations']} stations, {counts['demands']} demands, "
        f"{counts['memberships']} memberships, {args.history_days} days of history) | "
        f"{args.volunteers:,} | {seconds:.1f} | "
        f"{args.volunteers / seconds:,.0f} | ≤ {target:.0f} s | "
        f"{'yes' if seconds <= target else 'NO'} |"
    )


if __name__ == "__main__":
    main()
