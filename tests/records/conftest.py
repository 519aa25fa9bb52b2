"""Fixtures for records tests, inside the rolled-back seeded transaction."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from hub.store.base import ConnectionDatabase
from tests.records.records_world import World, make_world


@pytest.fixture
async def world(aconn: psycopg.AsyncConnection[Any]) -> World:
    return await make_world(aconn)


@pytest.fixture
def db(aconn: psycopg.AsyncConnection[Any]) -> ConnectionDatabase:
    return ConnectionDatabase(aconn)
