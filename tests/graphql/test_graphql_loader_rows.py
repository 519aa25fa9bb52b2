"""The volunteer loader (built with SQLAlchemy Core) gives the rows the map list (SQL text
measured by bench_graphql) gives, so a volunteer resolves alike however it was reached."""

from __future__ import annotations

from typing import Any

import psycopg

from hub.auth import ScopeAll
from hub.store import volunteers
from hub.store.base import ConnectionDatabase


async def test_a_loaded_volunteer_is_the_listed_one(aconn: psycopg.AsyncConnection[Any]):
    db = ConnectionDatabase(aconn)
    [team] = await db.fetch("SELECT organization_id AS id FROM membership "
                            "GROUP BY organization_id ORDER BY count(*) DESC LIMIT 1")
    compared = 0
    for scope_org in (None, team["id"]):
        page = await volunteers.list_(db, filter=volunteers.VolunteerFilter(), first=40,
                                      after=None, near=None, within=None, scope_org=scope_org,
                                      location_scope=ScopeAll())
        loaded = {row["id"]: row for row in await volunteers.get_many(
            db, ids=[row["id"] for row in page], scope_org=scope_org)}
        for listed in page:
            assert loaded[listed["id"]] == listed
            compared += 1
        if scope_org is not None:  # both answers occur
            assert {row["in_org"] for row in page} == {True, False}
    assert compared > 40
