"""Bad input gets a coded error naming the field and the value; limits refuse at once."""

from __future__ import annotations

import base64

import pytest

from hub.schema.node import encode_id
from tests.seeded import PARTNER, Gql, errors_of

NEAR = """query($lat: Float!) { volunteers(near: {point: {lon: 113.6, lat: $lat}, radiusM: 1000})
  { edges { node { id } } } }"""


async def test_latitude_91_is_bad_user_input_naming_field_and_value(gql: Gql):
    [(code, message)] = errors_of(await gql(NEAR, {"lat": 91}, caller=PARTNER))
    assert code == "BAD_USER_INPUT"
    assert "near.point.lat" in message and "91" in message


@pytest.mark.parametrize(("value", "expect"), [
    ("not-base64!!", "is not a global ID of this API"),
    (base64.b64encode(b"Spaceship:1").decode(), "is not a global ID of this API"),
    (base64.b64encode(b"Volunteer:abc").decode(), "is not a global ID of this API"),
])
async def test_malformed_global_ids_are_bad_user_input(gql: Gql, value: str, expect: str):
    result = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": value})
    [(code, message)] = errors_of(result)
    assert code == "BAD_USER_INPUT" and expect in message and value in message


async def test_a_foreign_global_id_is_refused_naming_both_types(gql: Gql):
    query = """query($org: ID!) { volunteers(filter: {organizationId: $org}) { edges { node { id } }
      } }"""
    result = await gql(query, {"org": encode_id("Station", 1)}, caller=PARTNER)
    [(code, message)] = errors_of(result)
    assert code == "BAD_USER_INPUT"
    assert "filter.organizationId" in message and "Station" in message


async def test_an_unknown_node_is_null(gql: Gql):
    data = await gql.data("query($id: ID!) { node(id: $id) { id } }",
                          {"id": encode_id("Volunteer", 999_999_999)})
    assert data == {"node": None}


async def test_a_self_intersecting_polygon_is_bad_user_input(gql: Gql):
    bowtie = {"type": "Polygon",
              "coordinates": [[[113, 34], [114, 35], [114, 34], [113, 35], [113, 34]]]}
    query = """query($g: GeoJSON!) { stations(within: {geojson: $g}) { edges { node { id } } } }"""
    [(code, message)] = errors_of(await gql(query, {"g": bowtie}))
    assert code == "BAD_USER_INPUT" and "within.geojson" in message
    assert "Self-intersection" in message


async def test_an_unknown_division_code_is_bad_user_input(gql: Gql):
    result = await gql('{ demands(filter: {regionCode: "419999"}) { edges { node { id } } } }')
    [(code, message)] = errors_of(result)
    assert code == "BAD_USER_INPUT" and "filter.regionCode" in message and "419999" in message
    result = await gql('{ regions(parentCode: "12ab") { code } }')
    assert errors_of(result)[0][0] == "BAD_USER_INPUT"


async def test_a_page_of_100000_is_refused(gql: Gql):
    result = await gql("{ stations(first: 100000) { edges { node { id } } } }")
    [(code, message)] = errors_of(result)
    assert code == "BAD_USER_INPUT" and "first" in message and "100000" in message


async def test_a_bad_cursor_and_unknown_vocabulary_are_refused(gql: Gql):
    result = await gql('{ stations(after: "garbage") { edges { node { id } } } }')
    assert errors_of(result)[0][0] == "BAD_USER_INPUT"
    result = await gql('{ volunteers(filter: {skills: ["astrology"]}) { edges { node { id } } } }',
                       caller=PARTNER)
    [(code, message)] = errors_of(result)
    assert code == "BAD_USER_INPUT" and "astrology" in message


async def test_depth_aliases_tokens_and_cost_are_limited(gql: Gql):
    deep = "{ regions { " + "children { " * 14 + "code" + " }" * 14 + " } }"
    assert errors_of(await gql(deep))
    aliases = "{ " + " ".join(f"a{i}: regions {{ code }}" for i in range(40)) + " }"
    assert errors_of(await gql(aliases))
    tokens = "{ regions { " + " ".join(["code"] * 4000) + " } }"
    assert errors_of(await gql(tokens))
    costly = """{ volunteers(first: 100) { edges { node { memberships { organization {
      children { children { children { name } } } } } } } } }"""
    [(code, message)] = errors_of(await gql(costly))
    assert code == "QUERY_TOO_COMPLEX" and "cost" in message


async def test_an_unexpected_failure_is_an_internal_error_without_details(gql: Gql):
    await gql.db.conn.execute("ALTER TABLE region RENAME COLUMN name TO name_gone")
    result = await gql('{ regions { name } }')
    [(code, message)] = errors_of(result)
    assert code == "INTERNAL_SERVER_ERROR"
    assert "name_gone" not in message and "column" not in message


async def test_repeated_queries_are_validated_once(gql: Gql):
    from hub.schema import schema

    documents = schema().documents  # parsed documents and validation outcomes, by text
    # Not a registered document: every run goes through strawberry (nothing compiles it).
    query = '{ ...R } fragment R on Query { regions(parentCode: "410000") { code name } }'
    await gql.data(query)
    validations = documents.validations
    for _ in range(3):
        await gql.data(query)
    assert documents.validations == validations
    assert query in documents.entries
