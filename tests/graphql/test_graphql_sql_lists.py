"""Pages PostgreSQL writes as JSON (hub/schema/sql_lists.py) for registered documents.

The both-ways tests (test_graphql_fastpath.py) compare the answers with strawberry's for every
role; these check that the registered near documents are in fact written by PostgreSQL in one
statement, that other shapes take the ordinary plan, and that PostgreSQL masks and coarsens
exactly as the resolvers do on the names and homes most likely to differ.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from hub.auth import Caller, Role
from hub.pii import mask_name
from hub.schema import build_schema, schema
from hub.schema.node import encode_id
from hub.schema.trusted import TrustedDocument, TrustedDocuments
from hub.store.base import ConnectionDatabase, Params
from tests.seeded import PARTNER, Gql

ZZ = {"lon": 113.65, "lat": 34.75}
ADMIN = Caller(role=Role.ADMIN, sub="admin-1")
DISPATCHER = Caller(role=Role.DISPATCHER, sub="d1", region="410100000000")


class _Statements(ConnectionDatabase):
    """The test's connection, remembering every statement it ran."""

    def __init__(self, inner: ConnectionDatabase) -> None:
        super().__init__(inner.conn)
        self.seen: list[str] = []

    async def fetch(self, sql: str, params: Params = None, *,
                    binary: bool = False) -> list[dict[str, Any]]:
        self.seen.append(sql)
        return await super().fetch(sql, params, binary=binary)

    async def fetch_one(self, sql: str, params: Params = None, *,
                        binary: bool = False) -> tuple[Any, ...] | None:
        self.seen.append(sql)
        return await super().fetch_one(sql, params, binary=binary)


@pytest.mark.parametrize("name", ["Near", "BenchNear"])
@pytest.mark.parametrize("caller", [PARTNER, ADMIN, DISPATCHER], ids=["partner", "admin",
                                                                      "dispatcher"])
async def test_registered_near_pages_are_one_statement_written_by_postgresql(
        gql: Gql, name: str, caller: Caller) -> None:
    document = next(d for d in schema().trusted if d.name == name)
    variables = {**ZZ, "r": 5000.0, "n": 50} if name == "Near" else ZZ
    recording = _Statements(gql.db)
    data = await Gql(recording, gql.settings, gql.cipher).data(document.body, variables,
                                                               caller=caller)
    [sql] = recording.seen
    assert "string_agg('{\"node\":'" in sql
    assert len(data["volunteers"]["edges"]) == 50


async def test_other_shapes_take_the_ordinary_plan(gql: Gql) -> None:
    text = ("query Paged($lon: Float!, $lat: Float!) { volunteers(first: 5, near: {point: "
            "{lon: $lon, lat: $lat}, radiusM: 5000}) { edges { node { id name } } "
            "pageInfo { hasNextPage } } }")
    hub_schema = build_schema(trusted=TrustedDocuments([TrustedDocument.of(text)]))
    recording = _Statements(gql.db)
    data = await Gql(recording, gql.settings, gql.cipher).data(text, ZZ, caller=PARTNER,
                                                               on=hub_schema)
    assert not any("string_agg('{\"node\":'" in s for s in recording.seen)
    assert data["volunteers"]["pageInfo"]["hasNextPage"] is True
    plan = hub_schema.plans.get(text, None)
    assert plan is not None and plan.answered == 1


NAMES = ["李", "王芳", "欧阳小明", "阿依古丽·买买提", "Zoë", "😀x😀"]


async def test_postgresql_masks_names_and_places_homes_as_the_resolvers_do(gql: Gql) -> None:
    """Volunteers with awkward names at a far-off point, listed by the registered document
    (PostgreSQL) and by the same text unregistered (the resolvers), for every role."""
    ids = []
    for n, name in enumerate(NAMES):
        rows = await gql.db.fetch(
            "INSERT INTO volunteer (real_name, region_code, home_geom, skills) VALUES "
            "(%(n)s, '410102000000', ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326), "
            "%(s)s::jsonb) RETURNING id",
            {"n": name, "x": 100.0 + n * 1e-4 + 3.3e-8, "y": 20.0 + n * 1e-4 + 1e-9,
             "s": json.dumps({"health": 3, "agri_tech": 5} if n % 2 else {})})
        ids.append(rows[0]["id"])
    document = next(d for d in schema().trusted if d.name == "BenchNear")
    plain = build_schema(trusted=TrustedDocuments([]))
    near = {"lon": 100.0, "lat": 20.0}
    by_sql = [Caller(Role.VOLUNTEER, encode_id("Volunteer", ids[2])), PARTNER, ADMIN,
              DISPATCHER, Caller(Role.DISPATCHER, "d2", region="620000000000")]
    for caller in by_sql:
        written = await gql.data(document.body, near, caller=caller)
        resolved = await gql.data(document.body, near, caller=caller, on=plain)
        assert json.dumps(written, ensure_ascii=False) == json.dumps(resolved, ensure_ascii=False)
        names = [e["node"]["name"] for e in written["volunteers"]["edges"]]
        assert set(names) >= ({mask_name(n) for n in NAMES} if caller is PARTNER else set())
    skills = next(d for d in schema().trusted if d.name == "Near")
    vars_ = {**near, "r": 5000.0, "n": 10}
    for caller in (PARTNER, ADMIN):
        written = await gql.data(skills.body, vars_, caller=caller)
        resolved = await gql.data(skills.body, vars_, caller=caller, on=plain)
        assert written == resolved


async def test_skills_with_levels_and_aliases_are_written_as_the_resolvers_give_them(
        gql: Gql) -> None:
    text = ("query Levels($lon: Float!, $lat: Float!) { volunteers(first: 30, near: {point: "
            "{lon: $lon, lat: $lat}, radiusM: 8000}) { e: edges { n: node { i: id skills { "
            "level s: skill } where: location { lat lon } } } } }")
    registered = build_schema(trusted=TrustedDocuments([TrustedDocument.of(text)]))
    plain = build_schema(trusted=TrustedDocuments([]))
    recording = _Statements(gql.db)
    run = Gql(recording, gql.settings, gql.cipher)
    for caller in (PARTNER, ADMIN, DISPATCHER):
        recording.seen.clear()
        written = await run.data(text, ZZ, caller=caller, on=registered)
        assert len(recording.seen) == 1 and "string_agg('{\"n\":'" in recording.seen[0]
        resolved = await gql.data(text, ZZ, caller=caller, on=plain)
        assert json.dumps(written, ensure_ascii=False) == json.dumps(resolved, ensure_ascii=False)
        assert any(e["n"]["skills"] for e in written["volunteers"]["e"])


async def test_skill_codes_are_kept_in_code_point_order(gql: Gql) -> None:
    rows = await gql.db.fetch("""SELECT hub_jsonb_keys('{"b": 1, "ab": 1, "a_b": 1}') AS k""")
    assert rows[0]["k"] == ["a_b", "ab", "b"]  # "_" < "b" in code points, whatever collation
