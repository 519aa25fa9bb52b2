"""Map queries: exact nearest-first, pages, areas, coordinate systems, map layers, the tree."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from hub.geo.crs import convert
from tests.seeded import PARTNER, Gql

NEAR = """query($lon: Float!, $lat: Float!, $r: Float!, $first: Int, $after: String, $crs: CRS) {
  volunteers(first: $first, after: $after, near: {point: {lon: $lon, lat: $lat, crs: $crs},
  radiusM: $r}) { edges { node { id distanceM } } pageInfo { hasNextPage endCursor } } }"""
ADMIN = {"role": "admin"}


def _brute_force(sconn: psycopg.Connection[Any], lon: float, lat: float, r: float) -> list[Any]:
    return sconn.execute(
        "SELECT id, ST_Distance(home, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography) d "
        "FROM volunteer WHERE ST_Distance(home, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography)"
        " <= %s ORDER BY d, id", (lon, lat, lon, lat, r)).fetchall()


async def _admin(gql: Gql, query: str, variables: dict[str, Any]) -> Any:
    from hub.auth import Caller, Role

    return await gql.data(query, variables, caller=Caller(role=Role.ADMIN, sub="a"))


async def test_near_is_exact_nearest_first_across_pages(gql: Gql, sconn: psycopg.Connection[Any]):
    lon, lat, radius = 113.66, 34.75, 6000.0
    truth = _brute_force(sconn, lon, lat, radius)
    assert len(truth) > 60
    seen: list[float] = []
    after = None
    while True:
        data = await _admin(gql, NEAR, {"lon": lon, "lat": lat, "r": radius, "first": 25,
                                        "after": after})
        page = data["volunteers"]
        seen += [e["node"]["distanceM"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [round(float(d), 1) for _, d in truth]


async def test_near_ids_match_brute_force(gql: Gql, sconn: psycopg.Connection[Any]):
    from hub.schema.node import encode_id

    lon, lat = 103.83, 36.06  # 兰州
    truth = _brute_force(sconn, lon, lat, 20_000)[:50]
    data = await _admin(gql, NEAR, {"lon": lon, "lat": lat, "r": 20_000.0, "first": 50})
    got = [e["node"]["id"] for e in data["volunteers"]["edges"]]
    assert got == [encode_id("Volunteer", i) for i, _ in truth]


async def test_near_accepts_gcj02_points(gql: Gql):
    wgs = (113.66, 34.75)
    gcj = convert(*wgs, "WGS84", "GCJ02")
    a = await _admin(gql, NEAR, {"lon": wgs[0], "lat": wgs[1], "r": 3000.0, "first": 10})
    b = await _admin(gql, NEAR, {"lon": float(gcj[0]), "lat": float(gcj[1]), "r": 3000.0,
                                 "first": 10, "crs": "GCJ02"})
    # The same volunteers at the same distances (to the millimetre of the exact inverse).
    assert a["volunteers"]["edges"] == b["volunteers"]["edges"]


async def test_locations_are_given_in_the_asked_crs(gql: Gql):
    query = """{ stations(first: 3) { edges { node { w: location { lon lat }
      g: location(crs: GCJ02) { lon lat } b: location(crs: BD09) { lon lat } } } } }"""
    data = await gql.data(query)
    for edge in data["stations"]["edges"]:
        node = edge["node"]
        for key, crs in (("g", "GCJ02"), ("b", "BD09")):
            lon, lat = convert(node["w"]["lon"], node["w"]["lat"], "WGS84", crs)
            assert abs(node[key]["lon"] - lon) < 1e-6 and abs(node[key]["lat"] - lat) < 1e-6


async def test_within_bbox_and_polygon(gql: Gql, sconn: psycopg.Connection[Any]):
    west, south, east, north = 113.5, 34.6, 113.8, 34.9
    truth = sconn.execute("SELECT count(*) FROM station WHERE location_geom && "
                          "ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
                          (west, south, east, north)).fetchone()
    assert truth is not None and truth[0] > 0
    box = {"west": west, "south": south, "east": east, "north": north}
    data = await gql.data("query($b: BBoxInput!) { stations(first: 100, within: {bbox: $b}) "
                          "{ totalCount } }", {"b": box})
    assert data["stations"]["totalCount"] == truth[0]
    polygon = {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north],
                                                   [west, north], [west, south]]]}
    data = await gql.data("query($g: GeoJSON!) { stations(within: {geojson: $g}) "
                          "{ totalCount } }", {"g": polygon})
    assert data["stations"]["totalCount"] == truth[0]


async def test_filters_narrow_demands(gql: Gql, sconn: psycopg.Connection[Any]):
    truth = sconn.execute("SELECT count(*) FROM demand WHERE region_code LIKE '4101%' AND "
                          "category = 'health' AND status = 'open'").fetchone()
    query = """{ demands(filter: {regionCode: "410100", categories: ["health"],
      statuses: ["open"]}) { totalCount edges { node { category region { code } } } } }"""
    data = await gql.data(query)
    assert data["demands"]["totalCount"] == truth[0]
    for edge in data["demands"]["edges"]:
        assert edge["node"]["category"] == "health"
        assert edge["node"]["region"]["code"].startswith("4101")


async def test_nearest_stations_are_sorted_and_exact(gql: Gql):
    data = await gql.data("{ nearestStations(point: {lon: 113.66, lat: 34.75}, k: 5) "
                          "{ name distanceM } }")
    distances = [s["distanceM"] for s in data["nearestStations"]]
    assert len(distances) == 5 and distances == sorted(distances)


async def test_map_layer_is_one_statement_and_coarsens_volunteers(gql: Gql):
    query = """query($layer: MapLayer!) { mapLayer(layer: $layer, bbox: {west: 113.5,
      south: 34.6, east: 113.8, north: 34.9}, limit: 50) }"""
    before = gql.db.statements
    data = await gql.data(query, {"layer": "VOLUNTEERS"}, caller=PARTNER)
    assert gql.db.statements - before == 1
    collection = data["mapLayer"]
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == 50
    assert collection["truncated"] is True
    for feature in collection["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert feature["type"] == "Feature" and feature["properties"]["exact"] is False
        for value in (lon, lat):  # a cell centre
            assert abs(value * 100 - round(value * 100 - 0.5) - 0.5) < 1e-6
    # Anonymous callers get counts per cell and no record of anyone.
    cells = (await gql.data(query, {"layer": "VOLUNTEERS"}))["mapLayer"]
    assert cells["features"] and all(set(f) == {"type", "geometry", "properties"}
                                     and set(f["properties"]) == {"count"}
                                     and f["properties"]["count"] >= 1
                                     for f in cells["features"])
    centres = [tuple(f["geometry"]["coordinates"]) for f in cells["features"]]
    assert len(set(centres)) == len(centres)
    stations = (await gql.data(query, {"layer": "STATIONS"}))["mapLayer"]
    assert stations["features"][0]["properties"]["kind"]


async def test_organization_tree(gql: Gql):
    query = """{ organizations(first: 1, filter: {levels: ["squad"]}) { edges { node { name
      level ancestors { level } parent { level children { level } } subtreeMemberCount
      memberCount } } } }"""
    node = (await gql.data(query))["organizations"]["edges"][0]["node"]
    assert [a["level"] for a in node["ancestors"]] == ["corps", "team", "detachment"]
    assert node["parent"]["level"] == "detachment"
    assert {c["level"] for c in node["parent"]["children"]} == {"squad"}
    assert node["subtreeMemberCount"] == node["memberCount"] > 0


async def test_regions_tree_and_priority_flags(gql: Gql):
    data = await gql.data('{ regions(parentCode: "620000") { code name isPriorityArea '
                          'parent { name } } }')
    names = {r["name"]: r for r in data["regions"]}
    assert names["临夏回族自治州"]["isPriorityArea"] is True
    assert names["兰州市"]["parent"]["name"] == "甘肃省"


async def test_near_for_coarse_callers_is_exact_on_the_coarsened_points(
        gql: Gql, sconn: psycopg.Connection[Any]):
    lon, lat, radius = 113.66, 34.75, 5000.0
    point = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography"
    visible = "hub_coarse(home_geom)::geography"  # computed here, not the stored column
    truth = sconn.execute(
        f"SELECT round(ST_Distance({visible}, {point})::numeric, 1) d FROM volunteer "
        f"WHERE ST_Distance({visible}, {point}) <= %s ORDER BY ST_Distance({visible}, {point}), id",
        (lon, lat, lon, lat, radius, lon, lat)).fetchall()
    seen: list[float] = []
    after = None
    while True:
        data = await gql.data(NEAR, {"lon": lon, "lat": lat, "r": radius, "first": 40,
                                     "after": after}, caller=PARTNER)
        page = data["volunteers"]
        seen += [e["node"]["distanceM"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(truth) > 40 and seen == [float(d) for (d,) in truth]


@pytest.mark.parametrize(("lon", "lat", "radius", "first"), [
    (113.65, 34.75, 5_000.0, 7),      # 郑州: the grid walk
    (113.676, 34.744, 5_000.0, 1),    # pages smaller than a cell's population
    (103.83, 36.06, 20_000.0, 40),    # 兰州
    (98.5, 39.7, 300_000.0, 100),     # 酒泉: few within reach, too many cells: the plain way
])
async def test_coarse_near_matches_brute_force_across_pages(
        gql: Gql, sconn: psycopg.Connection[Any], lon: float, lat: float, radius: float,
        first: int) -> None:
    """Coarse callers (partners) get the nearest by coarse home, ties by id, on every page."""
    from hub.schema.node import encode_id

    point = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography"
    truth = sconn.execute(
        f"SELECT id, ST_Distance(home_coarse, {point}) d FROM volunteer "
        f"WHERE ST_Distance(home_coarse, {point}) <= %s ORDER BY d, id LIMIT %s",
        (lon, lat, lon, lat, radius, 3 * first)).fetchall()
    got: list[str] = []
    after = None
    for _ in range(3):
        data = await gql.data(NEAR, {"lon": lon, "lat": lat, "r": radius, "first": first,
                                     "after": after}, caller=PARTNER)
        page = data["volunteers"]
        got += [e["node"]["id"] for e in page["edges"]]
        after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
    assert truth
    assert got == [encode_id("Volunteer", i) for i, _ in truth][:len(got)]
    assert len(got) == min(len(truth), 3 * first)
