"""Importing the hub fills no process-wide state: the app's lifespan owns caches, registries
and background work (ARCHITECTURE.md, "State")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run in a fresh interpreter: this test process has long since imported everything.
PROBE = """
import collections, gc, importlib, json, pkgutil

import prometheus_client
import psycopg
from psycopg.pq import Format

import hub

def json_loaders():
    types = [psycopg.adapters.types[name].oid for name in ("json", "jsonb")]
    return [psycopg.adapters.get_loader(oid, fmt).__qualname__
            for oid in types for fmt in (Format.TEXT, Format.BINARY)]

def metric_names():
    return {family.name for family in prometheus_client.REGISTRY.collect()}

collectors = metric_names()
before = json_loaders()
imported = []
for module in pkgutil.walk_packages(hub.__path__, "hub."):
    importlib.import_module(module.name)
    imported.append(module.name)
node = importlib.import_module("hub.schema.node")
# A module-level container that starts empty is a registry or cache waiting to be filled.
empty = sorted(f"{module.__name__}.{name}" for module in map(importlib.import_module, imported)
               for name, value in vars(module).items()
               if isinstance(value, (dict, list, set, collections.deque)) and not value
               and not name.startswith("__"))
print(json.dumps({
    "imported": len(imported),
    "json_loaders_before": before,
    "json_loaders_after": json_loaders(),
    "gc_enabled": gc.isenabled(),
    "node_registry": [n for n in ("LOADERS", "register") if hasattr(node, n)],
    "empty_module_containers": empty,
    "new_default_collectors": sorted(metric_names() - collectors),
}))
"""


def test_importing_every_hub_module_leaves_no_global_state_filled():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.splitlines()[-1])
    assert seen["imported"] > 50
    # psycopg's process-wide adapters: the hub sets orjson on its own connections only.
    assert seen["json_loaders_after"] == seen["json_loaders_before"]
    assert seen["gc_enabled"]
    # Node types are found in the schema, not in a registry filled by decorators.
    assert seen["node_registry"] == []
    # No module keeps an empty registry or cache for later (the lifespan's objects do).
    assert seen["empty_module_containers"] == []
    # Metrics live in the registry the app creates, not prometheus_client's global one.
    assert seen["new_default_collectors"] == []
