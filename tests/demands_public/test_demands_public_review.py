"""Public 点单: residents and stations raise demands that wait for review (审核) before anyone
can dispatch them; who reviews; what the requester sees; what others never see."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
from demands_world import (
    APPROVE,
    MINE,
    NEIGHBOUR,
    NODE,
    PARTNER,
    RAISE,
    REJECT,
    RESIDENT,
    STAFF_1,
    STAFF_2,
    TO_APPROVE,
    demand_input,
)

from hub.auth import ANONYMOUS, ScopeAll
from hub.schema.node import encode_id
from hub.store import demands as store
from hub.store import tiles
from hub.store.base import ConnectionDatabase
from tests.seeded import Gql, errors_of
from tests.tiles.tiles_helpers import features, tile_of
from tests.workflow.workflow_world import ADMIN, LANZHOU, ZHENGZHOU, add_volunteers, one

DISPATCH = """mutation($input: DispatchInput!) { dispatch(input: $input) {
  dispatches { id state } errors { field code message } } }"""
LIST = """query($statuses: [String!]) { demands(first: 100, filter: {statuses: $statuses,
  regionCode: "410100"}) { edges { node { id } } } }"""


async def _raise(gql: Gql, caller: Any, **extra: Any) -> dict[str, Any]:
    out = (await gql.data(RAISE, {"input": demand_input(**extra)}, caller=caller))["raiseDemand"]
    assert out["errors"] == [], out["errors"]
    return dict(out["demand"])


async def test_a_resident_raises_a_staff_member_approves_and_it_becomes_dispatchable(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    demand = await _raise(gql, RESIDENT)
    assert demand["status"] == "pending_review" and demand["raisedByKind"] == "community"
    assert demand["approval"] == {"status": "pending_review", "decidedBy": None,
                                  "decidedAt": None, "reason": None}
    waiting = (await gql.data(TO_APPROVE, caller=STAFF_1))["demandsToApprove"]
    assert demand["id"] in [e["node"]["id"] for e in waiting["edges"]]
    # Nobody dispatches it while it waits: not by hand, and not the database either.
    _, region, lon, lat = await one(aconn, "SELECT id, region_code, ST_X(location_geom), "
                                           "ST_Y(location_geom) FROM station WHERE id = 1")
    [volunteer] = await add_volunteers(aconn, lon, lat, region, 1)
    offer = {"input": {"demandId": demand["id"],
                       "volunteerIds": [encode_id("Volunteer", volunteer)]}}
    refused = (await gql.data(DISPATCH, offer, caller=ZHENGZHOU))["dispatch"]
    assert refused["dispatches"] is None and refused["errors"][0]["code"] == "DEMAND_CLOSED"

    approved = (await gql.data(APPROVE, {"id": demand["id"]}, caller=STAFF_1))["approveDemand"]
    assert approved["errors"] == []
    after = approved["demand"]
    assert after["status"] == "open"
    assert after["approval"]["status"] == "approved"
    assert after["approval"]["decidedBy"] == f"station_staff:{STAFF_1.sub}"
    assert after["approval"]["decidedAt"] is not None
    dispatched = (await gql.data(DISPATCH, offer, caller=ZHENGZHOU))["dispatch"]
    assert dispatched["errors"] == [] and dispatched["dispatches"][0]["state"] == "offered"
    # The requester sees the outcome among their own demands.
    mine = (await gql.data(MINE, caller=RESIDENT))["myDemands"]
    [own] = [e["node"] for e in mine["edges"] if e["node"]["id"] == demand["id"]]
    assert own["approval"]["status"] == "approved"


async def test_a_dispatcher_rejects_with_a_reason_the_requester_sees(gql: Gql):
    demand = await _raise(gql, RESIDENT, stationId=None, regionCode="410102",
                          location={"lon": 113.62, "lat": 34.75})
    # No station chosen: the region's dispatcher reviews it; station staff cannot.
    waiting = (await gql.data(TO_APPROVE, caller=ZHENGZHOU))["demandsToApprove"]
    assert demand["id"] in [e["node"]["id"] for e in waiting["edges"]]
    staff = (await gql.data(TO_APPROVE, caller=STAFF_1))["demandsToApprove"]
    assert demand["id"] not in [e["node"]["id"] for e in staff["edges"]]
    [(code, _)] = errors_of(await gql(APPROVE, {"id": demand["id"]}, caller=STAFF_1))
    assert code == "FORBIDDEN"

    blank = (await gql.data(REJECT, {"id": demand["id"], "reason": "  "},
                            caller=ZHENGZHOU))["rejectDemand"]
    assert [e["code"] for e in blank["errors"]] == ["REASON_REQUIRED"]
    assert blank["errors"][0]["field"] == "reason" and blank["errors"][0]["messageZh"]
    out = (await gql.data(REJECT, {"id": demand["id"], "reason": "该时段场地已有安排"},
                          caller=ZHENGZHOU))["rejectDemand"]
    assert out["errors"] == [] and out["demand"]["status"] == "rejected"
    seen = (await gql.data(NODE, {"id": demand["id"]}, caller=RESIDENT))["node"]
    assert seen["approval"] == {"status": "rejected", "decidedBy": "dispatcher:d-zz",
                                "decidedAt": seen["approval"]["decidedAt"],
                                "reason": "该时段场地已有安排"}
    again = (await gql.data(APPROVE, {"id": demand["id"]}, caller=ZHENGZHOU))["approveDemand"]
    assert [e["code"] for e in again["errors"]] == ["INVALID_TRANSITION"]


async def test_station_staff_of_another_station_and_other_regions_are_forbidden(gql: Gql):
    demand = await _raise(gql, RESIDENT)
    for caller in (STAFF_2, LANZHOU, PARTNER, RESIDENT):
        [(code, _)] = errors_of(await gql(APPROVE, {"id": demand["id"]}, caller=caller))
        assert code == "FORBIDDEN", caller
        [(code, _)] = errors_of(await gql(REJECT, {"id": demand["id"], "reason": "不需要"},
                                          caller=caller))
        assert code == "FORBIDDEN", caller
    [(code, _)] = errors_of(await gql(APPROVE, {"id": demand["id"]}, caller=ANONYMOUS))
    assert code == "UNAUTHENTICATED"
    # Staff raise only at their own station.
    [(code, _)] = errors_of(await gql(RAISE, {"input": demand_input(1)}, caller=STAFF_2))
    assert code == "FORBIDDEN"


async def test_a_stations_own_demand_goes_to_the_dispatcher_not_to_its_staff(gql: Gql):
    demand = await _raise(gql, STAFF_1)
    assert demand["status"] == "pending_review" and demand["raisedByKind"] == "station"
    [(code, _)] = errors_of(await gql(APPROVE, {"id": demand["id"]}, caller=STAFF_1))
    assert code == "FORBIDDEN"  # nobody approves their own station's demand
    out = (await gql.data(APPROVE, {"id": demand["id"]}, caller=ADMIN))["approveDemand"]
    assert out["errors"] == [] and out["demand"]["status"] == "open"


async def test_dispatchers_demands_need_no_review(gql: Gql):
    demand = await _raise(gql, ZHENGZHOU)
    assert demand["status"] == "open" and demand["approval"] is None


async def test_a_pending_demand_is_seen_only_by_its_requester_and_reviewers(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    demand = await _raise(gql, RESIDENT)
    for caller in (PARTNER, ANONYMOUS, STAFF_2, LANZHOU):
        assert (await gql.data(NODE, {"id": demand["id"]}, caller=caller))["node"] is None
    for caller in (RESIDENT, STAFF_1, ZHENGZHOU, ADMIN):
        assert (await gql.data(NODE, {"id": demand["id"]}, caller=caller))["node"] is not None
    for statuses in (None, ["pending_review"], ["pending_review", "rejected", "open"]):
        listed = (await gql.data(LIST, {"statuses": statuses}, caller=ADMIN))["demands"]
        assert demand["id"] not in [e["node"]["id"] for e in listed["edges"]], statuses
    # Not on the map, nor among what matching looks at.
    lon, lat, starts = await one(aconn, "SELECT ST_X(location_geom), ST_Y(location_geom), "
                                        "lower(time_window) FROM demand ORDER BY id DESC LIMIT 1")

    async def on_map() -> bool:
        layer = await gql.data(
            "query($b: BBoxInput!) { mapLayer(layer: DEMANDS, bbox: $b, limit: 10000) }",
            {"b": {"west": lon - 0.01, "south": lat - 0.01, "east": lon + 0.01,
                   "north": lat + 0.01}}, caller=PARTNER)
        return demand["id"] in [f.get("id") for f in layer["mapLayer"]["features"]]

    assert not await on_map()
    db = ConnectionDatabase(aconn)
    open_ids = {r["id"] for r in await store.list_open(
        db, region_prefix="4101", starts=starts - timedelta(hours=1),
        ends=starts + timedelta(hours=1))}
    pending_id = await one(aconn, "SELECT max(id) FROM demand")
    assert pending_id not in open_ids
    await aconn.execute("UPDATE demand SET status = 'open', vetted_by = 'test', "
                        "vetted_at = now() WHERE id = %s", (pending_id,))
    open_ids = {r["id"] for r in await store.list_open(
        db, region_prefix="4101", starts=starts - timedelta(hours=1),
        ends=starts + timedelta(hours=1))}
    assert pending_id in open_ids  # the same query, once approved
    assert await on_map()


async def test_the_database_refuses_a_dispatch_of_a_pending_demand(
        aconn: psycopg.AsyncConnection[Any], gql: Gql):
    await _raise(gql, RESIDENT)
    pending = await one(aconn, "SELECT max(id) FROM demand")
    volunteer = await one(aconn, "SELECT min(id) FROM volunteer WHERE status = 'active'")
    try:
        await aconn.execute(
            "INSERT INTO dispatch (demand_id, volunteer_id, time_window, offered_by, "
            "respond_by) SELECT id, %s, time_window, 'test', now() + interval '1 hour' "
            "FROM demand WHERE id = %s", (volunteer, pending))
    except psycopg.errors.CheckViolation as exc:
        assert exc.diag.constraint_name == "dispatch_demand_vetted"
    else:
        raise AssertionError("a pending demand was dispatched")


async def test_a_resident_cancels_their_own_pending_demand_only(gql: Gql):
    demand = await _raise(gql, RESIDENT)
    cancel = """mutation($id: ID!) { cancelDemand(input: {demandId: $id, reason: "不需要了"}) {
      demand { id status } errors { code } } }"""
    [(code, _)] = errors_of(await gql(cancel, {"id": demand["id"]}, caller=STAFF_1))
    assert code == "FORBIDDEN"
    out = (await gql.data(cancel, {"id": demand["id"]}, caller=RESIDENT))["cancelDemand"]
    assert out == {"demand": {"id": demand["id"], "status": "cancelled"}, "errors": []}


async def test_a_residents_contact_is_personal_data(gql: Gql):
    contact = {"contactName": "王秀兰", "contactPhone": "13912345678"}
    demand = await _raise(gql, RESIDENT, **contact)
    show = """query($id: ID!) { node(id: $id) { ... on Demand { contactName contactPhone } } }"""
    full = (await gql.data(show, {"id": demand["id"]}, caller=ZHENGZHOU))["node"]
    assert full == {"contactName": "王秀兰", "contactPhone": "13912345678"}
    for caller in (STAFF_1, RESIDENT):  # its station's staff, who raised it (demand.contact)
        seen = (await gql.data(show, {"id": demand["id"]}, caller=caller))["node"]
        assert seen == full, caller
    for caller in (STAFF_2, NEIGHBOUR):  # another station's staff, another resident
        seen = (await gql.data(show, {"id": demand["id"]}, caller=caller))["node"]
        assert seen in (None, {"contactName": None, "contactPhone": None}), caller
    await gql.data(APPROVE, {"id": demand["id"]}, caller=ZHENGZHOU)
    masked = (await gql.data(show, {"id": demand["id"]}, caller=LANZHOU))["node"]
    assert masked["contactPhone"] == "139****5678" and masked["contactName"] != "王秀兰"
    for caller in (PARTNER, ANONYMOUS):
        seen = (await gql.data(show, {"id": demand["id"]}, caller=caller))["node"]
        assert seen == {"contactName": None, "contactPhone": None}, caller
    bad = await gql.data(RAISE, {"input": demand_input(contactPhone="12345")}, caller=RESIDENT)
    [error] = bad["raiseDemand"]["errors"]
    assert error["field"] == "contactPhone" and error["code"] == "INVALID"


async def test_vector_tiles_never_draw_an_unapproved_demand(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    lon, lat = await one(aconn, "SELECT ST_X(location_geom) + 0.0007, ST_Y(location_geom) "
                                "FROM station WHERE id = 1")
    db = ConnectionDatabase(aconn)
    x, y = tile_of(lon, lat, 18)

    async def drawn(*statuses: str) -> int:
        body = await tiles.get_tile(db, layer="demands", z=18, x=x, y=y,
                                    filters=tiles.TileFilters(statuses=statuses),
                                    volunteer_scope=ScopeAll())
        return len(features(body, "demands"))

    before = (await drawn(), await drawn("open"))
    demand = await _raise(gql, RESIDENT, location={"lon": lon, "lat": lat})
    assert (await drawn(), await drawn("open")) == before
    assert await drawn("pending_review", "rejected") == 0
    await gql.data(APPROVE, {"id": demand["id"]}, caller=STAFF_1)
    assert (await drawn(), await drawn("open")) == (before[0] + 1, before[1] + 1)
