"""Matching benchmarks (not tests): optimal solve vs greedy, time, peak memory, status.

    .venv/bin/python bench/bench_matching.py [--quick] [--only NAME]

Each scenario runs in a fresh subprocess so its peak RSS (ru_maxrss, whole process:
building the in-memory problem included) is its own. Times are from the in-memory
problem: compile + candidates + solve + decode (``solve``), and the same for ``greedy``.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_matching_data import henan_problem

from hub.matching import Options, greedy, solve

Spec = tuple[int, int, int, int, bool, int, float, float]
#: name: (volunteers, demands, days, capacity max, whole-day windows, county seats,
#: time limit s, target s)
SCENARIOS: dict[str, Spec] = {
    "henan-100k": (100_000, 10_000, 7, 1, False, 100, 30.0, 3.0),
    "henan-1m": (1_000_000, 100_000, 28, 1, False, 100, 30.0, 30.0),
    "overlap-10k": (10_000, 1_000, 2, 3, True, 10, 25.0, 30.0),
}
QUICK: dict[str, Spec] = {
    "henan-20k": (20_000, 2_000, 7, 1, False, 100, 30.0, 3.0),
    "henan-100k": (100_000, 10_000, 7, 1, False, 100, 30.0, 3.0),
    "overlap-2k": (2_000, 200, 2, 3, True, 2, 10.0, 30.0),
}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(spec: Spec) -> dict[str, object]:
    n_vol, n_dem, days, cap, full, seats, limit, target = spec
    tick = time.perf_counter()
    problem = henan_problem(
        n_vol,
        n_dem,
        days=days,
        capacity_max=cap,
        full_days=full,
        n_seats=seats,
        options=Options(time_limit_s=limit),
    )
    build_s = time.perf_counter() - tick
    build_mb = _peak_mb()
    tick = time.perf_counter()
    plan = solve(problem)
    solve_s = time.perf_counter() - tick
    solve_mb = _peak_mb()
    tick = time.perf_counter()
    base = greedy(problem)
    greedy_s = time.perf_counter() - tick
    s = plan.stats
    return {
        "volunteers": n_vol,
        "demands": n_dem,
        "slots": sum(d.needed for d in problem.demands),
        "pairs": s.candidate_pairs,
        "build_s": build_s,
        "build_mb": build_mb,
        "solve_s": solve_s,
        "target_s": target,
        "solve_mb": solve_mb,
        "peak_mb": _peak_mb(),
        "solver": s.solver,
        "status": s.status,
        "gap": s.gap,
        "filled": s.filled_slots,
        "objective": s.objective,
        "bound": s.bound,
        "km": s.total_distance_m / 1000,
        "greedy_s": greedy_s,
        "greedy_filled": base.stats.filled_slots,
        "greedy_objective": base.stats.objective,
        "greedy_km": base.stats.total_distance_m / 1000,
        "components": dict(s.components),
        "timings": dict(s.timings),
        "resolution_m": s.distance_resolution_m,
    }


def _gap(gap: object) -> str:
    return "n/a" if gap is None else f"{float(gap):.2%}"  # type: ignore[arg-type]


def table(rows: dict[str, dict[str, object]]) -> str:
    head = (
        f"{'scenario':<12} {'pairs':>9} {'slots':>7} | {'filled':>7} {'Σprio':>9} {'km':>10} "
        f"{'s':>6} {'status':>9} {'gap':>7} | {'greedy':>7} {'Σprio':>9} {'km':>10} {'s':>6} | "
        f"{'peak MB':>8} {'target':>7}"
    )
    lines = [head, "-" * len(head)]
    for name, r in rows.items():
        lines.append(
            f"{name:<12} {r['pairs']:>9,} {r['slots']:>7,} | {r['filled']:>7,} "
            f"{r['objective']:>9,.1f} {r['km']:>10,.1f} {r['solve_s']:>6.2f} {r['status']:>9} "
            f"{_gap(r['gap']):>7} | {r['greedy_filled']:>7,} "
            f"{r['greedy_objective']:>9,.1f} "
            f"{r['greedy_km']:>10,.1f} {r['greedy_s']:>6.2f} | {r['peak_mb']:>8,.0f} "
            f"{'≤' + format(r['target_s'], 'g') + ' s':>7}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller scenarios, about a minute")
    parser.add_argument("--only", help="run one scenario by name")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    scenarios = QUICK if args.quick else SCENARIOS
    if args.child:
        print(json.dumps(run_one(scenarios[args.child])))
        return
    rows: dict[str, dict[str, object]] = {}
    for name in scenarios:
        if args.only and name != args.only:
            continue
        cmd = [sys.executable, __file__, "--child", name] + (["--quick"] if args.quick else [])
        out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
        rows[name] = json.loads(out.strip().splitlines()[-1])
        r = rows[name]
        print(
            f"{name}: built in {r['build_s']:.1f} s ({r['build_mb']:,.0f} MB); "
            f"solver {r['solver']}, {r['components']}, resolution {r['resolution_m']} m; "
            f"timings {r['timings']}",
            flush=True,
        )
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
