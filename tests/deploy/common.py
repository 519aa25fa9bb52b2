"""What the deploy/ tests share: the repository's paths, YAML loading, and the environment
variables the hub reads (every ``"HUB_…"`` string hub/settings.py names)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILE = ROOT / "docker-compose.yml"
KUBERNETES = DEPLOY / "kubernetes"
# Variables read by others than hub/settings.py: uvicorn (proxy headers) and prometheus_client.
READ_ELSEWHERE = frozenset({"FORWARDED_ALLOW_IPS", "PROMETHEUS_MULTIPROC_DIR"})


@cache
def hub_variables() -> frozenset[str]:
    """Every HUB_* variable (and DATABASE_URL) hub/settings.py reads."""
    text = (ROOT / "hub" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'"(HUB_[A-Z0-9_]+)"', text))
    assert "HUB_APP_DATABASE_URL" in names and "DATABASE_URL" in text
    return frozenset(names | {"DATABASE_URL"})


def unknown_variables(names: set[str]) -> set[str]:
    """The names a deployment sets for the hub that the hub does not read."""
    ours = {n for n in names if n.startswith("HUB_") or n == "DATABASE_URL"}
    return ours - hub_variables()


def load_all(path: Path) -> list[dict[str, Any]]:
    """The YAML documents of ``path`` (empty ones left out)."""
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
