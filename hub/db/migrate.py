"""Apply ``sql/NNNN_name.sql`` migrations in order, once each, under an advisory lock.

Each migration runs in its own transaction together with the row that records it, so a
failed migration leaves nothing behind. The job queue's schema (procrastinate's, which the
hub's files may refer to) comes first, brought to the installed version by
``hub.db.queue_schema``. The SHA-256 of every applied file is recorded; an
applied migration whose file has since been edited is refused, naming the file. Migrations
run as the schema owner; afterwards the app's role is given what it needs (``hub.db.roles``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from hub.db import queue_schema
from hub.db.roles import RoleError, app_url, grant_app_role
from hub.settings import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "sql"
_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
# Any constant: the lock serialises concurrent `hub db migrate` runs against one database.
ADVISORY_LOCK_KEY = 7_203_221_131


class MigrationError(RuntimeError):
    """A migration cannot be applied; the message names the file."""


@dataclass(frozen=True)
class Migration:
    """One migration file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """SHA-256 of the file's text."""
        return hashlib.sha256(self.sql.encode()).hexdigest()


def discover(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations in ``directory``, in version order; refuses bad names and duplicates."""
    found: dict[int, Migration] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _NAME.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named NNNN_lower_snake.sql")
        version = int(match.group(1))
        if version in found:
            raise MigrationError(
                f"{path.name}: version {version} is also used by {found[version].name}"
            )
        found[version] = Migration(version, path.name, path.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migration (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  checksum   text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def migrate(
    url: str,
    *,
    app: str | None = None,
    directory: Path = MIGRATIONS_DIR,
    log: Callable[[str], None] = lambda _msg: None,
) -> list[str]:
    """Apply pending migrations to the database at ``url`` (the schema owner's) and grant the
    app's role (``app``, a URL; by default ``hub_app`` beside the owner) its rows; return the
    names applied."""
    migrations = discover(directory)
    applied_now: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        try:
            conn.execute(_LEDGER)
            try:
                queue_schema.apply(conn, log=log)
            except (queue_schema.QueueSchemaError, psycopg.Error) as exc:
                raise MigrationError(f"the job queue's schema: {exc}".strip()) from exc
            rows = conn.execute("SELECT version, name, checksum FROM schema_migration").fetchall()
            applied = {int(v): (n, c) for v, n, c in rows}
            for migration in migrations:
                if migration.version in applied:
                    name, checksum = applied[migration.version]
                    if checksum != migration.checksum:
                        raise MigrationError(
                            f"{migration.name}: this migration was applied as {name} and its file "
                            "has been edited since; add a new migration instead of editing it"
                        )
                    continue
                log(f"applying {migration.name}")
                try:
                    with conn.transaction():
                        conn.execute(migration.sql.encode())
                        conn.execute(
                            "INSERT INTO schema_migration (version, name, checksum) "
                            "VALUES (%s, %s, %s)",
                            (migration.version, migration.name, migration.checksum),
                        )
                except psycopg.Error as exc:
                    raise MigrationError(f"{migration.name}: {exc}".strip()) from exc
                applied_now.append(migration.name)
            try:
                grant_app_role(conn, app_url(url, app), log=log)
            except (RoleError, psycopg.Error) as exc:
                raise MigrationError(f"granting the app role: {exc}".strip()) from exc
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
    return applied_now
