"""Private embedded clusters for tests that stop and start one (never the shared ``.hub/``)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.db.embedded import EmbeddedCluster


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
