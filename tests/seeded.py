"""Fixtures on a small seeded database (a pytest plugin): in-process GraphQL, connections."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from strawberry.types import ExecutionResult

from hub.auth import ANONYMOUS, Caller, Role
from hub.localization import ENGLISH, Locale, using
from hub.pii import PiiCipher
from hub.schema import HubSchema, schema
from hub.schema.context import Context
from hub.seed import SeedOptions, china_today, seed
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.conftest import acting_as_app, migrated_database

# The data start today (China time), as the demo's do: demands lie in the weeks ahead, so
# tests that dispatch, check in or preview keep working whatever day they run.
SEED_SHIFT_DAYS = int(os.environ.get("HUB_TEST_SEED_SHIFT_DAYS", "0"))  # to try other days
SEED = SeedOptions(volunteers=3000, stations=400, demands=600, random_seed=11,
                   start_date=china_today() + timedelta(days=SEED_SHIFT_DAYS), progress=False)


PARTNER = Caller(role=Role.PARTNER, sub="partner-platform-1")
"""A coarse caller who still gets volunteer records (anonymous callers get none)."""


@pytest.fixture(scope="session")
def seeded_url(server_url: str, settings: Settings) -> str:
    """A database with the small demo set, committed once per session (tests only read it or
    write inside a rolled-back transaction)."""
    url = migrated_database(server_url, "hub_test_graphql")
    seed(url, SEED, settings=settings)
    return url


@pytest.fixture
async def aconn(seeded_url: str) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """An async connection in a transaction that is rolled back after the test."""
    conn = await psycopg.AsyncConnection.connect(seeded_url)
    try:
        yield conn
    finally:
        await conn.rollback()
        await conn.close()


@pytest.fixture
def sconn(seeded_url: str) -> Iterator[psycopg.Connection[Any]]:
    """A sync connection to the seeded database (rolled back)."""
    with psycopg.connect(seeded_url) as conn:
        yield conn
        conn.rollback()


@dataclass
class Gql:
    """Runs operations against the schema with a caller, counting SQL statements."""

    db: ConnectionDatabase
    settings: Settings
    cipher: PiiCipher

    async def __call__(self, query: str | None, variables: dict[str, Any] | None = None, *,
                       caller: Caller = ANONYMOUS, on: HubSchema | None = None,
                       extensions: dict[str, Any] | None = None,
                       locale: Locale = ENGLISH) -> ExecutionResult:
        """Run on the process's schema, or ``on`` another; ``extensions``: the request's.
        Messages in English by default, as the tests read them (the HTTP view picks the
        language by Accept-Language, Chinese by default: test_graphql_language.py)."""
        context = Context(db=self.db, caller=caller, settings=self.settings, cipher=self.cipher)
        async with acting_as_app(self.db.conn):  # as the app's role, as in production
            with using(locale):
                return await (on or schema()).execute(query, variable_values=variables,
                                                      context_value=context,
                                                      operation_extensions=extensions)

    async def data(self, query: str, variables: dict[str, Any] | None = None, *,
                   caller: Caller = ANONYMOUS, on: HubSchema | None = None,
                   locale: Locale = ENGLISH) -> Any:
        result = await self(query, variables, caller=caller, on=on, locale=locale)
        assert result.errors is None, result.errors
        return result.data


@pytest.fixture
def gql(aconn: psycopg.AsyncConnection[Any], settings: Settings) -> Gql:
    assert settings.data_key is not None
    return Gql(ConnectionDatabase(aconn), settings, PiiCipher.from_text(settings.data_key))


def errors_of(result: ExecutionResult) -> list[tuple[str, str]]:
    """(code, message) of each error."""
    return [((e.extensions or {}).get("code", ""), e.message) for e in result.errors or []]
