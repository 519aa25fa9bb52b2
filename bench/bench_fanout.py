"""Benchmark: a province's dispatch solved in one process, then fanned out over 1 and 2 `hub
worker` processes (issue 17.3, docs/matching.md "Fanned out").

Run with `make bench-fanout` or `.venv/bin/python bench/bench_fanout.py [--volunteers N]
[--demands M] [--capacity-max K --full-days] [--part-pairs P] [--workers 1,2]`. The problem is
bench_matching_data's synthetic Henan with each demand's region named after its county seat
(default 300,000 volunteers and 30,000 demands over 7 days). In the scratch database
``hub_bench_fanout`` (created here) the coordinator (hub.services.fanout) stores the parts and
defers their jobs; W `hub worker --queue matching --concurrency 1` subprocesses, started (and
found registered) before the clock starts, solve them. Wall time runs from the split to the
assembled plan. Every fanned-out plan is compared with the single-process one (assignments,
unfilled, stats but seconds and timings). The machine may be shared: besides wall time the
table gives CPU seconds (the coordinator's process; each worker's solve), and stderr the
coordinator's phases (wall/CPU) and the parts' queue waits and reading/writing.
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
from hub.matching import parts as matching_parts
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
        done = await fanout.solve_fanned(db, problem, defer=deferring(app))
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


def phases(done: fanout.Fanned) -> str:
    """The coordinator's phases as wall/CPU seconds, and the parts' queue waits."""
    spent = " ".join(f"{k} {w:.2f}/{c:.2f}" for k, (w, c) in done.phases.items())
    queued = max(p.queued_s for p in done.parts)
    taken = sum(p.taken_s - p.seconds for p in done.parts)
    return f"{spent}; longest queue wait {queued:.2f}; reading+writing parts {taken:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=300_000)
    parser.add_argument("--demands", type=int, default=30_000)
    parser.add_argument("--capacity-max", type=int, default=1,
                        help="capacities 1..N (N > 1 with --full-days: CP-SAT components)")
    parser.add_argument("--full-days", action="store_true", help="whole-day availability")
    parser.add_argument("--part-pairs", type=int, default=matching_parts.PART_PAIRS,
                        help="pairs a part holds (smaller: more parts)")
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    matching_parts.PART_PAIRS = args.part_pairs  # read by solve and the coordinator's split
    url = create_database(database_url(Settings.from_env(), start=True), "hub_bench_fanout")
    migrate(url)
    problem = henan_problem(args.volunteers, args.demands, regions=True,
                            capacity_max=args.capacity_max, full_days=args.full_days,
                            options=Options(time_limit_s=120))
    started, cpu = time.perf_counter(), time.process_time()
    single = solve(problem)
    single_s, single_cpu = time.perf_counter() - started, time.process_time() - cpu
    expected = comparable(single)
    s = single.stats
    print(f"{args.volunteers:,} volunteers x {args.demands:,} demands: {s.candidate_pairs:,} "
          f"pairs, {s.components.get('total', 0):,} components "
          f"({s.components.get('cpSat', 0)} CP-SAT), {s.components.get('parts', 1)} parts, "
          f"{s.status}; single process phases (wall s) "
          + " ".join(f"{k} {v:.2f}" for k, v in s.timings.items()), file=sys.stderr)
    rows = [("single process", "-", s.components.get("parts", 1), single_s, single_cpu, "-",
             "-", f"{single_cpu:.2f}", "-", "-", "-")]
    base: float | None = None
    for n in (int(w) for w in args.workers.split(",")):
        wall, done = run(url, problem, n)
        base = base or wall
        by = sorted({p.solved_by for p in done.parts})
        busy = max(sum(p.cpu_s for p in done.parts if p.solved_by == w) for w in by)
        work = sum(p.cpu_s for p in done.parts)
        coord = sum(c for _w, c in done.phases.values())
        equal = comparable(done.plan) == expected
        rows.append((f"fanned out, {n} worker{'s' if n > 1 else ''}", str(len(by)),
                     len(done.parts), wall, coord, f"{work:.2f}", f"{busy:.2f}",
                     f"{coord + busy:.2f}", f"{base / wall:.2f}x", f"{single_s / wall:.2f}x",
                     "yes" if equal else "NO"))
        print(f"{n} worker(s), coordinator wall/CPU s: {phases(done)}", file=sys.stderr)
    # Critical path: the coordinator's CPU and the busiest worker's, about the wall time on a
    # quiet machine with a core per worker (the parts' reading and writing aside).
    print("| run | workers used | parts | wall s | coordinator CPU s | workers' solve CPU s "
          "| busiest worker CPU s | critical path CPU s | speed-up vs 1 worker (wall) "
          "| vs single (wall) | plan equal |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, used, parts, wall, coord, work, busy, path, up, vs, eq in rows:
        print(f"| {name} | {used} | {parts} | {wall:.2f} | {coord:.2f} | {work} | {busy} "
              f"| {path} | {up} | {vs} | {eq} |")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", file=sys.stderr)
    return 0 if all(r[-1] != "NO" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
