"""The review log and the visibility of drafts cost statements that do not grow with rows."""

from __future__ import annotations

from typing import Any

import psycopg

from hub.auth import Caller, Role
from hub.pii import PiiCipher
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.publishing.conftest import REGION, Land
from tests.seeded import Gql

LIST = """query($n: Int!) { stations(first: $n, filter: {regionCode: "410303",
  statuses: ["rejected"]}) { edges {
  node { status reviews { decision reason } } } }
  projects(first: $n) { edges { node { status reviews { decision } owner { name }
  activities { status station { name } reviews { decision } } } } } }"""
ADMIN = Caller(Role.ADMIN, "admin-1")


async def _world(conn: psycopg.AsyncConnection[Any], land: Land, n: int) -> None:
    """``n`` rejected stations and ``n`` pending projects with an activity each, logged."""
    for k in range(n):
        cur = await conn.execute(
            "INSERT INTO station (name, kind, location_geom, region_code, status) VALUES "
            "(%s, 'park', ST_SetSRID(ST_MakePoint(112.45, 34.62), 4326), %s, 'rejected') "
            "RETURNING id", (f"站点{k:03d}", REGION))
        station = (await cur.fetchone() or [0])[0]
        cur = await conn.execute(
            "INSERT INTO project (name, owner_id, period, status) VALUES (%s, %s, "
            "'[2030-01-01,2030-12-31)', 'pending_review') RETURNING id", (f"项目{k:03d}",
                                                                           land.team))
        project = (await cur.fetchone() or [0])[0]
        await conn.execute(
            "INSERT INTO activity (title, organization_id, project_id, category, time_window, "
            "location_geom, region_code, capacity, status, station_id) VALUES ('活动', %s, %s, "
            "'health', tstzrange(now() + interval '2 days', now() + interval '3 days'), "
            "ST_SetSRID(ST_MakePoint(112.45, 34.62), 4326), %s, 5, 'draft', %s)",
            (land.team, project, REGION, station))
        await conn.execute(
            "INSERT INTO publication_review (subject_kind, subject_id, decision, from_status, "
            "to_status, reason, actor) VALUES ('station', %s, 'reject', 'pending_review', "
            "'rejected', '缺少标识', 'dispatcher:d'), ('project', %s, 'submit', 'draft', "
            "'pending_review', '', 'org_admin:o')", (station, project))


async def test_reviews_and_relations_do_not_grow_with_rows(
        pconn: psycopg.AsyncConnection[Any], land: Land, settings: Settings) -> None:
    assert settings.data_key is not None
    gql = Gql(ConnectionDatabase(pconn), settings, PiiCipher.from_text(settings.data_key))

    async def statements(n: int) -> int:
        before = gql.db.statements
        data = await gql.data(LIST, {"n": n}, caller=ADMIN)
        rejected = [e["node"] for e in data["stations"]["edges"]
                    if e["node"]["status"] == "rejected"]
        assert len(rejected) == n
        assert all(r["reviews"] == [{"decision": "reject", "reason": "缺少标识"}]
                   for r in rejected)
        return gql.db.statements - before

    await _world(pconn, land, 25)
    few, many = await statements(2), await statements(25)
    assert many == few <= 12
