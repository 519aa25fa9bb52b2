"""What pyproject.toml declares is what requirements.lock pins and what the hub imports."""

from __future__ import annotations

import ast
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]

# Development tools, which the container image's lock (requirements-runtime.lock) leaves out.
TOOLS = {"pytest", "mypy", "ruff", "playwright", "uv", "import-linter"}
# Declared runtime dependencies that no module of hub/ imports, each with its reason.
NOT_IMPORTED = {
    "python-multipart": "starlette parses multipart uploads (importRegistrations) with it",
}


def _declared() -> tuple[list[Requirement], list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return ([Requirement(r) for r in project["dependencies"]],
            [Requirement(r) for r in project["optional-dependencies"]["dev"]])


def _locked(name: str = "requirements.lock") -> dict[str, list[Version]]:
    pins: dict[str, list[Version]] = {}
    for line in (ROOT / name).read_text().splitlines():
        if line[:1].isalnum() and "==" in line:
            name, _, rest = line.partition("==")
            pins.setdefault(canonicalize_name(name), []).append(Version(rest.split()[0]))
    return pins


def _imported_top_levels() -> set[str]:
    names: set[str] = set()
    for path in (ROOT / "hub").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
    return names


def test_every_declared_dependency_is_locked_at_a_version_it_allows():
    runtime, dev = _declared()
    pins = _locked()
    for requirement in (*runtime, *dev):
        versions = pins.get(canonicalize_name(requirement.name))
        assert versions, f"{requirement.name} is declared but not in requirements.lock: " \
                         "run `make lock`"
        for version in versions:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"requirements.lock pins {requirement.name}=={version}, outside "
                f"{requirement.specifier}: run `make lock`")


def test_the_runtime_lock_is_the_full_lock_without_the_dev_tools():
    runtime, dev = _declared()
    full, image = _locked(), _locked("requirements-runtime.lock")
    assert all(full.get(name) == versions for name, versions in image.items()), \
        "requirements-runtime.lock pins differ from requirements.lock: run `make lock`"
    assert {canonicalize_name(r.name) for r in runtime} <= set(image)
    assert {canonicalize_name(r.name) for r in dev} >= TOOLS
    assert not TOOLS & set(image), "the image's lock holds dev tools"


def test_every_runtime_dependency_is_imported():
    by_module = packages_distributions()
    imported = {canonicalize_name(dist) for module in _imported_top_levels()
                for dist in by_module.get(module, ())}
    runtime, _ = _declared()
    unused = {canonicalize_name(r.name) for r in runtime} - imported - set(NOT_IMPORTED)
    assert not unused, f"declared in pyproject.toml but imported nowhere in hub/: {unused}"
    stale = {name for name in NOT_IMPORTED if name in imported}
    assert not stale, f"now imported, drop them from NOT_IMPORTED: {stale}"
