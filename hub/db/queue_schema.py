"""The job queue's own schema (procrastinate's tables, types and functions, all named
``procrastinate_*`` in ``public``), applied by the migration runner before the hub's files.

procrastinate ships its schema (``SchemaManager.get_schema()``) and one SQL file per change
since (``SchemaManager.get_migrations_path()``, named ``XX.YY.ZZ_NN_{pre|post}_what.sql`` after
the release that needs it); keeping track of what was applied is left to its users. The hub
records the version whose schema a database holds as the comment of ``procrastinate_jobs``:

* no ``procrastinate_jobs``: the installed version's whole schema, and its version recorded;
* an older version recorded: every migration file of a release after it, up to the installed
  one, in name order (``pre`` before ``post``), then the new version recorded;
* a newer version recorded than installed: refused (the code is older than its database).

Each of these runs in one transaction with the hub's migrations lock held, so a failure
leaves the database as it was. See docs/jobs.md, "Upgrading procrastinate".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path

import procrastinate
import psycopg
from procrastinate.schema import SchemaManager

_MIGRATION = re.compile(r"^(\d{2})\.(\d{2})\.(\d{2})_\d{2}_[a-z0-9_]+\.sql$")
_MARK = "procrastinate "
Version = tuple[int, ...]


class QueueSchemaError(RuntimeError):
    """The queue's schema cannot be brought to the installed version; the message says why."""


def version_of(text: str) -> Version:
    """``3.10.0`` as ``(3, 10, 0)`` (anything after the third number is ignored)."""
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


def installed_version() -> Version:
    """The version of the procrastinate this hub runs."""
    return version_of(procrastinate.__version__)


def pending_migrations(names: Iterable[str], *, applied: Version,
                       installed: Version) -> list[str]:
    """The migration files (by name) of releases after ``applied`` up to ``installed``."""
    chosen = []
    for name in names:
        match = _MIGRATION.match(name)
        if match and applied < tuple(int(g) for g in match.groups()) <= installed:
            chosen.append(name)
    return sorted(chosen)


def _recorded(conn: psycopg.Connection) -> Version | None:
    row = conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL, "
                       "obj_description(to_regclass('procrastinate_jobs'), 'pg_class')"
                       ).fetchone()
    assert row is not None
    present, comment = row
    if not present:
        return None
    if not comment or not str(comment).startswith(_MARK):
        raise QueueSchemaError("procrastinate_jobs exists without the version the hub records "
                               "in its comment: apply procrastinate's migrations up to "
                               f"{procrastinate.__version__} by hand, then run "
                               f"COMMENT ON TABLE procrastinate_jobs IS "
                               f"'{_MARK}{procrastinate.__version__}'")
    return version_of(str(comment).removeprefix(_MARK))


def _record(conn: psycopg.Connection) -> None:
    conn.execute(f"COMMENT ON TABLE procrastinate_jobs IS '{_MARK}{procrastinate.__version__}'")


def apply(conn: psycopg.Connection, *, log: Callable[[str], None] = lambda _msg: None,
          migrations_dir: Path | None = None) -> list[str]:
    """Bring the queue's schema in ``conn``'s database (autocommit, the owner's) to the
    installed procrastinate; return what was applied (``schema 3.10.0`` or file names)."""
    installed = installed_version()
    directory = migrations_dir or Path(SchemaManager.get_migrations_path())
    with conn.transaction():
        applied = _recorded(conn)
        if applied == installed:
            return []
        if applied is None:
            log(f"applying the job queue's schema (procrastinate {procrastinate.__version__})")
            conn.execute(SchemaManager.get_schema().encode())
            _record(conn)
            return [f"schema {procrastinate.__version__}"]
        if applied > installed:
            raise QueueSchemaError(
                f"the database's job queue schema is procrastinate "
                f"{'.'.join(map(str, applied))}, newer than the installed "
                f"{procrastinate.__version__}: install that version or newer")
        files = pending_migrations((p.name for p in directory.glob("*.sql")),
                                   applied=applied, installed=installed)
        for name in files:
            log(f"applying procrastinate migration {name}")
            conn.execute((directory / name).read_text(encoding="utf-8").encode())
        _record(conn)
        return files
