"""Fixtures for activity tests: the records tests' small world, inside the rolled-back
seeded transaction, and attendance rules with a test key."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from hub.services.attendance import Rules
from hub.store.base import ConnectionDatabase
from tests.records.records_world import World, make_world

KEY = "attendance-test-key-0123456789abcdef"
RULES = Rules(key=KEY, step_s=120, max_distance_m=500.0, tolerance_s=3600)


@pytest.fixture
async def world(aconn: psycopg.AsyncConnection[Any]) -> World:
    return await make_world(aconn, volunteers=4, capacity=2)


@pytest.fixture
def db(aconn: psycopg.AsyncConnection[Any]) -> ConnectionDatabase:
    return ConnectionDatabase(aconn)
