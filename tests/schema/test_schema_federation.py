"""The hub composes into a supergraph with Apollo's own composition (tests/federation/).

Composition is JavaScript only, so these tests need Node and npm; they install the pinned
packages of tests/federation/package-lock.json on first use (``npm ci``) and FAIL, rather than
skip, when the tooling is missing: CI has it, and a skipped check is a silent one.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from graphql import (
    REMOVE,
    DocumentNode,
    FieldDefinitionNode,
    InputValueDefinitionNode,
    ObjectTypeDefinitionNode,
    StringValueNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

from hub.schema import schema, schema_sdl

FEDERATION = Path(__file__).resolve().parents[1] / "federation"
COMPOSE = FEDERATION / "compose.mjs"
NPM_TIMEOUT_S = 600
COMPOSE_TIMEOUT_S = 120

# A second team's subgraph that contributes fields to our Volunteer entity.
TRAINING_SDL = """
extend schema
  @link(
    url: "https://specs.apollo.dev/federation/v2.7"
    import: ["@key", "@shareable", "@external"]
  )

type Volunteer @key(fields: "id") {
  id: ID!
  trainingHours: Float!
  certificates: [String!]!
}

type Query {
  trainingCatalog: [String!]!
}
"""


# -- tooling ---------------------------------------------------------------------------------
def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"`{name}` is not on PATH: the federation composition check needs Node.js (>= 18) "
            "and npm; install them (CI images have them) and run the tests again",
            pytrace=False,
        )
    return path


def _installed() -> bool:
    """Whether every dependency of package.json is installed at its pinned version."""
    wanted: dict[str, str] = json.loads((FEDERATION / "package.json").read_text())["dependencies"]
    for package, version in wanted.items():
        manifest = FEDERATION / "node_modules" / package / "package.json"
        if not manifest.is_file() or json.loads(manifest.read_text())["version"] != version:
            return False
    return True


@cache
def _install() -> float:
    """Run ``npm ci`` when the pinned packages are not installed; the seconds it took."""
    node = _tool("node")
    npm = _tool("npm")
    if _installed():
        return 0.0
    started = time.monotonic()
    try:
        out = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=FEDERATION,
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`npm ci` in {FEDERATION} took over {NPM_TIMEOUT_S}s", pytrace=False)
    if out.returncode != 0 or not _installed():
        pytest.fail(
            f"`npm ci --no-audit --no-fund` failed in {FEDERATION} (exit {out.returncode}; "
            f"node at {node}); is the npm registry reachable?\n"
            f"{out.stdout[-3000:]}\n{out.stderr[-3000:]}",
            pytrace=False,
        )
    return time.monotonic() - started


def compose(tmp_path: Path, **subgraphs: str) -> dict[str, Any]:
    """Compose the named subgraph SDLs; compose.mjs's JSON plus its exit code as ``exit``."""
    _install()
    args = []
    for name, sdl in subgraphs.items():
        path = tmp_path / f"{name}.graphql"
        path.write_text(sdl, encoding="utf-8")
        args.append(f"{name}={path}")
    out = subprocess.run(
        [_tool("node"), str(COMPOSE), *args],
        cwd=FEDERATION,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=COMPOSE_TIMEOUT_S,
    )
    try:
        result: dict[str, Any] = json.loads(out.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"compose.mjs printed no JSON (exit {out.returncode}):\n{out.stdout}\n{out.stderr}"
        )
    result["exit"] = out.returncode
    return result


def assert_composed(result: dict[str, Any]) -> str:
    errors = "\n".join(result["errors"])
    assert result["exit"] == 0 and not result["errors"], f"composition failed:\n{errors}"
    assert result.get("supergraphSdl"), "composition succeeded without a supergraph"
    return str(result["supergraphSdl"])


def supergraph_fields(supergraph: str, type_name: str) -> set[str]:
    """The field names of ``type_name`` in a supergraph SDL."""
    for node in parse(supergraph).definitions:
        if isinstance(node, ObjectTypeDefinitionNode) and node.name.value == type_name:
            return {f.name.value for f in node.fields or ()}
    raise AssertionError(f"the supergraph has no type {type_name}")


# -- contract variants -----------------------------------------------------------------------
def _tagged(node: FieldDefinitionNode | InputValueDefinitionNode, tag: str) -> bool:
    return any(
        d.name.value == "tag"
        and any(
            a.name.value == "name" and isinstance(a.value, StringValueNode) and a.value.value == tag
            for a in d.arguments or ()
        )
        for d in node.directives or ()
    )


class _DropTagged(Visitor):
    """Removes every field, argument and input field tagged ``@tag(name: tag)``."""

    def __init__(self, tag: str) -> None:
        super().__init__()
        self.tag = tag
        self.removed: list[str] = []

    def enter_field_definition(self, node: FieldDefinitionNode, *_: object) -> object:
        if _tagged(node, self.tag):
            self.removed.append(node.name.value)
            return REMOVE
        return None

    def enter_input_value_definition(self, node: InputValueDefinitionNode, *_: object) -> object:
        if _tagged(node, self.tag):
            self.removed.append(node.name.value)
            return REMOVE
        return None


def without_tag(sdl: str, tag: str) -> tuple[str, list[str]]:
    dropper = _DropTagged(tag)
    document: DocumentNode = visit(parse(sdl), dropper)
    return print_ast(document), dropper.removed


# -- tests -----------------------------------------------------------------------------------
def test_hub_composes_alone(tmp_path: Path):
    supergraph = assert_composed(compose(tmp_path, hub=schema_sdl()))
    assert "phone" in supergraph_fields(supergraph, "Volunteer")


def test_hub_composes_with_a_subgraph_extending_volunteer(tmp_path: Path):
    result = compose(tmp_path, hub=schema_sdl(), training=TRAINING_SDL)
    supergraph = assert_composed(result)
    volunteer = supergraph_fields(supergraph, "Volunteer")
    assert {"trainingHours", "certificates", "phone", "idNumber", "name"} <= volunteer
    assert "trainingCatalog" in supergraph_fields(supergraph, "Query")
    assert "mapLayer" in supergraph_fields(supergraph, "Query")


def test_contract_without_pii_still_composes(tmp_path: Path):
    # A partner variant drops everything tagged pii; nothing else may depend on those fields
    # (keys, @requires/@provides, a type left without fields).
    sdl, removed = without_tag(schema_sdl(), "pii")
    assert {"phone", "idNumber", "location", "birthDate", "name"} <= set(removed)
    supergraph = assert_composed(compose(tmp_path, hub=sdl, training=TRAINING_SDL))
    volunteer = supergraph_fields(supergraph, "Volunteer")
    assert not volunteer & {"phone", "idNumber", "location", "birthDate", "name"}
    assert {"id", "status", "trainingHours"} <= volunteer
    assert '"pii"' not in supergraph


def test_composition_failure_is_reported(tmp_path: Path):
    # The check itself: a conflicting subgraph must fail, or a green run means nothing.
    clash = TRAINING_SDL.replace("trainingHours: Float!", "name: Int!")
    result = compose(tmp_path, hub=schema_sdl(), training=clash)
    assert result["exit"] == 1
    assert result["errors"]
    assert "supergraphSdl" not in result


def test_service_sdl_is_the_committed_sdl():
    # What a router or `rover subgraph introspect` fetches; needs no database.
    result = schema().execute_sync("{ _service { sdl } }")
    assert result.errors is None
    assert result.data is not None
    assert result.data["_service"]["sdl"] + "\n" == schema_sdl()
