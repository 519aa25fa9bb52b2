"""Benchmark: a province's dispatch solved in one process, then fanned out over 1 and 2 `hub
worker` processes (issue 17.3, docs/matching.md "Fanned out").

Run with `make bench-fanout` or `.venv/bin/python bench/bench_fanout.py [--volunteers N]
[--demands M] [--workers 1,2]`. The problem is bench_matching_data's synthetic Henan with each
demand's region named after its county seat (default 300,000 volunteers and 30,000 demands over
7 days). In the scratch database ``hub_bench_fanout`` (created here) the coordinator
(hub.services.fanout) stores the parts and defers their jobs; W `hub worker --queue matching
--concurrency 1` subprocesses, started (and found registered) before the clock starts, solve
them. Wall time runs from the split to the assembled plan. Every fanned-out plan is compared
with the single-process one (assignments, unfilled, stats but seconds and timings).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import procrastinate
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_matching_data import henan_problem
from hub.db import database_url
from hub.db.migrate import migrate
from hub.jobs.fanout import MATCH_QUEUE, deferring
from hub.matching import Options, Plan, Problem, plan_to_dict, solve
from hub.services import fanout
from hub.settings import Settings
from hub.store.base import connect
from tests.conftest import create_database

ROOT = Path(__file__).resolve().parent.parent


def comparable(plan: Plan) -> dict[str, Any]:
    doc = plan_to_dict(plan)
    doc["stats"].pop("seconds")
    doc["stats"].pop("timings")
    return doc


async def fanned(url: str, problem: Problem) -> tuple[float, fanout.Fanned]:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))
    async with app.open_async(), connect(url, autocommit=True) as db:
        started = time.perf_counter()
        done = await fanout.solve_fanned(db, problem, defer=deferring(app), poll_s=0.05)
        return time.perf_counter() - started, done


def workers_up(url: str, n: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(url, autocommit=True) as conn:
        while conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone()[0] < n:
            if time.monotonic() > deadline:
                raise SystemExit(f"{n} workers did not register within {timeout_s:g} s")
            time.sleep(0.1)


def run(url: str, problem: Problem, n: int) -> tuple[float, fanout.Fanned]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE procrastinate_jobs, procrastinate_workers, match_part CASCADE")
    env = {**os.environ, "DATABASE_URL": url}
    procs = [subprocess.Popen([sys.executable, "-m", "hub.cli", "worker", "--name",
                               f"fanout-{i}", "--queue", MATCH_QUEUE, "--concurrency", "1"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL) for i in range(n)]
    try:
        workers_up(url, n)
        return asyncio.run(fanned(url, problem))
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=30)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=300_000)
    parser.add_argument("--demands", type=int, default=30_000)
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    url = create_database(database_url(Settings.from_env(), start=True), "hub_bench_fanout")
    migrate(url)
    problem = henan_problem(args.volunteers, args.demands, regions=True,
                            options=Options(time_limit_s=120))
    started = time.perf_counter()
    single = solve(problem)
    single_s = time.perf_counter() - started
    expected = comparable(single)
    s = single.stats
    print(f"{args.volunteers:,} volunteers x {args.demands:,} demands: {s.candidate_pairs:,} "
          f"pairs, {s.components.get('total', 0):,} components, "
          f"{s.components.get('parts', 1)} parts, {s.status}", file=sys.stderr)
    rows = [("single process", "-", s.components.get("parts", 1), single_s, "-", "-", "-")]
    base: float | None = None
    for n in (int(w) for w in args.workers.split(",")):
        wall, done = run(url, problem, n)
        base = base or wall
        by = sorted({p.solved_by for p in done.parts})
        busy = max(sum(p.seconds for p in done.parts if p.solved_by == w) for w in by)
        equal = comparable(done.plan) == expected
        rows.append((f"fanned out, {n} worker{'s' if n > 1 else ''}", str(len(by)),
                     len(done.parts), wall, f"{base / wall:.2f}x", f"{busy:.1f}",
                     "yes" if equal else "NO"))
    print("| run | workers used | parts | wall s | speed-up vs 1 worker | busiest worker s "
          "| plan equal |")
    print("|---|---|---|---|---|---|---|")
    for name, used, parts, wall, up, busy, eq in rows:
        print(f"| {name} | {used} | {parts} | {wall:.1f} | {up} | {busy} | {eq} |")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", file=sys.stderr)
    return 0 if all(r[-1] != "NO" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
