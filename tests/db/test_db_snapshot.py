"""A request's reads see one snapshot (RequestDatabase.one_snapshot over the app's pool)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg
import pytest

from hub.store.base import PoolDatabase, RequestDatabase
from tests.db.conftest import pool_database

COUNT = "SELECT count(*) AS n FROM rate_limit WHERE bucket LIKE 'snapshot-test:%'"


@pytest.fixture
async def pooled(db_url: str) -> AsyncIterator[PoolDatabase]:
    async with pool_database(db_url, max_size=3, wait_s=1.0) as db:
        yield db
    with psycopg.connect(db_url, autocommit=True) as owner:
        owner.execute("DELETE FROM rate_limit WHERE bucket LIKE 'snapshot-test:%'")


def _commit_elsewhere(db_url: str, bucket: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as owner:
        owner.execute("INSERT INTO rate_limit (bucket, window_start, hits) "
                      "VALUES (%s, now(), 1)", (f"snapshot-test:{bucket}",))


async def test_reads_in_one_request_see_one_snapshot(pooled: PoolDatabase, db_url: str):
    async with RequestDatabase(pooled).one_snapshot() as db:
        [before] = await db.fetch(COUNT)
        _commit_elsewhere(db_url, "a")  # another session commits between two reads
        [after] = await db.fetch(COUNT)
        assert after == before
        [mode] = await db.fetch("SELECT current_setting('transaction_read_only') AS ro, "
                                "current_setting('transaction_isolation') AS iso")
        assert (mode["ro"], mode["iso"]) == ("on", "repeatable read")
    async with RequestDatabase(pooled).one_snapshot() as db:  # the next request sees it
        [later] = await db.fetch(COUNT)
        assert later["n"] == before["n"] + 1


async def test_a_write_ends_the_snapshot_and_later_reads_see_it(pooled: PoolDatabase,
                                                                 db_url: str):
    async with RequestDatabase(pooled).one_snapshot() as db:
        [before] = await db.fetch(COUNT)
        async with db.transaction() as tx:
            await tx.fetch("INSERT INTO rate_limit (bucket, window_start, hits) "
                           "VALUES ('snapshot-test:w', now(), 1)")
        [after] = await db.fetch(COUNT)
        assert after["n"] == before["n"] + 1
        assert db.statements == 3


async def test_a_failed_read_ends_the_snapshot_and_the_next_read_works(pooled: PoolDatabase):
    async with RequestDatabase(pooled).one_snapshot() as db:
        await db.fetch(COUNT)
        with pytest.raises(psycopg.errors.DivisionByZero):
            await db.fetch("SELECT 1 / 0")
        assert await db.fetch("SELECT 1 AS one") == [{"one": 1}]
    assert pooled.pool.get_stats().get("pool_available", 0) >= 1  # given back


async def test_a_read_only_snapshot_refuses_writes_outside_a_transaction(pooled: PoolDatabase):
    """Services write inside ``db.transaction()``; a stray write fails loudly, never lands
    in a read snapshot."""
    async with RequestDatabase(pooled).one_snapshot() as db:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            await db.fetch("INSERT INTO rate_limit (bucket, window_start, hits) "
                           "VALUES ('snapshot-test:ro', now(), 1)")


async def test_without_a_snapshot_each_read_borrows_its_own_connection(pooled: PoolDatabase,
                                                                        db_url: str):
    db = RequestDatabase(pooled)  # a WebSocket's context: statements as they come
    [before] = await db.fetch(COUNT)
    _commit_elsewhere(db_url, "b")
    [after] = await db.fetch(COUNT)
    assert after["n"] == before["n"] + 1
