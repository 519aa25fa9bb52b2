"""Benchmark: 5,000 hostile requests against /graphql over HTTP (not a test; ``make bench-fuzz``).

Targets (issue 11): 0 responses 5xx, 0 errors without ``extensions.code``, every non-2xx body
JSON, p99 ≤ 1 s, server RSS growth ≤ 100 MB. Also counted: INTERNAL_SERVER_ERROR answers and
tracebacks in the server's log (both should be 0: hostile input is never the server's fault).

Run with ``.venv/bin/python bench/bench_fuzz.py [--requests N] [--threads N] [--seed S]``.

* Database: ``hub_bench_fuzz`` on the hub's server (DATABASE_URL, else the embedded cluster),
  seeded once with the test suite's small data set and reused while it has volunteers.
* Server: ``uvicorn --factory`` (bench/bench_graphql_app.py, one process) in its own process
  group, its log in a temporary file; RSS is read from ``/proc/<pid>/status`` after a warm-up
  and after the run. The requests come from ``tests/hostile.py`` (every kind once, then drawn
  by weight), sent from ``--threads`` client threads.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.hostile

from bench_seed import scratch_database  # the sibling benchmark (bench/ is on sys.path)

from hub.app import dev_settings
from hub.auth import issue_token
from hub.db import database_url
from hub.db.migrate import migrate
from hub.seed import seed
from hub.settings import PROJECT_ROOT, Settings
from tests.hostile import Report, fire, hostile
from tests.seeded import SEED  # the suite's small data set

BENCH_DIR = Path(__file__).resolve().parent
DB_NAME = "hub_bench_fuzz"


def fuzz_database(settings: Settings) -> str:
    """The seeded benchmark database's URL (seeded on first use)."""
    server = database_url(settings, start=True)
    url = psycopg.conninfo.make_conninfo(server, dbname=DB_NAME)
    with contextlib.suppress(psycopg.Error), psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM volunteer").fetchone()
        if row and row[0] > 0:
            return url
    url = scratch_database(server, DB_NAME)
    migrate(url)
    seed(url, SEED, settings=settings)  # the divisions too
    return url


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


@contextlib.contextmanager
def served(url: str, log_path: Path) -> Iterator[tuple[str, int]]:
    """The hub in a uvicorn process of its own; yields (base URL, pid)."""
    port = free_port()
    with log_path.open("wb") as log:
        env = {**os.environ, "HUB_BENCH_DATABASE_URL": url}
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "bench_graphql_app:app",
             "--app-dir", str(BENCH_DIR), "--port", str(port), "--log-level", "info",
             "--no-access-log"],
            env=env, cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(300):
                if proc.poll() is not None:
                    raise RuntimeError(f"the server exited ({proc.returncode}); see {log_path}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                        break
                time.sleep(0.2)
            yield base, proc.pid
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def free_port() -> int:
    """A port that was free a moment ago."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


def table(report: Report, rss: tuple[float, float], tracebacks: int, seconds: float) -> str:
    """The results as a Markdown table, each row with its target."""
    count = sum(report.statuses.values())
    non_json = report.faults["non-JSON refusal"]
    rows = [
        ("requests", f"{count} in {seconds:.1f} s", "5000", count >= 5000),
        ("responses 5xx", str(sum(n for s, n in report.statuses.items() if s >= 500)), "0",
         not any(s >= 500 for s in report.statuses)),
        ("no answer (connection dropped)", str(report.faults["no answer"]), "0",
         not report.faults["no answer"]),
        ("errors without extensions.code", str(report.faults["uncoded error"]), "0",
         not report.faults["uncoded error"]),
        ("errors without messageZh", str(report.faults["error without messageZh"]), "0",
         not report.faults["error without messageZh"]),
        ("INTERNAL_SERVER_ERROR answers", str(report.faults["internal error"]), "0",
         not report.faults["internal error"]),
        ("non-2xx bodies not JSON", str(non_json), "0", not non_json),
        ("p50 latency", f"{report.median_s * 1000:.1f} ms", "", True),
        ("p99 latency", f"{report.quantile_s(0.99) * 1000:.0f} ms", "≤ 1000 ms",
         report.quantile_s(0.99) <= 1.0),
        ("max latency", f"{max(report.latencies_s) * 1000:.0f} ms", "", True),
        ("server RSS before / after", f"{rss[0]:.0f} MB / {rss[1]:.0f} MB", "", True),
        ("server RSS growth", f"{rss[1] - rss[0]:.0f} MB", "≤ 100 MB", rss[1] - rss[0] <= 100),
        ("tracebacks in the server log", str(tracebacks), "0", tracebacks == 0),
    ]
    lines = ["| measure | value | target | ok |", "|---|---|---|---|"]
    lines += [f"| {name} | {value} | {target} | {'yes' if ok else 'NO'} |"
              for name, value, target, ok in rows]
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(report.statuses.items()))
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(report.kinds.items()))
    return "\n".join([*lines, "", f"statuses: {statuses}", f"kinds: {kinds}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    settings = dev_settings(Settings.from_env())
    url = fuzz_database(settings)
    token = issue_token(settings, sub="bench-d", role="dispatcher", region="410100000000")
    requests = list(hostile(args.seed, args.requests, [f"Bearer {token}"]))
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "server.log"
        with served(url, log_path) as (base, pid):
            warm = list(hostile(args.seed + 1, 50, []))
            fire(base, [r for r in warm if r.kind == "valid queries"] or warm[:5], threads=1)
            before = rss_mb(pid)
            started = time.perf_counter()
            report = fire(base, requests, threads=args.threads)
            seconds = time.perf_counter() - started
            after = rss_mb(pid)
        tracebacks = log_path.read_text(errors="replace").count("Traceback (most recent")
    text = table(report, (before, after), tracebacks, seconds)
    print(text)
    for fault, example in sorted(report.examples.items()):
        print(f"first {fault}: {example}")
    sys.exit(1 if "| NO |" in text else 0)


if __name__ == "__main__":
    main()
