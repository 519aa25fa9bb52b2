"""Fixtures for notifications: a scratch database of its own (workers and the relay commit on
their own connections), emptied of events, inbox rows, webhooks and jobs before each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import psycopg
import pytest

from hub.db.pool import Availability, make_pools
from hub.store.base import PoolDatabase
from tests.conftest import as_app, migrated_database


@pytest.fixture(scope="session")
def notify_url(server_url: str) -> str:
    """The owner's URL of a migrated scratch database for the notification tests."""
    return migrated_database(server_url, "hub_test_notify")


@pytest.fixture
def clean(notify_url: str) -> str:
    """No events, inbox rows, webhooks or jobs left by an earlier test; the app role's URL."""
    with psycopg.connect(notify_url, autocommit=True) as conn:
        conn.execute("TRUNCATE outbox_event, notification, notification_read, webhook, "
                     "webhook_delivery, partner_contract, procrastinate_jobs, "
                     "procrastinate_periodic_defers, procrastinate_events, "
                     "procrastinate_workers, job_error CASCADE")
    return as_app(notify_url)


@pytest.fixture
async def db(clean: str) -> AsyncIterator[PoolDatabase]:
    """A pool on the scratch database, as the app's role."""
    pool, _reads = make_pools(clean, min_size=1, max_size=6, wait_s=5.0)
    await pool.open()
    try:
        yield PoolDatabase(pool, Availability(5.0))
    finally:
        await pool.close()
