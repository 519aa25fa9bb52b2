"""`hub match --region … --fanout` through the command line (issue 17.3, docs/matching.md
"Fanned out"): with a `hub worker --queue matching` process up, the fanned-out command stores
the same plan as the in-process one on the seeded database, its parts solved by that worker
and deleted afterwards. (No worker: FANOUT_TIMEOUT, tests/jobs/test_jobs_fanout.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg

from tests.seeded import SEED

ROOT = Path(__file__).resolve().parents[2]
REGION = "620000000000"
OPTIONS = '{"weights": {"skill": 0, "fairness": 0}}'


def _hub(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hub.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=240)


def _summary(stdout: str) -> dict[str, str]:
    return dict(line.split(None, 1) for line in stdout.splitlines() if line.strip())


def _comparable(path: Path) -> dict[str, Any]:
    doc = json.loads(path.read_text())
    doc["stats"].pop("seconds")
    doc["stats"].pop("timings")
    return doc


def _solved_parts(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name = "
                           "'hub.match_part' AND status = 'succeeded'").fetchone()
    assert row is not None
    return int(row[0])


def _worker_up(url: str, since: float, timeout_s: float = 90.0) -> None:
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT count(*) FROM procrastinate_workers WHERE "
                               "last_heartbeat >= to_timestamp(%s)", (since,)).fetchone()
            if row and row[0]:
                return
            time.sleep(0.2)
    raise AssertionError(f"no worker registered within {timeout_s:g} s")


def test_hub_match_fanout_stores_the_in_process_plan(seeded_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": seeded_url}
    start = SEED.start_date.isoformat()
    end = (SEED.start_date + timedelta(days=28)).isoformat()
    common = ("match", "--region", REGION, "--from", start, "--to", end, "--options", OPTIONS)
    since = time.time() - 1
    worker = subprocess.Popen([sys.executable, "-m", "hub.cli", "worker", "--queue", "matching",
                               "--concurrency", "1", "--name", "cli-fanout"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    plan_ids: list[str] = []
    solved = _solved_parts(seeded_url)
    try:
        alone = _hub(env, *common, "--plan", str(tmp_path / "alone.json"))
        _worker_up(seeded_url, since)
        fanned = _hub(env, *common, "--fanout", "--plan", str(tmp_path / "fanned.json"))
        for out in (alone, fanned):
            assert out.returncode == 0, out.stderr
            plan_ids.append(_summary(out.stdout)["planId"])
        with psycopg.connect(seeded_url, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM match_part").fetchone()
            assert row is not None and row[0] == 0  # the coordinator deleted its parts
        assert _solved_parts(seeded_url) > solved  # the worker solved them
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        with psycopg.connect(seeded_url, autocommit=True) as conn:
            conn.execute("DELETE FROM dispatch_plan WHERE id = ANY(%s::uuid[])", (plan_ids,))
    assert plan_ids[0] != plan_ids[1]
    fanned_plan = _comparable(tmp_path / "fanned.json")
    assert fanned_plan == _comparable(tmp_path / "alone.json")
    assert fanned_plan["stats"]["status"] == "OPTIMAL" and fanned_plan["assignments"]
