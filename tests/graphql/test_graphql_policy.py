"""Who may see what: every role against every protected field, inside and outside scope."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from hub.auth import ANONYMOUS, Caller, Role
from hub.geo.geodesy import coarsen
from hub.pii import PiiCipher, mask_name
from hub.schema.node import encode_id
from tests.seeded import PARTNER, Gql

QUERY = """query($id: ID!) { node(id: $id) { ... on Volunteer {
  name phone idNumber birthDate birthDecade location { lon lat } } } }"""


def _subject(sconn: psycopg.Connection[Any], cipher: PiiCipher) -> dict[str, Any]:
    """A Zhengzhou volunteer in a county detachment, with everything the tests compare."""
    row = sconn.execute(
        "SELECT v.id, v.region_code, v.phone_enc, v.id_number_enc, v.birth_date, "
        "ST_X(v.home_geom), ST_Y(v.home_geom), o.id, o.parent_id, v.phone_masked, "
        "v.id_number_masked, v.real_name FROM volunteer v "
        "JOIN membership m ON m.volunteer_id = v.id JOIN organization o "
        "ON o.id = m.organization_id WHERE v.region_code LIKE '4101%' "
        "AND o.level = 'detachment' ORDER BY v.id LIMIT 1").fetchone()
    assert row is not None
    other_org = sconn.execute("SELECT id FROM organization WHERE region_code LIKE '62%' AND "
                              "level = 'detachment' ORDER BY id LIMIT 1").fetchone()
    other_volunteer = sconn.execute("SELECT id FROM volunteer WHERE id <> %s ORDER BY id LIMIT 1",
                                    (row[0],)).fetchone()
    assert other_org and other_volunteer
    lon, lat = coarsen(row[5], row[6])
    return {
        "id": row[0], "region": row[1], "org": row[7], "city_team": row[8],
        "other_org": other_org[0], "other_volunteer": other_volunteer[0],
        "phone": cipher.decrypt(row[2], field="phone"), "phone_masked": row[9],
        "id_number": cipher.decrypt(row[3], field="id_number"), "id_masked": row[10],
        "birth": row[4].isoformat(), "exact": (round(row[5], 7), round(row[6], 7)),
        "coarse": (round(float(lon), 7), round(float(lat), 7)), "name": row[11],
    }


def _caller(kind: str, s: dict[str, Any]) -> Caller:
    return {
        "anonymous": ANONYMOUS,
        "partner": Caller(role=Role.PARTNER, sub="partner-platform-1"),
        "admin": Caller(role=Role.ADMIN, sub="admin-1"),
        "dispatcher_in": Caller(role=Role.DISPATCHER, sub="d1", region="410100000000"),
        "dispatcher_province": Caller(role=Role.DISPATCHER, sub="d2", region="410000000000"),
        "dispatcher_out": Caller(role=Role.DISPATCHER, sub="d3", region="620000000000"),
        "org_admin_in": Caller(role=Role.ORG_ADMIN, sub="o1", org=s["org"]),
        "org_admin_ancestor": Caller(role=Role.ORG_ADMIN, sub="o2", org=s["city_team"]),
        "org_admin_out": Caller(role=Role.ORG_ADMIN, sub="o3", org=s["other_org"]),
        "volunteer_self": Caller(role=Role.VOLUNTEER, sub=encode_id("Volunteer", s["id"])),
        "volunteer_other": Caller(role=Role.VOLUNTEER,
                                  sub=encode_id("Volunteer", s["other_volunteer"])),
    }[kind]


# (phone, idNumber, birthDate, location, name): F = full/exact, M = masked, C = coarse,
# N = null; "" = no record at all (anonymous callers get counts per cell only).
EXPECTED = {
    "anonymous":           "",
    "partner":             "NNNCM",
    "admin":               "FFFFF",
    "dispatcher_in":       "FMNFF",  # no birth date beside a masked ID number (issue 11)
    "dispatcher_province": "FMNFF",
    "dispatcher_out":      "MMNCM",
    "org_admin_in":        "FFFFF",
    "org_admin_ancestor":  "FFFFF",
    "org_admin_out":       "MMNCM",
    "volunteer_self":      "FFFFF",
    "volunteer_other":     "MMNCM",
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
async def test_every_role_sees_exactly_what_the_policy_allows(
        kind: str, gql: Gql, sconn: psycopg.Connection[Any]) -> None:
    s = _subject(sconn, gql.cipher)
    data = await gql.data(QUERY, {"id": encode_id("Volunteer", s["id"])}, caller=_caller(kind, s))
    got = data["node"]
    if not EXPECTED[kind]:
        assert got is None
        return
    phone, id_number, birth, location, name = EXPECTED[kind]
    shown = {"F": s["phone"], "M": s["phone_masked"], "N": None}
    assert got["phone"] == shown[phone]
    assert got["idNumber"] == {"F": s["id_number"], "M": s["id_masked"], "N": None}[id_number]
    assert got["birthDate"] == (s["birth"] if birth == "F" else None)
    assert got["birthDecade"] == int(s["birth"][:3] + "0")
    point = (got["location"]["lon"], got["location"]["lat"])
    assert point == (s["exact"] if location == "F" else s["coarse"])
    assert got["name"] == (s["name"] if name == "F" else mask_name(s["name"]))
    if name == "M":
        assert s["name"] not in str(data) and got["name"].count("*") >= 1
    if phone != "F":
        assert s["phone"] not in str(data)
    if phone == "N":  # not even the last digits
        assert s["phone"][-4:] not in str(data)
    if id_number != "F":
        assert s["id_number"] not in str(data)


async def test_lists_apply_the_same_policy_per_row(gql: Gql, sconn: psycopg.Connection[Any]):
    s = _subject(sconn, gql.cipher)
    query = """query($lon: Float!, $lat: Float!) { volunteers(first: 50, near: {point:
      {lon: $lon, lat: $lat}, radiusM: 50000}) { edges { node { id phone region { code } } } } }"""
    caller = _caller("dispatcher_in", s)
    data = await gql.data(query, {"lon": s["exact"][0], "lat": s["exact"][1]}, caller=caller)
    edges = data["volunteers"]["edges"]
    assert edges
    for edge in edges:
        in_scope = edge["node"]["region"]["code"].startswith("4101")
        assert ("****" not in edge["node"]["phone"]) == in_scope


async def test_near_and_within_measure_to_the_coarsened_home_for_coarse_callers(
        gql: Gql, sconn: psycopg.Connection[Any]):
    """Shrinking a radius or a box must not reveal more than the ~1 km cell."""
    s = _subject(sconn, gql.cipher)
    exact_lon, exact_lat = s["exact"]
    cell_lon, cell_lat = s["coarse"]
    vid = encode_id("Volunteer", s["id"])
    near = """query($lon: Float!, $lat: Float!, $r: Float!) { volunteers(first: 100, near: {point:
      {lon: $lon, lat: $lat}, radiusM: $r}) { edges { node { id distanceM location { lon lat } }
      } } }"""
    # A 5 m circle around the exact home finds nobody unless the cell centre is inside it …
    data = await gql.data(near, {"lon": exact_lon, "lat": exact_lat, "r": 5.0}, caller=PARTNER)
    assert vid not in [e["node"]["id"] for e in data["volunteers"]["edges"]]
    # … while a 5 m circle around the cell centre finds the volunteer at the centre's distance.
    data = await gql.data(near, {"lon": cell_lon, "lat": cell_lat, "r": 5.0}, caller=PARTNER)
    found = {e["node"]["id"]: e["node"] for e in data["volunteers"]["edges"]}
    assert found[vid]["distanceM"] == 0.0
    box = """query($b: BBoxInput!) { volunteers(first: 100, within: {bbox: $b}) { edges { node {
      id } } } }"""
    tiny = {"west": exact_lon - 1e-5, "south": exact_lat - 1e-5, "east": exact_lon + 1e-5,
            "north": exact_lat + 1e-5}
    data = await gql.data(box, {"b": tiny}, caller=PARTNER)
    inside = [e["node"]["id"] for e in data["volunteers"]["edges"]]
    centre_inside = abs(cell_lon - exact_lon) < 1e-5 and abs(cell_lat - exact_lat) < 1e-5
    assert (vid in inside) == centre_inside
    admin = Caller(role=Role.ADMIN, sub="a")
    data = await gql.data(near, {"lon": exact_lon, "lat": exact_lat, "r": 5.0}, caller=admin)
    assert vid in [e["node"]["id"] for e in data["volunteers"]["edges"]]
