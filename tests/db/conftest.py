"""Private embedded clusters for tests that stop and start one (never the shared ``.hub/``)."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from hub.db.embedded import EmbeddedCluster
from hub.db.pool import make_pools
from hub.store.base import PoolDatabase
from tests.conftest import as_app


@pytest.fixture
def private_home() -> Iterator[Path]:
    """A home for a private cluster, stopped and removed afterwards.

    Not under pytest's tmp_path: pytest makes /tmp/pytest-of-<user> private (0700) whenever a
    session starts, so a concurrent run would lock the ``postgres`` user out of the cluster.
    """
    home = Path(tempfile.mkdtemp(prefix="hub-test-home-"))
    try:
        yield home
    finally:
        EmbeddedCluster(home).stop()
        shutil.rmtree(home, ignore_errors=True)


@contextlib.asynccontextmanager
async def pool_database(db_url: str, *, max_size: int, wait_s: float
                        ) -> AsyncIterator[PoolDatabase]:
    """The app's request pool over ``db_url`` (as the app's role), open for the block."""
    pool, _ = make_pools(as_app(db_url), min_size=1, max_size=max_size, wait_s=wait_s)
    await pool.open(wait=True)
    try:
        yield PoolDatabase(pool)
    finally:
        await pool.close()
