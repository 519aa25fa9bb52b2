"""The migration runner: order, once each, checksums, and refusal of edited files."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from hub.db.migrate import MIGRATIONS_DIR, MigrationError, discover, migrate
from tests.conftest import create_database


@pytest.fixture
def empty_db(server_url: str) -> str:
    return create_database(server_url, "hub_test_migrate")


def _schema_fingerprint(url: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(url) as conn:
        return [
            tuple(r)
            for r in conn.execute(  # type: ignore[misc]
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'public' ORDER BY 1, 2"
            ).fetchall()
        ]


def test_migrations_apply_to_an_empty_database_and_a_second_run_changes_nothing(empty_db: str):
    applied = migrate(empty_db)
    assert applied == [m.name for m in discover()]
    before = _schema_fingerprint(empty_db)
    assert ("volunteer", "home", "USER-DEFINED") in before
    assert migrate(empty_db) == []
    assert _schema_fingerprint(empty_db) == before
    with psycopg.connect(empty_db) as conn:
        rows = conn.execute(
            "SELECT version, name, length(checksum) FROM schema_migration ORDER BY version"
        ).fetchall()
    assert [r[1] for r in rows] == applied
    assert all(r[2] == 64 for r in rows)


def test_an_edited_migration_is_refused_naming_the_file(empty_db: str, tmp_path: Path):
    sql_dir = tmp_path / "sql"
    shutil.copytree(MIGRATIONS_DIR, sql_dir)
    migrate(empty_db, directory=sql_dir)
    edited = sql_dir / "0002_vocabulary.sql"
    edited.write_text(edited.read_text() + "\n-- an innocent-looking edit\n")
    with pytest.raises(MigrationError, match=r"0002_vocabulary\.sql.*edited"):
        migrate(empty_db, directory=sql_dir)


def test_a_failing_migration_leaves_nothing_behind(empty_db: str, tmp_path: Path):
    sql_dir = tmp_path / "sql"
    shutil.copytree(MIGRATIONS_DIR, sql_dir)
    (sql_dir / "9999_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nSELECT no_such_function();\n"
    )
    with pytest.raises(MigrationError, match=r"9999_broken\.sql"):
        migrate(empty_db, directory=sql_dir)
    with psycopg.connect(empty_db) as conn:
        assert conn.execute("SELECT to_regclass('half_done')").fetchone() == (None,)
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migration")]
    assert 9999 not in versions and 3 in versions


def test_badly_named_migration_files_are_refused(tmp_path: Path):
    (tmp_path / "01_oops.sql").write_text("SELECT 1;")
    with pytest.raises(MigrationError, match=r"01_oops\.sql"):
        discover(tmp_path)
