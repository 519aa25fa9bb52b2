"""The request pool: connections the server ended are replaced, losses and waits are coded."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import psycopg
import pytest

from hub.db.pool import DatabaseUnavailable
from hub.store.base import PoolDatabase
from tests.db.conftest import pool_database


@pytest.fixture
async def pooled(db_url: str) -> AsyncIterator[PoolDatabase]:
    async with pool_database(db_url, max_size=1, wait_s=0.3) as db:
        yield db


def _terminate(db_url: str, pid: int) -> None:
    with psycopg.connect(db_url, autocommit=True) as owner:
        assert owner.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone() == (True,)


async def test_a_connection_the_server_ended_while_idle_is_replaced_unnoticed(
        pooled: PoolDatabase, db_url: str):
    [first] = await pooled.fetch("SELECT pg_backend_pid() AS pid")
    _terminate(db_url, first["pid"])
    await asyncio.sleep(0.1)  # the server's goodbye reaches the idle socket
    [second] = await pooled.fetch("SELECT pg_backend_pid() AS pid")
    assert second["pid"] != first["pid"]
    assert not pooled.availability.down


async def test_a_connection_lost_mid_statement_is_unavailable_not_an_internal_error(
        pooled: PoolDatabase, db_url: str):
    [row] = await pooled.fetch("SELECT pg_backend_pid() AS pid")
    sleeping = asyncio.create_task(pooled.fetch("SELECT pg_sleep(30)"))
    await asyncio.sleep(0.2)
    await asyncio.to_thread(_terminate, db_url, row["pid"])
    with pytest.raises(DatabaseUnavailable) as caught:
        await asyncio.wait_for(sleeping, timeout=5)
    assert caught.value.extensions["code"] == "DATABASE_UNAVAILABLE"
    assert pooled.availability.down
    deadline = time.monotonic() + 2  # the pool reconnects and serves again by itself
    while True:
        try:
            assert await pooled.fetch("SELECT 1 AS one") == [{"one": 1}]
            break
        except DatabaseUnavailable:
            assert time.monotonic() < deadline, "the pool did not reconnect"
    assert not pooled.availability.down
    with pytest.raises(psycopg.errors.DivisionByZero):  # a refusal is no outage
        await pooled.fetch("SELECT 1 / 0")
    assert not pooled.availability.down


async def test_no_free_connection_within_the_wait_is_unavailable(pooled: PoolDatabase):
    async with pooled.connection():  # the only connection is taken
        started = time.monotonic()
        with pytest.raises(DatabaseUnavailable, match=r"no connection within 0\.3 s"):
            await pooled.fetch("SELECT 1")
        assert time.monotonic() - started < 1.0
