"""Fixtures for the tile tests: one app over the seeded database, tokens, MVT decoding."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth import issue_token
from hub.settings import Settings
from tests.conftest import as_app


@pytest.fixture(scope="module")
def client(seeded_url: str, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database_url=as_app(seeded_url))) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def admin(settings: Settings) -> dict[str, str]:
    return {"Authorization": "Bearer " + issue_token(settings, sub="admin-t", role="admin")}
