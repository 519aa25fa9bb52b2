"""抢单 over GraphQL: what a volunteer may claim, claiming, and each refusal with its code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
from claims_world import (
    CLAIM,
    LIST,
    add_demand,
    add_volunteer,
    claim,
    demand_gid,
    ids_of,
    later,
    listed,
    one,
    station,
    volunteer_caller,
)

from hub.auth import Caller, Role
from hub.schema.node import decode_id, encode_id
from tests.seeded import Gql, errors_of

HOUR = timedelta(hours=1)
ZHENGZHOU = Caller(role=Role.DISPATCHER, sub="d-zz", region="410100000000")


async def test_a_volunteer_sees_what_fits_them_and_nothing_else(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    region, lon, lat = await station(aconn)
    me = await add_volunteer(aconn, lon, lat, region, skills='{"health": 3}', radius_m=5000,
                             weekly="{[0,10080)}")
    starts = await later(aconn, 3)
    fits = await add_demand(aconn, lon + 0.01, lat, region, starts)  # ~900 m east
    nearer = await add_demand(aconn, lon + 0.002, lat, region, starts, hours=1)
    skill = await add_demand(aconn, lon + 0.01, lat, region, starts, skills=("biosafety",))
    far = await add_demand(aconn, lon + 0.2, lat, region, starts)  # ~18 km: beyond 5 km
    insured = await add_demand(aconn, lon + 0.01, lat, region, starts, requires_insurance=True)
    past = await add_demand(aconn, lon + 0.01, lat, region, await later(aconn, -1))
    out = await listed(gql, me)
    got = ids_of(out)
    assert fits in got and nearer in got
    assert not {skill, far, insured, past} & set(got)
    assert got.index(nearer) < got.index(fits)  # nearest first
    node = out["edges"][got.index(fits)]["node"]
    assert 850 < node["distanceM"] < 950 and node["slotsLeft"] == 1
    assert node["needsApproval"] is False
    assert out["totalCount"] == len(got)
    # Claiming what is not listed is refused, saying which rule.
    for demand_id, code, words in ((skill, "NOT_ELIGIBLE", "biosafety"),
                                   (far, "NOT_ELIGIBLE", "service radius of 5000 m"),
                                   (insured, "NOT_INSURED", "insurance"),
                                   (past, "WINDOW_STARTED", "started")):
        out = await claim(gql, me, demand_id)
        [error] = out["errors"]
        assert (error["code"], error["field"]) == (code, "demandId"), error
        assert words in error["message"] and error["messageZh"], error
        assert out["dispatch"] is None


async def test_availability_and_time_off_decide_as_for_dispatch(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    region, lon, lat = await station(aconn)
    starts = await later(aconn, 4)
    demand = await add_demand(aconn, lon, lat, region, starts)
    never = await add_volunteer(aconn, lon, lat, region, weekly="{}")
    away = await add_volunteer(aconn, lon, lat, region)
    await aconn.execute(  # time off over the demand's first hour
        "INSERT INTO volunteer_availability_exception (volunteer_id, period, available) "
        "VALUES (%s, tstzrange(%s, %s), false)", (away, starts - HOUR, starts + HOUR))
    for v in (never, away):
        assert demand not in ids_of(await listed(gql, v))
        [error] = (await claim(gql, v, demand))["errors"]
        assert error["code"] == "NOT_ELIGIBLE" and "not free" in error["message"]


async def test_a_claim_is_an_accepted_dispatch_that_holds_the_slot(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    region, lon, lat = await station(aconn)
    starts = await later(aconn, 3)
    demand = await add_demand(aconn, lon, lat, region, starts, needed=1)
    first, second = [await add_volunteer(aconn, lon, lat, region) for _ in range(2)]
    out = await claim(gql, first, demand)
    assert out["errors"] == []
    made = out["dispatch"]
    assert made["state"] == "accepted" and made["claimed"] is True
    assert made["offeredBy"] == f"volunteer:{encode_id('Volunteer', first)}"
    assert [(h["fromState"], h["toState"]) for h in made["history"]] == [(None, "accepted")]
    assert await one(aconn, "SELECT status FROM demand WHERE id = %s", (demand,)) == "dispatched"
    # Full now: not listed to anyone, and claiming it says so; claiming again too.
    assert demand not in ids_of(await listed(gql, second))
    [error] = (await claim(gql, second, demand))["errors"]
    assert error["code"] == "SLOTS_FULL"
    [error] = (await claim(gql, first, demand))["errors"]
    assert error["code"] == "ALREADY_CLAIMED"


async def test_an_overlapping_booking_refuses_the_claim(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    region, lon, lat = await station(aconn)
    starts = await later(aconn, 3)
    a = await add_demand(aconn, lon, lat, region, starts, hours=3)
    b = await add_demand(aconn, lon + 0.001, lat, region, starts + HOUR, hours=3)
    me = await add_volunteer(aconn, lon, lat, region)
    assert (await claim(gql, me, a))["errors"] == []
    assert b not in ids_of(await listed(gql, me))
    [error] = (await claim(gql, me, b))["errors"]
    assert error["code"] == "DOUBLE_BOOKED" and "overlaps" in error["message"]


async def test_only_an_active_volunteer_claims_and_only_for_themself(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    region, lon, lat = await station(aconn)
    demand = await add_demand(aconn, lon, lat, region, await later(aconn, 3))
    suspended = await add_volunteer(aconn, lon, lat, region, status="suspended")
    assert (await listed(gql, suspended))["edges"] == []
    [error] = (await claim(gql, suspended, demand))["errors"]
    assert error["code"] == "VOLUNTEER_INACTIVE"
    for caller in (ZHENGZHOU, Caller(role=Role.ADMIN, sub="a1")):
        result = await gql(CLAIM, {"id": demand_gid(demand)}, caller=caller)
        assert [c for c, _ in errors_of(result)] == ["FORBIDDEN"]
        result = await gql(LIST, {}, caller=caller)
        assert [c for c, _ in errors_of(result)] == ["FORBIDDEN"]
    result = await gql(LIST, {})
    assert [c for c, _ in errors_of(result)] == ["UNAUTHENTICATED"]
    me = await add_volunteer(aconn, lon, lat, region)
    [error] = (await claim(gql, me, 10**12))["errors"]
    assert error["code"] == "NOT_FOUND"


async def test_the_list_pages_by_distance(gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    region, lon, lat = await station(aconn)
    me = await add_volunteer(aconn, lon, lat, region, radius_m=3000,
                             skills='{"enterprise_innovation": 2}')
    starts = await later(aconn, 6)
    mine = [await add_demand(aconn, lon + 0.001 * (k + 1), lat, region, starts, hours=1,
                             skills=("enterprise_innovation",)) for k in range(5)]
    seen: list[int] = []
    after = None
    while True:
        data = await gql.data(LIST, {"first": 2, "after": after}, caller=volunteer_caller(me))
        page = data["claimableDemands"]
        assert page["totalCount"] >= 5
        seen += [i for i in ids_of(page) if i in mine]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == mine  # nearest first, each once


NEAR = """query($near: PointInput) { claimableDemands(first: 100, near: $near) {
  edges { node { distanceM distanceFromNearM demand { id } } } } }"""


async def test_near_orders_by_where_the_volunteer_is_now(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    region, lon, lat = await station(aconn)
    me = await add_volunteer(aconn, lon, lat, region, radius_m=3000,
                             skills='{"enterprise_innovation": 2}')
    starts = await later(aconn, 7)
    mine = [await add_demand(aconn, lon + 0.008 * k, lat, region, starts, hours=1,
                             skills=("enterprise_innovation",)) for k in range(3)]
    there = {"lon": lon + 0.016, "lat": lat}  # at the farthest demand
    data = await gql.data(NEAR, {"near": there}, caller=volunteer_caller(me))
    nodes = {decode_id(e["node"]["demand"]["id"], "Demand"): e["node"]
             for e in data["claimableDemands"]["edges"]}
    order = [d for d in ids_of(data["claimableDemands"]) if d in mine]
    assert order == mine[::-1]  # nearest to `near` first
    assert nodes[mine[2]]["distanceFromNearM"] < 1 < nodes[mine[2]]["distanceM"]
    assert nodes[mine[0]]["distanceM"] < 1 < nodes[mine[0]]["distanceFromNearM"]
    home = await gql.data(NEAR, {}, caller=volunteer_caller(me))
    assert all(e["node"]["distanceFromNearM"] is None
               for e in home["claimableDemands"]["edges"])
    bad = await gql(NEAR, {"near": {"lon": lon, "lat": 100}}, caller=volunteer_caller(me))
    assert [c for c, _ in errors_of(bad)] == ["BAD_USER_INPUT"]


async def test_weekly_capacity_counts_the_bookings_of_the_china_time_week(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    region, lon, lat = await station(aconn)
    me = await add_volunteer(aconn, lon, lat, region, per_week=1)
    # A Tuesday 10:00 China time at least a week ahead, the Thursday after, and the next Tuesday.
    tuesday = await one(aconn, "SELECT (date_trunc('week', timezone('Asia/Shanghai', now())) "
                               "+ interval '15 days 10 hours') AT TIME ZONE 'Asia/Shanghai'")
    first = await add_demand(aconn, lon, lat, region, tuesday)
    same_week = await add_demand(aconn, lon, lat, region, tuesday + timedelta(days=2))
    next_week = await add_demand(aconn, lon, lat, region, tuesday + timedelta(days=7))
    assert {first, same_week, next_week} <= set(ids_of(await listed(gql, me)))
    assert (await claim(gql, me, first))["errors"] == []
    got = ids_of(await listed(gql, me))
    assert same_week not in got and next_week in got
    [error] = (await claim(gql, me, same_week))["errors"]
    assert error["code"] == "NOT_ELIGIBLE" and "at most 1 time(s) a week" in error["message"]
    assert (await claim(gql, me, next_week))["errors"] == []
