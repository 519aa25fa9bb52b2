"""点单: raising and cancelling demands over GraphQL, with coded payload errors and roles."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg
from workflow_world import ADMIN, LANZHOU, ZHENGZHOU, offer, one, volunteer_caller, walk_to, world

from hub.auth import Caller, Role
from hub.schema.node import encode_id
from tests.seeded import Gql, errors_of

RAISE = """mutation($input: RaiseDemandInput!) { raiseDemand(input: $input) {
  demand { id title status needed requiredSkills region { code } location { lon lat } }
  errors { field code message } } }"""
CANCEL = """mutation($input: CancelDemandInput!) { cancelDemand(input: $input) {
  demand { id status } errors { field code message } } }"""


async def _station(aconn: psycopg.AsyncConnection[Any]) -> tuple[int, str, float, float, int]:
    return tuple(await one(aconn, "SELECT id, region_code, ST_X(location_geom), "
                                  "ST_Y(location_geom), organization_id FROM station WHERE id = 1"))


def _input(station_id: int, **extra: Any) -> dict[str, Any]:
    starts = datetime.now().astimezone() + timedelta(days=2)
    return {"title": "老年人健康讲座", "category": "health", "needed": 2,
            "requiredSkills": ["health"], "stationId": encode_id("Station", station_id),
            "startsAt": starts.isoformat(), "endsAt": (starts + timedelta(hours=3)).isoformat(),
            **extra}


async def test_a_dispatcher_raises_a_demand_at_a_station_in_their_region(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    station, region, lon, lat, _ = await _station(aconn)
    out = (await gql.data(RAISE, {"input": _input(station)}, caller=ZHENGZHOU))["raiseDemand"]
    assert out["errors"] == []
    demand = out["demand"]
    assert demand["status"] == "open" and demand["region"]["code"] == region
    assert demand["location"] == {"lon": round(lon, 7), "lat": round(lat, 7)}
    by = await one(aconn, "SELECT raised_by || ' ' || raised_by_kind FROM demand ORDER BY id "
                          "DESC LIMIT 1")
    assert by == "dispatcher:d-zz community"


async def test_a_demand_is_refused_field_by_field(gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    station, *_ = await _station(aconn)
    past = datetime.now().astimezone() - timedelta(hours=1)
    bad = _input(station, needed=0, category="astrology", requiredSkills=["health", "magic"],
                 startsAt=past.isoformat(), endsAt=(past + timedelta(days=5)).isoformat())
    out = (await gql.data(RAISE, {"input": bad}, caller=ADMIN))["raiseDemand"]
    assert out["demand"] is None
    fields = {e["field"]: e for e in out["errors"]}
    assert set(fields) == {"category", "requiredSkills[1]", "needed", "startsAt", "endsAt"}
    assert all(e["code"] == "INVALID" for e in out["errors"])
    assert "'astrology' is not one of" in fields["category"]["message"]
    assert "'magic'" in fields["requiredSkills[1]"]["message"]
    assert "is not in the future" in fields["startsAt"]["message"]
    assert "longer than 72 hours" in fields["endsAt"]["message"]


async def test_a_point_outside_the_stated_region_is_refused(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    station, region, *_ = await _station(aconn)
    # A point in Lanzhou for a Zhengzhou district; in GCJ-02 as an Amap client sends it.
    far = _input(station, location={"lon": 103.84, "lat": 36.06, "crs": "GCJ02"},
                 regionCode=region)
    out = (await gql.data(RAISE, {"input": far}, caller=ADMIN))["raiseDemand"]
    [error] = out["errors"]
    assert error["field"] == "location" and error["code"] == "INVALID"
    assert f"does not lie in region {region}" in error["message"]


async def test_who_may_raise_a_demand(gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    station, _, _, _, org = await _station(aconn)
    for caller in (LANZHOU, volunteer_caller(1), Caller(role=Role.PARTNER, sub="p"),
                   Caller(role=Role.ORG_ADMIN, sub="o", org=org + 1)):
        [(code, _)] = errors_of(await gql(RAISE, {"input": _input(station)}, caller=caller))
        assert code == "FORBIDDEN", caller
    [(code, _)] = errors_of(await gql(RAISE, {"input": _input(station)}))
    assert code == "UNAUTHENTICATED"
    own = Caller(role=Role.ORG_ADMIN, sub="o", org=org)
    out = (await gql.data(RAISE, {"input": _input(station)}, caller=own))["raiseDemand"]
    assert out["errors"] == [] and out["demand"]["status"] == "open"


async def test_cancelling_a_demand_cancels_its_offers_but_not_once_service_began(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, needed=2, volunteers=2)
    first = await offer(aconn, w.demand_id, w.volunteer_ids[0])
    await walk_to(aconn, first, "accepted")
    variables = {"input": {"demandId": w.demand_gid, "reason": "场地临时关闭"}}
    [(code, _)] = errors_of(await gql(CANCEL, variables, caller=LANZHOU))
    assert code == "FORBIDDEN"
    out = (await gql.data(CANCEL, variables, caller=ZHENGZHOU))["cancelDemand"]
    assert out["errors"] == [] and out["demand"]["status"] == "cancelled"
    assert await one(aconn, "SELECT status FROM dispatch WHERE id = %s", (first,)) == "cancelled"
    again = (await gql.data(CANCEL, variables, caller=ZHENGZHOU))["cancelDemand"]
    assert [e["code"] for e in again["errors"]] == ["DEMAND_CLOSED"]
    w2 = await world(aconn, volunteers=1)
    serving = await offer(aconn, w2.demand_id, w2.volunteer_ids[0])
    await walk_to(aconn, serving, "checked_in")
    out = (await gql.data(CANCEL, {"input": {"demandId": w2.demand_gid, "reason": "x"}},
                          caller=ADMIN))["cancelDemand"]
    assert [e["code"] for e in out["errors"]] == ["IN_SERVICE"]
