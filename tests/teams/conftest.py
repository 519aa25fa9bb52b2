"""Each test module of team dispatch gets a scratch database of its own with the team tree
(tests/teams/teams_world.py), and a connection to it whose transactions really commit."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from hub.store.base import ConnectionDatabase
from tests.conftest import autocommit_database, migrated_database
from tests.teams.teams_world import Tree, make_tree


@pytest.fixture(scope="module")
def world(server_url: str, request: pytest.FixtureRequest) -> tuple[str, Tree]:
    """The database's URL and its tree."""
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    url = migrated_database(server_url, f"hub_test_{name}")
    return url, make_tree(url)


@pytest.fixture
async def db(world: tuple[str, Tree]) -> AsyncIterator[ConnectionDatabase]:
    async with autocommit_database(world[0]) as db:
        yield db
