"""``hub template`` and ``hub import``: collective registration files, and files of demands
(点单导入, :mod:`hub.services.demand_import`), from the command line.

``hub import`` runs as the local operator (an admin), reads the data key from HUB_DATA_KEY
(else the persistent generated key under .hub/ of the embedded demo), shows a progress bar on
stderr and prints ``imported N, skipped M (duplicates), rejected K``. Exit status 0 when
every row was imported or skipped as a duplicate, 1 when rows were rejected or the file was
unreadable, 2 for a usage error.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from hub.auth.tokens import SYSTEM
from hub.localization import from_environment
from hub.pii import load_or_create_key
from hub.registration.templates import write_template
from hub.services.demand_import import import_demands
from hub.services.importing import KINDS, ImportRequest, ImportSummary, Kind, import_file
from hub.settings import Settings
from hub.store.base import connect

OPERATOR = SYSTEM  # the CLI acts as the explicit system caller (hub.auth.actions)
MAX_LISTED = 20
CLI_KINDS: tuple[Kind, ...] = (*KINDS, "demands")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _kind(kind: str) -> Kind | None:
    for known in CLI_KINDS:
        if kind == known:
            return known
    _say(f"hub: kind must be one of {', '.join(CLI_KINDS)}, got {kind!r}")
    return None


def template_command(kind: str, path: str | Path) -> int:
    """Write the .xlsx template for ``kind`` to ``path``."""
    checked = _kind(kind)
    if checked is None:
        return 2
    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        _say(f"hub template: {target} must end with .xlsx")
        return 2
    write_template(checked, str(target))
    print(f"wrote the {checked} template to {target}")
    return 0


class _Bar:
    """A tqdm bar that follows the import's phases."""

    def __init__(self) -> None:
        self.bar: tqdm[Any] | None = None
        self.phase = ""

    def __call__(self, phase: str, done: int, total: int) -> None:
        if phase != self.phase:
            self.close()
            self.phase = phase
            self.bar = tqdm(total=total or None, desc=phase, unit="row", file=sys.stderr,
                            dynamic_ncols=True, leave=False)
        if self.bar is not None and total:
            self.bar.total = total
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


async def _run(url: str, settings: Settings, request: ImportRequest, bar: _Bar) -> ImportSummary:
    if request.kind == "demands":  # no personal numbers: no data key needed
        async with connect(url) as db:
            return await import_demands(db, OPERATOR, request)
    cipher = load_or_create_key(configured=settings.data_key, home=settings.home)
    async with connect(url) as db:
        return await import_file(db, cipher, OPERATOR, request, progress=bar)


def _print_problems(summary: ImportSummary) -> None:
    """The file's and the rows' problems, each in the language of the environment
    (``hub.localization.from_environment``: HUB_LANGUAGE or LANG, Chinese by default)."""
    pick = from_environment().pick
    for issue in summary.file_errors:
        _say(f"file: {pick(issue.message_zh, issue.message)}")
    for error in sorted(summary.errors, key=lambda e: e.row_number)[:MAX_LISTED]:
        _say(f"row {error.row_number}, {error.column} {error.value_masked!r}: "
             f"{pick(error.reason_zh or error.reason, error.reason)}")
    if len(summary.errors) > MAX_LISTED:
        _say(f"… and {len(summary.errors) - MAX_LISTED} more errors (see the report)")
    for warning in sorted(summary.warnings, key=lambda w: w.row_number)[:MAX_LISTED]:
        _say(f"row {warning.row_number}, {warning.column} {warning.value_masked!r}: "
             f"note: {pick(warning.reason_zh or warning.reason, warning.reason)}")
    if len(summary.warnings) > MAX_LISTED:
        _say(f"… and {len(summary.warnings) - MAX_LISTED} more notes (see the report)")


def import_command(settings: Settings, kind: str, path: str | Path, report: str | Path | None,
                   all_or_nothing: bool, *, database_url: str | None = None) -> int:
    """Import ``path``; write the rejected rows and the notes (skipped duplicates, rows
    without a home or a team) to ``report`` (.xlsx) when given."""
    checked = _kind(kind)
    if checked is None:
        return 2
    source = Path(path)
    if not source.is_file():
        _say(f"hub import: {source} is not a file")
        return 2
    if database_url is None:
        from hub.db import app_database_url
        from hub.db import database_url as resolve
        from hub.db.migrate import migrate

        migrate(resolve(settings, start=True), app=settings.app_database_url)
        database_url = app_database_url(settings)  # rows are the app role's business
    request = ImportRequest(checked, source.read_bytes(), source.name, all_or_nothing)
    bar = _Bar()
    try:
        summary = asyncio.run(_run(database_url, settings, request, bar))
    finally:
        bar.close()
    _print_problems(summary)
    if report is not None:
        Path(report).write_bytes(summary.report_xlsx())
        _say(f"report of rejected rows: {report}")
    if all_or_nothing and not summary.ok:
        _say("--all-or-nothing: nothing was imported because some rows were rejected")
    print(summary.line(), flush=True)
    return 0 if summary.ok else 1
