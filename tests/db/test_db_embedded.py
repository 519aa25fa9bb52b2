"""The embedded cluster: created under a private home, answers, stops; clear PostGIS errors."""

from __future__ import annotations

import socket
import stat
from pathlib import Path

import psycopg
import pytest

from hub.db.embedded import EmbeddedCluster, EmbeddedError, check_postgis
from hub.settings import Settings


@pytest.mark.slow
def test_the_embedded_cluster_starts_answers_and_stops(private_home: Path):
    home = private_home
    cluster = EmbeddedCluster(home)
    assert cluster.status() is None
    info = cluster.start()
    try:
        assert str(info.socket_dir).startswith(str(home)) or "hub-" in str(info.socket_dir)
        with psycopg.connect(info.url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            version = conn.execute("SELECT postgis_lib_version()").fetchone()
            assert version and version[0].startswith("3.")
        with psycopg.connect(info.tcp_url) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == ("hub",)
        assert cluster.start() == info  # idempotent while running
        assert cluster.status() == info
    finally:
        assert cluster.stop() is True
    assert cluster.status() is None
    assert cluster.stop() is False


@pytest.mark.slow
def test_the_cluster_keeps_its_port_and_commits_synchronously(private_home: Path):
    cluster = EmbeddedCluster(private_home)
    first = cluster.start()
    with psycopg.connect(first.url) as conn:
        assert conn.execute("SHOW synchronous_commit").fetchone() == ("on",)
    cluster.stop()
    again = cluster.start()
    assert (again.port, again.url) == (first.port, first.url)  # a running app finds it again
    cluster.stop()
    with socket.socket() as taken:  # someone else took the port meanwhile: another one
        taken.bind(("127.0.0.1", first.port))
        taken.listen()
        assert cluster.start().port != first.port


def _fake_bin(tmp_path: Path) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    share = tmp_path / "share"
    (share / "extension").mkdir(parents=True)
    for name, body in (
        ("postgres", "echo 'postgres (PostgreSQL) 15.19'"),
        ("pg_config", f"echo {share}"),
    ):
        script = bin_dir / name
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return bin_dir


def test_missing_postgis_names_the_package_to_install(tmp_path: Path):
    with pytest.raises(EmbeddedError, match=r"apt-get install -y postgresql-15-postgis-3"):
        check_postgis(_fake_bin(tmp_path))


def test_database_url_wins_over_the_embedded_cluster(tmp_path: Path):
    from hub.db import database_url

    settings = Settings.from_env(
        {"DATABASE_URL": "postgresql://u@db.example/hub", "HUB_HOME": str(tmp_path)}
    )
    assert database_url(settings, start=True) == "postgresql://u@db.example/hub"
    assert not (tmp_path / "pgdata").exists()


def test_no_database_at_all_says_what_to_run(tmp_path: Path):
    from hub.db import database_url

    with pytest.raises(EmbeddedError, match="hub db start"):
        database_url(Settings.from_env({"HUB_HOME": str(tmp_path)}), start=False)
