"""A Region resolves by its code of 6, 9 or 12 digits: as a federation entity and as a node."""

from __future__ import annotations

import pytest

from hub.schema.node import encode_id
from tests.seeded import Gql, errors_of

ENTITIES = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Region { code name level } } }"""
NODE = "query($id: ID!) { node(id: $id) { ... on Region { code name } } }"


@pytest.mark.parametrize("code", ["410100", "410100000", "410100000000"])
async def test_entities_find_a_region_by_6_9_or_12_digits(gql: Gql, code: str):
    data = await gql.data(ENTITIES, {"r": [{"__typename": "Region", "code": code}]})
    assert data["_entities"] == [{"code": "410100000000", "name": "郑州市", "level": "city"}]


async def test_entities_by_a_6_digit_county_code_and_by_id(gql: Gql):
    reps = [{"__typename": "Region", "code": "410105"},
            {"__typename": "Region", "id": encode_id("Region", "410105")}]
    data = await gql.data(ENTITIES, {"r": reps})
    assert [e["name"] for e in data["_entities"]] == ["金水区", "金水区"]
    assert {e["code"] for e in data["_entities"]} == {"410105000000"}


async def test_node_by_a_short_code(gql: Gql):
    data = await gql.data(NODE, {"id": encode_id("Region", "620100")})
    assert data["node"] == {"code": "620100000000", "name": "兰州市"}


async def test_unknown_code_is_null_and_a_non_code_is_a_coded_error(gql: Gql):
    unknown = await gql.data(ENTITIES, {"r": [{"__typename": "Region", "code": "410199"}]})
    assert unknown["_entities"] == [None]
    result = await gql(ENTITIES, {"r": [{"__typename": "Region", "code": "4101"}]})
    [(code, message)] = errors_of(result)
    assert code == "BAD_USER_INPUT"
    assert "'4101'" in message and "6, 9 or 12 digits" in message
    result = await gql(ENTITIES, {"r": [{"__typename": "Region", "code": "999999"}]})
    [(code, message)] = errors_of(result)
    assert code == "BAD_USER_INPUT" and "no province '99'" in message
