"""The `hub` command's surface."""

from __future__ import annotations

import subprocess
import sys

import pytest

from hub.cli import build_parser, main


def test_help_lists_every_command():
    text = build_parser().format_help()
    for command in ("db", "seed", "serve", "demo", "match", "export-schema"):
        assert command in text


def test_seed_takes_the_days_of_history():
    args = build_parser().parse_args(["seed", "--history-days", "0", "--volunteers", "10"])
    assert (args.history_days, args.volunteers) == (0, 10)
    assert build_parser().parse_args(["seed"]).history_days == 365


def test_db_actions_are_validated(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exc:
        main(["db", "explode"])
    assert exc.value.code == 2
    assert "invalid choice: 'explode'" in capsys.readouterr().err


def test_the_console_script_runs():
    out = subprocess.run(
        [sys.executable, "-m", "hub.cli", "--help"], capture_output=True, text=True, check=True
    )
    assert "usage: hub" in out.stdout


def test_match_refuses_bad_arguments_with_status_2(tmp_path):
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "hub.cli", "match", *args],
                              capture_output=True, text=True)

    bad_file = tmp_path / "p.json"
    bad_file.write_text(
        '{"volunteers": [{"id": "v1", "lon": 113, "lat": 91, "skills": ["health"], '
        '"capacity": 1, "maxDistanceM": 5000, "availability": []}], "demands": []}')
    result = run("--problem", str(bad_file))
    assert result.returncode == 2 and "volunteers[0].lat" in result.stderr
    result = run("--region", "4101", "--from", "2026-12-01", "--to", "2026-12-08")
    assert result.returncode == 2 and "4101" in result.stderr
    assert run().returncode == 2


def test_token_issues_a_token_the_server_accepts(tmp_path, monkeypatch):
    from hub.auth import Role, TokenVerifier
    from hub.settings import Settings

    env = {"HUB_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "hub.cli", "token", "--role", "dispatcher",
                          "--region", "410100"], capture_output=True, text=True, env=env,
                         check=True)
    secret = (tmp_path / "jwt.secret").read_text().strip()
    settings = Settings.from_env({"HUB_HOME": str(tmp_path), "HUB_JWT_SECRET": secret})
    caller = TokenVerifier(settings).caller_from_header(f"Bearer {out.stdout.strip()}")
    assert caller.role is Role.DISPATCHER and caller.region == "410100000000"
    bad = subprocess.run([sys.executable, "-m", "hub.cli", "token", "--role", "dispatcher"],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 2 and "region" in bad.stderr


def test_policy_prints_both_tables(capsys: pytest.CaptureFixture[str]):
    assert main(["policy"]) == 0
    out = capsys.readouterr().out
    assert "volunteer.id_number" in out and "never/hidden" in out  # fields
    assert "team.manage" in out and "in_scope" in out  # actions


def test_token_refuses_a_lifetime_beyond_the_role_maximum(tmp_path):
    env = {"HUB_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "hub.cli", "token", "--role", "admin",
                          "--ttl-hours", "100"], capture_output=True, text=True, env=env)
    assert out.returncode == 2 and "at most" in out.stderr
