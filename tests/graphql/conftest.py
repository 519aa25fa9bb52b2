"""Fixtures shared by the GraphQL tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg
import pytest

from hub.app import create_app
from hub.auth import issue_token
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.conftest import acting_as_app


@pytest.fixture
async def admin_http(aconn: psycopg.AsyncConnection[Any], settings: Settings
                     ) -> AsyncIterator[httpx.AsyncClient]:
    """The whole HTTP app as an admin, on the seeded PostGIS in the test's rolled-back
    transaction (its connection acting as the app's role)."""
    app = create_app(settings, database=ConnectionDatabase(aconn))
    token = issue_token(settings, sub="admin-1", role="admin")
    async with acting_as_app(aconn), app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub",
            headers={"Authorization": f"Bearer {token}"}) as http:
        yield http
