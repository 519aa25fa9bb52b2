"""docker-compose.yml and what it mounts, linted without a container engine: `docker-compose
config` (Debian's docker-compose, installed by scripts/setup.sh) and the compose
specification's JSON schema (vendored by check-jsonschema) accept it and refuse broken copies;
every service has a health check and what it depends on exists; the hub's variables are ones
the hub reads; nginx and Prometheus name real services and ports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import check_jsonschema
import jsonschema
import pytest
import yaml

from tests.deploy.common import (
    COMPOSE_FILE,
    DEPLOY,
    READ_ELSEWHERE,
    ROOT,
    hub_variables,
    unknown_variables,
)

SERVICES = {"db", "db-replica", "migrate", "hub-1", "hub-2", "lb", "worker", "gateway",
            "prometheus"}
HUB_PORT = 8000
WORKER_METRICS_PORT = 9100


def _compose_tool() -> str:
    path = shutil.which("docker-compose")
    if path is None:
        pytest.fail("docker-compose is not installed: scripts/setup.sh installs Debian's "
                    "(apt-get install docker-compose)", pytrace=False)
    return path


def compose_config(path: Path) -> subprocess.CompletedProcess[str]:
    """`docker-compose config` of ``path``, read as if it stood at the repository's root."""
    return subprocess.run([_compose_tool(), "-f", str(path), "--project-directory", str(ROOT),
                           "config"], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(ROOT)})


@cache
def resolved() -> dict[str, Any]:
    """The file as compose resolves it: anchors merged, defaults interpolated."""
    out = compose_config(COMPOSE_FILE)
    assert out.returncode == 0, out.stderr
    config: dict[str, Any] = yaml.safe_load(out.stdout)
    return config


def spec_errors(document: dict[str, Any]) -> list[str]:
    schema_path = (Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor"
                   / "compose-spec.json")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(document)]


def _raw() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return document


def test_compose_accepts_the_file_and_it_meets_the_specification():
    assert set(resolved()["services"]) == SERVICES
    assert spec_errors(_raw()) == []


@pytest.mark.parametrize("broken, says", [
    (("    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready",
      "    healthchek:\n      test: [\"CMD-SHELL\", \"pg_isready"), "healthchek"),
    (("condition: service_completed_successfully", "condition: service_finished"),
     "service_finished"),
])
def test_a_broken_copy_is_refused_by_both(tmp_path: Path, broken: tuple[str, str], says: str):
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert broken[0] in text
    copy = tmp_path / "docker-compose.yml"
    copy.write_text(text.replace(broken[0], broken[1], 1), encoding="utf-8")
    out = compose_config(copy)
    assert out.returncode != 0 and says in out.stderr
    errors = spec_errors(yaml.safe_load(copy.read_text(encoding="utf-8")))
    assert errors and any(says in e for e in errors), errors


def test_a_dependency_on_a_missing_service_is_refused(tmp_path: Path):
    text = COMPOSE_FILE.read_text(encoding="utf-8").replace("      lb:\n        condition",
                                                            "      lbx:\n        condition", 1)
    copy = tmp_path / "docker-compose.yml"
    copy.write_text(text, encoding="utf-8")
    out = compose_config(copy)
    assert out.returncode != 0 and "'lbx' which is undefined" in out.stderr


def test_every_service_has_a_health_check_and_waits_for_what_it_needs():
    services = resolved()["services"]
    for name, service in services.items():
        check = service.get("healthcheck", {})
        if check.get("disable"):  # only a one-off that exits
            assert name == "migrate" and service.get("restart") == "no", name
        else:
            assert check.get("test"), f"{name} has no health check"
        for needed, how in service.get("depends_on", {}).items():
            assert needed in services, (name, needed)
            if how["condition"] == "service_healthy":
                assert not services[needed].get("healthcheck", {}).get("disable"), needed
    for name in ("hub-1", "hub-2", "worker"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully")
    assert "readyz" in " ".join(services["hub-1"]["healthcheck"]["test"])
    assert "pg_is_in_recovery" in (DEPLOY / "compose" / "replica-health.sh").read_text()


def test_the_hub_is_configured_with_variables_it_reads():
    services = resolved()["services"]
    for name in ("migrate", "hub-1", "hub-2", "worker"):
        env = services[name]["environment"]
        assert not unknown_variables(set(env)), (name, unknown_variables(set(env)))
        assert not set(env) - hub_variables() - READ_ELSEWHERE, name
        assert urlsplit(env["DATABASE_URL"]).hostname == "db"
        assert urlsplit(env["HUB_APP_DATABASE_URL"]).hostname == "db"
        replicas = [urlsplit(u) for u in env["HUB_REPLICA_URLS"].split(",")]
        assert [(u.hostname, u.username) for u in replicas] == [("db-replica", "hub_app")]
    assert "HUB_REPLICA_URLS" in hub_variables() and "HUB_REPLICA_MAX_LAG_S" in hub_variables()


def test_mounted_files_exist_and_scripts_are_executable():
    for name, service in resolved()["services"].items():
        for volume in service.get("volumes", []):
            source = Path(volume.split(":")[0])  # source:target[:mode]
            if source.is_absolute():  # a bind mount (else a named volume)
                assert source.exists(), (name, source)
                if source.suffix == ".sh":
                    assert source.stat().st_mode & 0o111, source
    entry = resolved()["services"]["db-replica"]["entrypoint"][0]
    assert (DEPLOY / "compose" / Path(entry).name).exists()


def test_the_primary_is_configured_for_a_streaming_standby():
    services = resolved()["services"]
    command = " ".join(services["db"]["command"])
    for setting in ("wal_level=replica", "max_wal_senders=", "max_replication_slots="):
        assert setting in command
    init = (DEPLOY / "compose" / "primary-init.sh").read_text()
    entry = (DEPLOY / "compose" / "replica-entrypoint.sh").read_text()
    slot = re.search(r"pg_create_physical_replication_slot\('(\w+)'\)", init)
    assert slot and f"-S {slot.group(1)}" in entry
    assert "REPLICATION LOGIN" in init and "host replication replicator" in init
    assert "pg_basebackup" in entry and " -R " in entry


def test_nginx_balances_the_hub_processes_and_the_gateway_goes_through_it():
    services = resolved()["services"]
    conf = (DEPLOY / "compose" / "nginx.conf").read_text()
    upstream = re.search(r"upstream hub \{(.*?)\}", conf, re.S)
    assert upstream
    assert re.findall(r"server ([\w-]+):(\d+)", upstream.group(1)) == [
        ("hub-1", str(HUB_PORT)), ("hub-2", str(HUB_PORT))]
    listen = re.search(r"listen (\d+);", conf)
    assert listen and services["lb"]["ports"][0]["target"] == int(listen.group(1))
    name, url, sdl = services["gateway"]["environment"]["SUBGRAPHS"].split("=")
    assert (name, urlsplit(url).hostname, urlsplit(url).port) == ("hub", "lb",
                                                                 int(listen.group(1)))
    assert sdl == "/app/hub.graphql"
    assert "hub/schema/schema.graphql ./hub.graphql" in (
        DEPLOY / "gateway" / "Dockerfile").read_text()


def test_prometheus_scrapes_the_hub_processes_and_the_workers():
    services = resolved()["services"]
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    hub_targets = {t for c in jobs["hub"]["static_configs"] for t in c["targets"]}
    assert hub_targets == {f"hub-1:{HUB_PORT}", f"hub-2:{HUB_PORT}"}
    [dns] = jobs["hub-worker"]["dns_sd_configs"]
    assert dns["names"] == ["worker"] and dns["port"] == WORKER_METRICS_PORT
    worker = services["worker"]["command"]
    assert worker[worker.index("--metrics-port") + 1] == str(WORKER_METRICS_PORT)
    for target in hub_targets | {f"{n}:{dns['port']}" for n in dns["names"]}:
        assert target.split(":")[0] in services, target
