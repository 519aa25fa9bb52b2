"""The store's public functions follow the one verb vocabulary written down in
:mod:`hub.store` and take everything after the database by keyword."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import hub.store

STORE = Path(hub.store.__file__).resolve().parent
HELPERS = {"__init__", "base", "sql", "tables", "listing", "local_time", "visibility",
           "volunteer_json",  # helpers: they build SQL or run what they are given
           "replicas"}  # routes a request's reads to a replica or the primary: no statements
VERBS = ("get", "get_many", "list_", "count", "create", "update", "delete", "lock", "check",
         "stream", "copy")
NAME = re.compile(r"^(get|get_many|list_|count|create|update|lock)$"
                  r"|^(get|get_many|list|count|create|update|delete|lock|check|stream|copy)"
                  r"_[a-z0-9_]+$")
DOMAINS = sorted(p for p in STORE.glob("*.py") if p.stem not in HELPERS)


def _public_coroutines(path: Path) -> list[ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text(), str(path))
    return [node for node in tree.body
            if isinstance(node, ast.AsyncFunctionDef) and not node.name.startswith("_")]


def test_the_vocabulary_is_written_down() -> None:
    doc = hub.store.__doc__ or ""
    assert [verb for verb in VERBS if f"``{verb}" not in doc] == []


@pytest.mark.parametrize("path", DOMAINS, ids=lambda p: p.stem)
def test_public_store_functions_use_the_vocabulary(path: Path) -> None:
    functions = _public_coroutines(path)
    assert functions, f"{path.name} has no public functions"
    assert [f.name for f in functions if not NAME.match(f.name)] == []


@pytest.mark.parametrize("path", DOMAINS, ids=lambda p: p.stem)
def test_public_store_functions_take_keywords_after_the_database(path: Path) -> None:
    positional = [f"{f.name}({', '.join(a.arg for a in f.args.posonlyargs + f.args.args)})"
                  for f in _public_coroutines(path)
                  if len(f.args.posonlyargs + f.args.args) != 1 or f.args.vararg]
    assert positional == []
