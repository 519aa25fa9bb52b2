"""Attacks on what the policy hides: rebuilding a masked ID number from what a role sees
together, and locating a home by steering boxes and radii. Each attack is first shown to work
where the data is there (so a pass means the data is missing, not that the attack is broken).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.geo.geodesy import coarsen
from hub.registration.idcard import check_character
from hub.schema.node import encode_id
from tests.seeded import PARTNER, Gql

DISPATCHER = Caller(Role.DISPATCHER, "d-zz", region="410100000000")
ADMIN = Caller(Role.ADMIN, "admin-1")
PAGE = """query($n: Int!) { volunteers(first: $n, filter: {regionCode: "410100"}) {
  edges { node { id name gender idNumber birthDate birthDecade region { code } } } } }"""
MIN_CANDIDATES = 100  # fewer would let a masked ID number be guessed in a few tries


def candidates(node: dict[str, Any], today: date) -> list[str]:
    """Every ID number consistent with what the caller sees of one volunteer, assuming the
    best case for the attacker: the number was issued in the volunteer's own county."""
    masked: str = node["idNumber"]
    prefix, tail = node["region"]["code"][:6], masked[-4:]
    if not prefix.startswith(masked[:3].strip("*")):
        return []
    if node["birthDate"]:
        days = [date.fromisoformat(node["birthDate"])]
    else:
        start = date(node["birthDecade"], 1, 1)
        end = min(date(node["birthDecade"] + 9, 12, 31), today)
        days = [start + timedelta(n) for n in range((end - start).days + 1)]
    out = []
    for born in days:
        first17 = prefix + born.strftime("%Y%m%d") + tail[:3]
        if check_character(first17) == tail[3]:
            out.append(first17 + tail[3])
    return out


async def test_a_masked_id_number_cannot_be_rebuilt_from_what_a_dispatcher_sees(
        gql: Gql) -> None:
    today = date.today()
    # The attack works where the birth date is given (an admin's view, masked the same way).
    admin = (await gql.data(PAGE, {"n": 100}, caller=ADMIN))["volunteers"]["edges"]
    from hub.pii import mask_id_number

    rebuilt = 0
    for edge in admin:
        node = {**edge["node"], "idNumber": mask_id_number(edge["node"]["idNumber"])}
        found = candidates(node, today)
        assert len(found) <= 1
        rebuilt += found == [edge["node"]["idNumber"]]
    assert rebuilt >= 90  # the seed issues most ID numbers in the home county
    # What a dispatcher of the region sees leaves hundreds of candidates for everyone.
    seen = (await gql.data(PAGE, {"n": 100}, caller=DISPATCHER))["volunteers"]["edges"]
    assert len(seen) == 100
    for edge in seen:
        node = edge["node"]
        assert node["birthDate"] is None and "*" in node["idNumber"]
        assert len(candidates(node, today)) >= MIN_CANDIDATES, node["id"]


async def test_partners_see_no_digit_of_an_id_number_or_phone(gql: Gql) -> None:
    query = """{ volunteers(first: 50) { edges { node { name idNumber phone birthDate } } } }"""
    for edge in (await gql.data(query, caller=PARTNER))["volunteers"]["edges"]:
        node = edge["node"]
        assert node["idNumber"] is None and node["phone"] is None and node["birthDate"] is None
        assert "*" in node["name"] or len(node["name"]) == 1


def _subjects(sconn: psycopg.Connection[Any], n: int) -> list[tuple[int, float, float]]:
    """Zhengzhou volunteers whose home lies well inside its cell (>= 100 m from its centre)."""
    rows = sconn.execute(
        "SELECT id, ST_X(home_geom), ST_Y(home_geom) FROM volunteer WHERE region_code LIKE "
        "'4101%%' AND status = 'active' AND home_geom IS NOT NULL AND ST_Distance(home_coarse, "
        "home_geom::geography) > 100 ORDER BY id LIMIT %s", (n,)).fetchall()
    assert len(rows) == n
    return [(r[0], r[1], r[2]) for r in rows]


BOX = """query($b: BBoxInput!) { volunteers(first: 100, within: {bbox: $b}) {
  edges { node { id } } } }"""
LAYER = """query($b: BBoxInput!) { mapLayer(layer: VOLUNTEERS, bbox: $b, limit: 10000) }"""


async def _found_in_box(gql: Gql, gid: str, box: dict[str, float], how: str) -> bool:
    if how == "list":
        data = await gql.data(BOX, {"b": box}, caller=PARTNER)
        return gid in {e["node"]["id"] for e in data["volunteers"]["edges"]}
    data = await gql.data(LAYER, {"b": box}, caller=PARTNER)
    return gid in {f["id"] for f in data["mapLayer"]["features"]}


async def _bisect(gql: Gql, gid: str, lon: float, lat: float, how: str) -> tuple[float, float]:
    """Where a caller who sees only membership in boxes would place the volunteer."""
    west, south, east, north = lon - 0.02, lat - 0.02, lon + 0.02, lat + 0.02
    for _ in range(24):  # 0.04° / 2^12 per axis: about a metre
        if east - west >= north - south:
            mid = (west + east) / 2
            half = {"west": west, "south": south, "east": mid, "north": north}
            if await _found_in_box(gql, gid, half, how):
                east = mid
            else:
                west = mid
        else:
            mid = (south + north) / 2
            half = {"west": west, "south": south, "east": east, "north": mid}
            if await _found_in_box(gql, gid, half, how):
                north = mid
            else:
                south = mid
    return (west + east) / 2, (south + north) / 2


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    dx = (lon2 - lon1) * 111_320 * math.cos(math.radians(lat1))
    return math.hypot(dx, (lat2 - lat1) * 110_540)


@pytest.mark.parametrize("how", ["list", "layer"])
async def test_bisecting_boxes_finds_the_cell_never_the_home(
        gql: Gql, sconn: psycopg.Connection[Any], how: str) -> None:
    for vid, lon, lat in _subjects(sconn, 3):
        gid = encode_id("Volunteer", vid)
        guess = await _bisect(gql, gid, lon, lat, how)
        cell = coarsen(lon, lat)
        assert _metres(*guess, float(cell[0]), float(cell[1])) < 5  # converges on the centre
        assert _metres(*guess, lon, lat) > 90  # … which is no closer to the home than that


async def test_shrinking_a_radius_measures_to_the_cell_never_the_home(
        gql: Gql, sconn: psycopg.Connection[Any]) -> None:
    near = """query($lon: Float!, $lat: Float!, $r: Float!) { volunteers(first: 100,
      near: {point: {lon: $lon, lat: $lat}, radiusM: $r}) { edges { node { id } } } }"""
    for vid, lon, lat in _subjects(sconn, 2):
        gid = encode_id("Volunteer", vid)
        low, high = 0.0, 3000.0  # from the exact home: the smallest radius that still finds
        for _ in range(30):
            mid = (low + high) / 2
            data = await gql.data(near, {"lon": lon, "lat": lat, "r": mid}, caller=PARTNER)
            if gid in {e["node"]["id"] for e in data["volunteers"]["edges"]}:
                high = mid
            else:
                low = mid
        cell = coarsen(lon, lat)
        to_cell = _metres(lon, lat, float(cell[0]), float(cell[1]))
        assert abs(high - to_cell) < 5 and high > 90  # the distance to the cell, not 0
