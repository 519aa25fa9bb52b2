"""No N+1: nested queries cost a number of statements that does not grow with the rows."""

from __future__ import annotations

from typing import Any

import psycopg

from hub.schema.node import encode_id
from tests.seeded import PARTNER, Gql

ORGS = """query($n: Int!) {
  organizations(first: $n, filter: {levels: ["squad"]}) { edges { node { name memberCount
  parent { name } children { name } ancestors { name }
  members { role volunteer { name memberships { role organization { name region { name } } } } }
} } } }"""
DEMANDS = """query($n: Int!) { demands(first: $n) { edges { node { title
  station { name region { name parent { name } } organization { name } } region { name } } } } }"""
ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Volunteer { name memberships { role organization { name } } region { name } }
  ... on Station { name region { name } } } }"""


async def _statements(gql: Gql, query: str, variables: dict[str, Any]) -> int:
    before = gql.db.statements
    await gql.data(query, variables)
    return gql.db.statements - before


async def test_nested_organizations_do_not_grow_with_rows(gql: Gql):
    few = await _statements(gql, ORGS, {"n": 3})
    many = await _statements(gql, ORGS, {"n": 25})
    assert many == few
    assert few <= 12


async def test_demands_with_stations_and_regions_do_not_grow_with_rows(gql: Gql):
    few = await _statements(gql, DEMANDS, {"n": 2})
    many = await _statements(gql, DEMANDS, {"n": 100})
    assert many == few
    assert few <= 6


async def test_entities_for_100_representations_are_batched(gql: Gql,
                                                            sconn: psycopg.Connection[Any]):
    ids = [r[0] for r in sconn.execute("SELECT id FROM volunteer ORDER BY id LIMIT 90")]
    stations = [r[0] for r in sconn.execute("SELECT id FROM station ORDER BY id LIMIT 10")]
    reps = ([{"__typename": "Volunteer", "id": encode_id("Volunteer", i)} for i in ids]
            + [{"__typename": "Station", "id": encode_id("Station", i)} for i in stations])
    before = gql.db.statements
    data = await gql.data(ENTITIES, {"r": reps}, caller=PARTNER)
    assert gql.db.statements - before <= 6
    names = [e["name"] for e in data["_entities"]]
    assert len(names) == 100 and all(names)
    assert data["_entities"][0]["memberships"] is not None
    # Anonymous callers get no volunteer record, and pay no statement for one.
    before = gql.db.statements
    reps = ([{"__typename": "Volunteer", "id": encode_id("Volunteer", i)} for i in ids]
            + [{"__typename": "Station", "id": encode_id("Station", i)} for i in stations])
    data = await gql.data(ENTITIES, {"r": reps})  # strawberry popped __typename from the first
    assert [e is None for e in data["_entities"]] == [True] * 90 + [False] * 10
    assert gql.db.statements - before <= 2
