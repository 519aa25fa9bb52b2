"""`hub worker --alive-file` beats while its job queue answers; `hub worker --check` (the
containers' health check, deploy/) says healthy while it does and unhealthy once it stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hub.jobs import alive
from tests.jobs.test_jobs_cli import ROOT, _env


def _check(alive_file: Path, max_age: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hub.cli", "worker", "--check",
                           "--alive-file", str(alive_file), "--max-age", str(max_age)],
                          cwd=ROOT, env={**os.environ, "HUB_HOME": str(alive_file.parent)},
                          capture_output=True, text=True, timeout=60)


def test_check_reads_the_beat(tmp_path: Path):
    beat = tmp_path / "alive"
    assert "does not exist" in (alive.check(beat) or "")
    beat.write_text("not a beat\n")
    assert "unreadable" in (alive.check(beat) or "")
    beat.write_text(f"1 {time.time() - 90:.3f}\n")
    assert "90 s ago" in (alive.check(beat, max_age_s=60) or "")
    assert alive.check(beat, max_age_s=120) is None


def test_a_running_worker_is_healthy_and_a_stopped_one_is_not(
        empty_queue: str, jobs_url: str, tmp_path: Path):
    beat = tmp_path / "worker.alive"
    assert _check(beat, 60).returncode == 1  # before the worker: no beat yet
    proc = subprocess.Popen([sys.executable, "-m", "hub.cli", "worker", "--concurrency", "1",
                             "--alive-file", str(beat)],
                            cwd=ROOT, env=_env(jobs_url, tmp_path), stderr=subprocess.PIPE,
                            text=True)
    try:
        deadline = time.monotonic() + 30
        while not beat.exists():
            assert proc.poll() is None, proc.stderr and proc.stderr.read()
            assert time.monotonic() < deadline, "the worker never beat"
            time.sleep(0.1)
        healthy = _check(beat, 60)
        assert healthy.returncode == 0, healthy.stderr
        assert beat.read_text().split()[0] == str(proc.pid)
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    time.sleep(1.2)  # the worker is gone: its last beat only gets older
    stale = _check(beat, 1)
    assert stale.returncode == 1
    assert "unhealthy" in stale.stderr and "stuck, stopped" in stale.stderr
