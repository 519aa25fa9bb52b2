"""Least privilege: the app's role reads and writes rows and can do nothing else.

The append-only triggers (sql/0006) hold only if nobody can switch them off: the app's role
may not set session_replication_role, alter or disable anything, or truncate.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from hub.db.migrate import migrate
from hub.db.roles import APP_ROLE, RoleError, app_url, derived_password, grant_app_role
from tests.conftest import as_app, create_database

LEDGERS = ("service_record", "ledger_entry", "ledger_transaction", "review", "certificate")


@pytest.fixture(scope="module")
def owner_url(server_url: str) -> str:
    url = create_database(server_url, "hub_test_roles")
    migrate(url)
    migrate(url)  # idempotent: a second run grants again without complaint
    return url


@pytest.fixture
def app_conn(owner_url: str) -> Iterator[psycopg.Connection]:
    with psycopg.connect(as_app(owner_url), autocommit=True) as conn:
        yield conn


def _refused(conn: psycopg.Connection, statement: str) -> psycopg.Error:
    with pytest.raises(psycopg.Error) as caught:
        conn.execute(statement)
    return caught.value


def test_the_app_role_is_no_superuser_and_owns_nothing(app_conn: psycopg.Connection):
    row = app_conn.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication, "
        "(SELECT count(*) FROM pg_class WHERE relowner = r.oid), "
        "current_setting('synchronous_commit') FROM pg_roles r WHERE rolname = current_user"
    ).fetchone()
    assert row == (False, False, False, False, False, 0, "on")


def test_the_bypass_of_the_append_only_triggers_is_refused(app_conn: psycopg.Connection):
    error = _refused(app_conn, "SET session_replication_role = replica")
    assert isinstance(error, psycopg.errors.InsufficientPrivilege)
    for table in LEDGERS:
        for statement in (f"ALTER TABLE {table} DISABLE TRIGGER ALL",
                          f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only",
                          f"ALTER TABLE {table} ADD COLUMN sneaky int",
                          f"TRUNCATE {table} CASCADE", f"DROP TABLE {table} CASCADE"):
            error = _refused(app_conn, statement)
            assert isinstance(error, psycopg.errors.InsufficientPrivilege), statement
        column = app_conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
            "AND NOT attisdropped AND attidentity = '' AND attgenerated = '' ORDER BY attnum "
            "LIMIT 1", (table,)).fetchone()
        assert column is not None
        for statement in (f"UPDATE {table} SET {column[0]} = {column[0]}",
                          f"DELETE FROM {table}"):
            error = _refused(app_conn, statement)  # the trigger, even where no row matches
            assert error.diag.constraint_name == f"{table}_append_only", statement


@pytest.mark.parametrize("statement", [
    "SET ROLE postgres", "CREATE TABLE sneaky (id int)", "CREATE FUNCTION sneaky() RETURNS int "
    "LANGUAGE sql RETURN 1", "DROP TRIGGER service_record_append_only ON service_record",
    "INSERT INTO schema_migration (version, name, checksum) VALUES (9999, 'x', 'y')",
    "DELETE FROM schema_migration", "ALTER ROLE current_user SET session_replication_role = "
    "replica", "CREATE ROLE sneaky SUPERUSER", "ALTER SYSTEM SET fsync = off"])
def test_the_app_role_cannot_change_the_schema_or_escalate(app_conn: psycopg.Connection,
                                                           statement: str):
    assert isinstance(_refused(app_conn, statement), psycopg.errors.InsufficientPrivilege)


def test_the_app_role_reads_and_writes_every_table_and_sequence(app_conn: psycopg.Connection):
    rows = app_conn.execute(
        "SELECT c.relname, c.relkind = 'S', CASE WHEN c.relkind = 'S' THEN "
        "has_sequence_privilege(c.oid, 'USAGE') ELSE has_table_privilege(c.oid, "
        "'SELECT, INSERT, UPDATE, DELETE') END, has_table_privilege(c.oid, 'TRUNCATE') "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = "
        "'public' AND c.relkind IN ('r', 'S') AND c.relname NOT IN ('spatial_ref_sys', "
        "'schema_migration')").fetchall()
    assert len(rows) > 20
    assert [name for name, _, may, _ in rows if not may] == []
    assert [name for name, seq, _, truncate in rows if truncate and not seq] == []
    assert app_conn.execute("SELECT count(*) FROM schema_migration").fetchone() != (0,)


def test_tables_made_by_later_migrations_are_granted_too(owner_url: str,
                                                         app_conn: psycopg.Connection):
    with psycopg.connect(owner_url, autocommit=True) as owner:
        owner.execute("CREATE TABLE later_table (id bigint GENERATED ALWAYS AS IDENTITY, "
                      "note text)")
        try:
            app_conn.execute("INSERT INTO later_table (note) VALUES ('default privileges')")
            assert app_conn.execute("DELETE FROM later_table").rowcount == 1
        finally:
            owner.execute("DROP TABLE later_table")


def test_the_app_url_is_derived_from_the_owners():
    url = app_url("postgresql://hub:s3cret@db.example:5432/hub?sslmode=require")
    params = psycopg.conninfo.conninfo_to_dict(url)
    assert (params["user"], params["host"], params["dbname"], params["sslmode"]) == \
        (APP_ROLE, "db.example", "hub", "require")
    assert params["password"] == derived_password("s3cret") != "s3cret"
    assert "password" not in psycopg.conninfo.conninfo_to_dict(app_url("host=/run user=x"))
    given = "postgresql://reader:pw@pgbouncer/hub"
    assert app_url("postgresql://hub:s3cret@db/hub", given) == given


def test_the_owner_cannot_be_the_app_nor_can_a_role_above_the_rules(owner_url: str):
    with psycopg.connect(owner_url, autocommit=True) as owner:
        with pytest.raises(RoleError, match="is the schema owner"):
            grant_app_role(owner, owner_url)
        strong = f"hub_test_strong_{os.getpid()}"
        owner.execute(sql.SQL("CREATE ROLE {} BYPASSRLS").format(sql.Identifier(strong)))
        try:
            with pytest.raises(RoleError, match="superuser or bypasses row security"):
                grant_app_role(owner, f"user={strong}")
        finally:
            owner.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(strong)))
