"""The app's background sweeper stops when the app stops, even in the middle of a query.

Shutdown used to cancel the sweeper task and wait for it. On Python 3.11, ``asyncio.wait_for``
(which psycopg_pool uses while a caller waits for a connection) can drop a cancellation that
arrives just as the connection does; the sweeper then went on looping and shutdown waited
forever (about one app start-stop in twenty-five under the test client). Shutdown now asks
the sweeper to stop and cancels it only after a timeout, and the sweeper checks the request.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from hub.services import sweeps
from hub.store.base import PoolDatabase


async def test_shutdown_stops_a_sweep_blocked_in_the_database(
        seeded_url: str, aconn: psycopg.AsyncConnection[Any]) -> None:
    # The test's own transaction (rolled back afterwards) blocks every read of `dispatch`.
    await aconn.execute("LOCK TABLE dispatch IN ACCESS EXCLUSIVE MODE")
    async with AsyncConnectionPool(seeded_url, min_size=1, max_size=2, open=False,
                                   kwargs={"autocommit": True}) as pool:
        db = PoolDatabase(pool)
        started = time.monotonic()

        async def run() -> None:
            async with sweeps.background(db, ttl_s=60, sweep_s=0.05, stop_timeout_s=0.5):
                await asyncio.sleep(0.3)  # the first sweep is now waiting for the lock

        await asyncio.wait_for(run(), timeout=20)
        assert time.monotonic() - started < 10
        rows = await (await aconn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()")).fetchone()
        assert rows is not None and rows[0] == 0, "the cancelled sweep is still waiting"


async def test_shutdown_lets_an_idle_sweeper_go_at_once(seeded_url: str) -> None:
    async with AsyncConnectionPool(seeded_url, min_size=1, max_size=2, open=False,
                                   kwargs={"autocommit": True}) as pool:
        db = PoolDatabase(pool)
        started = time.monotonic()
        async with sweeps.background(db, ttl_s=60, sweep_s=30, stop_timeout_s=5):
            await asyncio.sleep(0.2)  # the first sweep has run; the sweeper now waits 30 s
        assert time.monotonic() - started < 3
