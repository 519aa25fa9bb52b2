"""Store modules rebuilt with SQLAlchemy Core keep SQL text only where a comment says why
(``# SQL text: …`` on the line above or the same line): a benchmark line that needs it, or a
command Core has no construct for. Every module is checked (a new one too), except the few
that are SQL text by design, each named with its benchmark in :data:`SQL_TEXT_MODULES`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

STORE = Path(__file__).resolve().parents[2] / "hub" / "store"
BENCH = STORE.parents[1] / "bench"
# Modules that are SQL text by design, each with the benchmark whose lines measure it (named
# in the module's docstring): the map lists, the map layer, tiles and the bulk import.
SQL_TEXT_MODULES = {"listing": "bench_graphql", "maplayer": "bench_graphql",
                    "tiles": "bench_tiles", "volunteer_import": "bench_import"}
BUILT_WITH_CORE = tuple(sorted(p.stem for p in STORE.glob("*.py")
                               if p.stem not in SQL_TEXT_MODULES))
RUNS = {"fetch", "fetch_one", "fetch_value", "execute", "text"}
MARK = "# SQL text:"


def _is_text(node: ast.expr) -> bool:
    """A string literal, an f-string or strings joined with ``+``."""
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant)
                                               and isinstance(node.value, str))


def unmarked_text(source: str) -> list[int]:
    """Lines that run SQL given as text (``db.fetch("…")``, ``sa.text("…")``) unmarked."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in RUNS and node.args and _is_text(node.args[0])):
            continue
        near = lines[max(node.lineno - 2, 0):node.lineno]
        if not any(MARK in line for line in near):
            found.append(node.lineno)
    return found


def test_unmarked_text_is_found_and_marked_text_is_not() -> None:
    assert unmarked_text('async def f(db):\n    await db.fetch("SELECT 1")\n') == [2]
    assert unmarked_text('async def f(db):\n    await db.fetch(f"SELECT {x}" + "y")\n') == [2]
    assert unmarked_text('q = sa.text("SELECT 1")\n') == [1]
    assert unmarked_text('async def f(db):\n    # SQL text: a command\n'
                         '    await db.fetch("SET x")\n') == []
    assert unmarked_text('async def f(db):\n    await sql.fetch(db, _GET, {"id": 1})\n') == []


@pytest.mark.parametrize("name", BUILT_WITH_CORE)
def test_a_rebuilt_store_module_keeps_sql_text_only_where_marked(name: str) -> None:
    assert unmarked_text((STORE / f"{name}.py").read_text()) == []


@pytest.mark.parametrize(("name", "bench"), sorted(SQL_TEXT_MODULES.items()))
def test_a_module_of_sql_text_says_which_benchmark_needs_it(name: str, bench: str) -> None:
    doc = ast.get_docstring(ast.parse((STORE / f"{name}.py").read_text())) or ""
    assert "SQL text" in doc and bench in doc, doc
    assert (BENCH / f"{bench}.py").is_file()


def test_every_store_module_is_checked() -> None:
    assert "dispatch" in BUILT_WITH_CORE and "volunteers" in BUILT_WITH_CORE
    assert set(BUILT_WITH_CORE) | set(SQL_TEXT_MODULES) == {p.stem for p in STORE.glob("*.py")}
