"""What the import contracts (.importlinter, `make lint`) cannot see: services run no SQL of
their own and never reach into a raw connection, the schema opens no transaction, and the job
queue's tasks (hub/jobs) do neither: they are thin wrappers over services."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

HUB = Path(__file__).resolve().parents[1] / "hub"
SQL_CALLS = {"fetch", "fetch_one", "fetch_value", "execute", "executemany", "copy", "cursor",
             "connection"}
TRANSACTION_CALLS = {"transaction", "savepoint"}


def _uses(path: Path, calls: set[str], attributes: set[str]) -> list[str]:
    """``file:line name`` for each call of a method in ``calls`` and each read of an
    attribute in ``attributes``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in calls:
            found.append(f"{path.name}:{node.lineno} .{node.func.attr}()")
        elif isinstance(node, ast.Attribute) and node.attr in attributes \
                and not isinstance(getattr(node, "ctx", None), ast.Store):
            found.append(f"{path.name}:{node.lineno} .{node.attr}")
    return found


@pytest.mark.parametrize("path", sorted((HUB / "services").glob("*.py")), ids=lambda p: p.name)
def test_services_run_no_sql_and_touch_no_connection(path: Path) -> None:
    assert _uses(path, SQL_CALLS, {"conn"}) == []


@pytest.mark.parametrize("path", sorted((HUB / "schema").glob("*.py")), ids=lambda p: p.name)
def test_the_schema_opens_no_transaction_and_runs_no_sql(path: Path) -> None:
    assert _uses(path, TRANSACTION_CALLS | SQL_CALLS - {"execute"}, {"conn"}) == []


@pytest.mark.parametrize("path", sorted((HUB / "jobs").glob("*.py")), ids=lambda p: p.name)
def test_jobs_open_no_transaction_and_run_no_sql(path: Path) -> None:
    assert _uses(path, TRANSACTION_CALLS | SQL_CALLS, {"conn"}) == []
