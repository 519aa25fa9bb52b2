"""Shared fixtures: a real PostGIS test database, one rolled-back transaction per test.

Set-up (creating, migrating, seeding) runs as the schema owner; what exercises the app runs as
the app's role (``hub.db.roles``), as in production: apps in tests connect with
:func:`as_app`, and in-process GraphQL runs under :func:`acting_as_app`.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from hub.db import database_url
from hub.db.migrate import migrate
from hub.db.roles import app_role, app_url
from hub.settings import Settings
from hub.store.base import ConnectionDatabase

# Databases the suite creates get this suffix, so that two runs on one server (a developer's
# and a helper's) do not drop each other's databases.
DB_SUFFIX = os.environ.get("HUB_TEST_DB_SUFFIX", "")
TEST_DB = "hub_test"
pytest_plugins = ["tests.seeded"]


def _server_url(settings: Settings) -> str:
    return database_url(settings, start=True)


def with_dbname(url: str, dbname: str) -> str:
    """The same server, another database."""
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    return make_conninfo("", **params)


def as_app(owner_url: str) -> str:
    """The same database as the app's role (HUB_APP_DATABASE_URL's, else hub_app)."""
    configured = Settings.from_env().app_database_url
    return with_dbname(app_url(owner_url, configured), str(conninfo_to_dict(owner_url)["dbname"]))


@contextlib.asynccontextmanager
async def acting_as_app(conn: psycopg.AsyncConnection[Any]) -> AsyncIterator[None]:
    """Statements on the owner's ``conn`` (in its transaction) run as the app's role."""
    role = sql.Identifier(app_role(Settings.from_env().app_database_url))
    await conn.execute(sql.SQL("SET LOCAL ROLE {}").format(role))
    try:
        yield
    finally:
        # After a failed statement the transaction ends with the test (and the role with it).
        with contextlib.suppress(psycopg.errors.InFailedSqlTransaction):
            await conn.execute("RESET ROLE")


@contextlib.asynccontextmanager
async def autocommit_database(url: str) -> AsyncIterator[ConnectionDatabase]:
    """The database at ``url`` on one autocommit connection of its own (as a server's pool
    lends one per statement: each commits by itself), closed at the end."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        yield ConnectionDatabase(conn)


def suffixed_db_name(name: str) -> str:
    """A test database's name with this run's suffix."""
    return name if name.endswith(DB_SUFFIX) else name + DB_SUFFIX


def create_database(admin_url: str, name: str) -> str:
    """Drop and create database ``name`` on the server of ``admin_url``; return its URL."""
    name = suffixed_db_name(name)
    with psycopg.connect(with_dbname(admin_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return with_dbname(admin_url, name)


TEST_DATA_KEY = "q83vEjRUAhVqa5ZxLmW0JtL0Q8QWJ3tDqRb0fU5yY2k="
TEST_JWT_SECRET = "test-secret-that-is-long-enough-for-hs256!"


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for tests: a throwaway home, data key and token secret."""
    return replace(
        Settings.from_env(),
        data_key=TEST_DATA_KEY,
        jwt_secret=TEST_JWT_SECRET,
        jwt_algorithm="HS256",
        attendance_code_key="test-attendance-code-key-0123456789",
        home=tmp_path_factory.mktemp("hub-home"),
    )


@pytest.fixture(scope="session")
def server_url() -> str:
    """The PostgreSQL server the tests use (DATABASE_URL, else the embedded cluster)."""
    return _server_url(Settings.from_env())


def migrated_database(server_url: str, name: str) -> str:
    """A fresh database ``name`` (with this run's suffix), migrated, with the divisions loaded;
    its URL (as the owner)."""
    from hub.seed import regions

    url = create_database(server_url, name)
    migrate(url)
    with psycopg.connect(url) as conn:
        regions.load(conn)
        conn.commit()
    return url


@pytest.fixture(scope="session")
def db_url(server_url: str) -> str:
    """A freshly created and migrated test database, once per session."""
    return migrated_database(server_url, TEST_DB)


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    with psycopg.connect(db_url) as connection:
        try:
            yield connection
        finally:
            connection.rollback()


@pytest.fixture
def tmp_home(tmp_path: Path) -> Path:
    """An empty directory standing in for ``.hub/``."""
    home = tmp_path / "hub-home"
    home.mkdir()
    return home
