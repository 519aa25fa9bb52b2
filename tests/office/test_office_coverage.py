"""Station coverage over GraphQL (issue 16.5): the uncovered demands and counts against a
plain computation with pyproj over every active station; the stored plan against brute force
over every N-subset of candidate sites; pages, permissions and coded bad input."""

from __future__ import annotations

import itertools
import random
from typing import Any

import psycopg
import pytest
from pyproj import Geod

from hub.auth import Caller, Role
from hub.schema.node import decode_id
from tests.office.equity_world import one
from tests.seeded import Gql, errors_of

GEOD = Geod(ellps="WGS84")
ADMIN = Caller(Role.ADMIN, "admin-1")
CITY = "410300000000"
PERIOD = {"f": "2020-06-01", "t": "2020-07-01"}
RADIUS_KM = 5.0
COVERAGE = """query($c: String!, $r: Float!, $f: Date, $t: Date, $n: Int!, $a: ID) {
  stationCoverage(regionCode: $c, radiusKm: $r, from: $f, to: $t, first: $n, after: $a) {
    regionCode radiusKm from to demands uncovered
    byRegion { regionCode name demands uncovered }
    uncoveredDemands { id regionCode needed nearestStationKm demand { id } }
    nextAfter } }"""
PLAN = """mutation($i: PlanCoverageInput!) { planCoverage(input: $i) {
  plan { id status solver covered coverable total bound gap sites
    chosen { rank gain reach onlyHere newlyCoveredCount newlyCovered site { id name kind } } }
  errors { field code message messageZh } } }"""
READ = """query($id: ID!) { coveragePlan(id: $id) { id covered chosen { site { id } gain } } }"""


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000


async def _world(conn: psycopg.AsyncConnection[Any]) -> dict[str, Any]:
    """Demands of June 2020 in two counties of Luoyang: some at stations, some far away."""
    cur = await conn.execute("SELECT ST_X(location_geom), ST_Y(location_geom) FROM station "
                             "WHERE status = 'active'")
    stations = [(float(x), float(y)) for x, y in await cur.fetchall()]
    cur = await conn.execute("SELECT code, ST_X(centroid_geom), ST_Y(centroid_geom) FROM region "
                             "WHERE parent_code = %s AND centroid_geom IS NOT NULL "
                             "ORDER BY code LIMIT 2", (CITY,))
    counties = [(c, float(x), float(y)) for c, x, y in await cur.fetchall()]
    rng = random.Random(5)
    demands: dict[int, dict[str, Any]] = {}
    for n in range(24):
        code, cx, cy = counties[n % 2]
        if n < 4:  # beside a station
            sx, sy = min(stations, key=lambda s: _km(s, (cx, cy)))
            place = (sx + 0.001 * n, sy)
        else:
            place = (cx + rng.uniform(-0.4, 0.4), cy + rng.uniform(-0.4, 0.4))
        ident = int(await one(
            conn, "INSERT INTO demand (title, category, needed, time_window, location_geom, "
                  "region_code, raised_by) VALUES ('覆盖测试', 'health', %s, "
                  "tstzrange(%s::timestamptz, %s::timestamptz + interval '2 hours'), "
                  "ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s, 't') RETURNING id",
            (1 + n % 3, f"2020-06-{1 + n:02d} 09:00+08", f"2020-06-{1 + n:02d} 09:00+08",
             place[0], place[1], code)))
        nearest = min(_km(s, place) for s in stations)
        demands[ident] = {"place": place, "county": code, "needed": 1 + n % 3,
                          "uncovered": nearest > RADIUS_KM, "nearest": nearest}
    return {"demands": demands, "counties": [c for c, _, _ in counties], "stations": stations}


async def test_uncovered_demands_match_a_plain_computation(aconn: psycopg.AsyncConnection[Any],
                                                           gql: Gql) -> None:
    w = await _world(aconn)
    want = {i for i, d in w["demands"].items() if d["uncovered"]}
    assert 0 < len(want) < len(w["demands"]), "the world has both kinds"
    args = {"c": CITY, "r": RADIUS_KM, **PERIOD, "n": 5, "a": None}
    got: dict[int, dict[str, Any]] = {}
    pages = 0
    while True:
        data = (await gql.data(COVERAGE, args, caller=ADMIN))["stationCoverage"]
        pages += 1
        for u in data["uncoveredDemands"]:
            got[decode_id(u["id"], "Demand")] = u
        if data["nextAfter"] is None:
            break
        args["a"] = data["nextAfter"]
    assert set(got) == want and pages == -(-len(want) // 5)
    for ident, u in got.items():
        assert u["nearestStationKm"] == pytest.approx(w["demands"][ident]["nearest"], rel=1e-6)
        assert u["demand"]["id"] == u["id"]
    assert (data["demands"], data["uncovered"]) == (len(w["demands"]), len(want))
    rows = {r["regionCode"]: r for r in data["byRegion"]}
    for county in w["counties"]:
        mine = [d for d in w["demands"].values() if d["county"] == county]
        assert rows[county]["demands"] == len(mine) and rows[county]["name"]
        assert rows[county]["uncovered"] == sum(d["uncovered"] for d in mine)


async def test_the_plan_is_the_best_n_subset(aconn: psycopg.AsyncConnection[Any],
                                             gql: Gql) -> None:
    w = await _world(aconn)
    await aconn.execute("DELETE FROM candidate_site WHERE region_code LIKE '4103%%'")
    rng = random.Random(9)
    far = [d for d in w["demands"].values() if d["uncovered"]]
    sites = []
    for k in range(7):  # near some uncovered demands, and one nowhere near
        x, y = rng.choice(far)["place"] if k < 6 else (112.0, 34.0)
        x, y = x + rng.uniform(-0.03, 0.03), y + rng.uniform(-0.03, 0.03)
        sid = int(await one(
            aconn, "INSERT INTO candidate_site (kind, name, location_geom, region_code) VALUES "
                   "('school', %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), %s) RETURNING id",
            (f"测试学校{k}", x, y, w["counties"][k % 2])))
        sites.append((sid, (x, y)))
    for n, weight in ((2, "DEMANDS"), (3, "SLOTS")):
        out = (await gql.data(PLAN, {"i": {"regionCode": CITY, "radiusKm": RADIUS_KM,
                                          "sites": n, "from": PERIOD["f"], "to": PERIOD["t"],
                                          "weight": weight}}, caller=ADMIN))["planCoverage"]
        assert out["errors"] == []
        plan = out["plan"]

        def value(d: dict[str, Any], weight: str = weight) -> int:
            return d["needed"] if weight == "SLOTS" else 1

        reach = {sid: {i for i, d in w["demands"].items()
                       if d["uncovered"] and _km(p, d["place"]) <= RADIUS_KM}
                 for sid, p in sites}
        best = max(sum(value(w["demands"][i]) for i in set().union(*(reach[s] for s in combo)))
                   for combo in itertools.combinations(reach, n))
        assert plan["covered"] == best == plan["bound"] and plan["status"] == "OPTIMAL"
        assert plan["total"] == sum(value(d) for d in w["demands"].values() if d["uncovered"])
        assert sum(c["gain"] for c in plan["chosen"]) == best
        seen: set[int] = set()
        for c in plan["chosen"]:
            fresh = {decode_id(x, "Demand") for x in c["newlyCovered"]}
            assert fresh == reach[c["site"]["id"]] - seen and c["newlyCoveredCount"] == len(fresh)
            seen |= fresh
        again = (await gql.data(READ, {"id": plan["id"]}, caller=ADMIN))["coveragePlan"]
        assert again["covered"] == plan["covered"]
        assert [c["site"]["id"] for c in again["chosen"]] == [
            c["site"]["id"] for c in plan["chosen"]]


@pytest.mark.parametrize(("change", "field"), [
    ({"radiusKm": 0}, "radiusKm"), ({"radiusKm": 500}, "radiusKm"), ({"sites": 0}, "sites"),
    ({"sites": 201}, "sites"), ({"timeLimitS": 0.5}, "timeLimitS"),
    ({"relativeGap": 0.9}, "relativeGap"), ({"regionCode": "41x"}, "regionCode"),
    ({"from": "2020-07-01", "to": "2020-06-01"}, "to"),
])
async def test_plan_bad_input_is_coded(gql: Gql, change: dict[str, Any], field: str) -> None:
    i = {"regionCode": CITY, "radiusKm": 5, "sites": 2, **change}
    out = (await gql.data(PLAN, {"i": i}, caller=ADMIN))["planCoverage"]
    assert out["plan"] is None
    [error] = out["errors"]
    assert error["field"] == field and error["message"] and error["messageZh"]


async def test_coverage_is_for_the_region_s_dispatchers_and_admins(gql: Gql) -> None:
    args = {"c": CITY, "r": RADIUS_KM, **PERIOD, "n": 5, "a": None}
    mine = Caller(Role.DISPATCHER, "d", region=CITY)
    assert (await gql.data(COVERAGE, args, caller=mine))["stationCoverage"]["regionCode"] == CITY
    for caller, code in ((Caller(Role.DISPATCHER, "d", region="410100000000"), "FORBIDDEN"),
                         (Caller(Role.ORG_ADMIN, "o", org=1), "FORBIDDEN"),
                         (Caller(Role.ANONYMOUS), "UNAUTHENTICATED")):
        assert [c for c, _ in errors_of(await gql(COVERAGE, args, caller=caller))] == [code]
    bad = await gql(COVERAGE, {**args, "n": 501}, caller=ADMIN)
    assert [c for c, _ in errors_of(bad)] == ["BAD_USER_INPUT"]
    assert (bad.errors or [])[0].extensions["field"] == "first"  # type: ignore[index]
    assert (await gql.data(READ, {"id": "not-a-plan"}, caller=ADMIN))["coveragePlan"] is None
