"""`hub worker` runs the periodic steps and stops cleanly on SIGTERM; `hub jobs` lists and
retries dead letters."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psycopg

from hub.cli import build_parser, main
from tests.conftest import create_database

ROOT = Path(__file__).resolve().parents[2]


def _env(jobs_url: str, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "PG"))}
    return {**env, "DATABASE_URL": jobs_url, "HUB_HOME": str(home), "HUB_SWEEP_S": "1",
            "HUB_WORKER_SHUTDOWN_S": "3"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_worker_options_parse():
    args = build_parser().parse_args(["worker", "--concurrency", "8", "--queue", "periodic",
                                      "--queue", "notices", "--name", "w1"])
    assert (args.concurrency, args.queue, args.name) == (8, ["periodic", "notices"], "w1")
    args = build_parser().parse_args(["jobs", "retry", "42"])
    assert (args.action, args.job_id) == ("retry", 42)


def test_hub_worker_runs_the_steps_and_stops_cleanly_on_sigterm(
        empty_queue: str, jobs_url: str, tmp_path: Path):
    env = _env(jobs_url, tmp_path)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hub.cli", "worker", "--concurrency", "2",
                             "--metrics-port", str(port)],
                            cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        done = 0
        while done == 0:
            assert proc.poll() is None, proc.stderr and proc.stderr.read()
            assert time.monotonic() < deadline, "no step ran"
            time.sleep(0.1)
            with psycopg.connect(jobs_url) as conn:
                row = conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE task_name = "
                                   "'hub.expire_offers' AND status = 'succeeded'").fetchone()
            done = row[0] if row else 0
        # The worker's own metrics count the steps it ran.
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert 'hub_sweep_steps_total{outcome="ok",step="expire_offers"}' in metrics
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "hub worker: stopped" in err
    with psycopg.connect(jobs_url) as conn:
        assert conn.execute("SELECT count(*) FROM procrastinate_workers").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM procrastinate_jobs "
                            "WHERE status = 'doing'").fetchone() == (0,)



def test_hub_jobs_lists_and_retries_dead_letters(empty_queue: str, jobs_url: str,
                                                 monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", jobs_url)
    monkeypatch.delenv("HUB_APP_DATABASE_URL", raising=False)
    assert main(["jobs", "failed"]) == 0
    assert capsys.readouterr().out.strip() == "no failed jobs"
    with psycopg.connect(jobs_url, autocommit=True) as conn:
        row = conn.execute("INSERT INTO procrastinate_jobs (queue_name, task_name, status, "
                           "attempts) VALUES ('periodic', 'hub.expire_offers', 'failed', 5) "
                           "RETURNING id").fetchone()
        assert row is not None
        conn.execute("INSERT INTO job_error (job_id, attempt, error) VALUES (%s, 5, "
                     "'Traceback …\nRuntimeError: the gateway refused')", (row[0],))
    assert main(["jobs", "failed"]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"{row[0]}\thub.expire_offers\t5 tries\t")
    assert line.endswith("RuntimeError: the gateway refused")
    assert main(["jobs", "retry", str(row[0])]) == 0
    assert f"job {row[0]} queued" in capsys.readouterr().out
    assert main(["jobs", "retry", str(row[0])]) == 1  # no longer failed
    assert "is not a failed job" in capsys.readouterr().err


def test_hub_jobs_refuses_bad_arguments_before_connecting(capsys):
    assert main(["worker", "--concurrency", "0"]) == 2
    assert "--concurrency must be 1..1000, got 0" in capsys.readouterr().err
    assert main(["worker", "--metrics-port", "70000"]) == 2
    assert main(["jobs", "retry"]) == 2
    assert "give the job's id" in capsys.readouterr().err
    assert main(["jobs", "failed", "--limit", "0"]) == 2
    assert "--limit must be 1..1000, got 0" in capsys.readouterr().err


def test_demo_runs_one_worker_beside_the_server_and_stops_it(monkeypatch, settings):
    import hub.cli
    import hub.db
    import hub.db.migrate
    import hub.seed

    started: list[list[str]] = []
    stopped: list[str] = []

    class FakeWorker:
        def __init__(self, argv: list[str]) -> None:
            started.append(argv)

        def terminate(self) -> None:
            stopped.append("SIGTERM")

        def wait(self, timeout: float | None = None) -> int:
            stopped.append("waited")
            return 0

    def serve(args: object, _settings: object) -> int:
        assert len(started) == 1, "the worker starts before the server serves"
        assert stopped == []
        raise KeyboardInterrupt  # Ctrl-C

    monkeypatch.setattr(subprocess, "Popen", FakeWorker)
    monkeypatch.setattr(hub.db, "database_url", lambda *_a, **_k: "postgresql:///x")
    monkeypatch.setattr(hub.db.migrate, "migrate", lambda *_a, **_k: [])
    monkeypatch.setattr(hub.seed, "is_seeded", lambda _url: True)
    monkeypatch.setattr(hub.cli, "cmd_serve", serve)
    monkeypatch.setattr(hub.cli.Settings, "from_env", classmethod(lambda cls: settings))
    assert main(["demo", "--port", "8799"]) == 130
    assert started == [[sys.executable, "-m", "hub.cli", "worker"]]
    assert stopped == ["SIGTERM", "waited"]


def test_a_worker_on_a_database_without_the_queue_says_to_migrate(server_url: str, monkeypatch,
                                                                  capsys):
    empty = create_database(server_url, "hub_test_jobs_unmigrated")
    monkeypatch.setenv("DATABASE_URL", empty)
    monkeypatch.delenv("HUB_APP_DATABASE_URL", raising=False)
    with psycopg.connect(empty, autocommit=True) as conn:  # the app's role may connect
        conn.execute("DO $$ BEGIN CREATE ROLE hub_app LOGIN; "
                     "EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    assert main(["worker"]) == 1
    assert "the database has no job queue yet: run `hub db migrate`" in capsys.readouterr().err
