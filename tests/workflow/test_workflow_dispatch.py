"""派单 → 接单 → 服务 over GraphQL: offers by hand, answers, refills, check-in and check-out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
from workflow_world import (
    ADMIN,
    LANZHOU,
    ZHENGZHOU,
    World,
    offer,
    one,
    require_a_skill_nobody_has,
    volunteer_caller,
    world,
)

from hub.geo.crs import convert
from hub.schema.node import encode_id
from hub.services import sweeps
from hub.store.base import ConnectionDatabase
from tests.seeded import Gql, errors_of

DISPATCH = """mutation($input: DispatchInput!) { dispatch(input: $input) {
  dispatches { id state respondBy offeredBy volunteer { id } demand { id } }
  errors { field code message } } }"""
ANSWER = """mutation($id: ID!, $reason: String!) {
  accept: acceptDispatch(input: {dispatchId: $id}) { dispatch { id state respondedAt }
    errors { field code message } }
  decline: declineDispatch(input: {dispatchId: $id, reason: $reason}) { dispatch { id state
    declineReason } errors { field code message } } }"""
ACCEPT = """mutation($id: ID!) { acceptDispatch(input: {dispatchId: $id}) {
  dispatch { id state } errors { field code message } } }"""
DECLINE = """mutation($id: ID!) { declineDispatch(input: {dispatchId: $id, reason: "出差"}) {
  dispatch { id state declineReason } errors { field code message } } }"""
CHECK = """mutation($id: ID!, $lon: Float!, $lat: Float!, $crs: CRS) {
  checkIn(input: {dispatchId: $id, point: {lon: $lon, lat: $lat, crs: $crs}}) {
    dispatch { state checkInAt checkInDistanceM checkInPoint { lon lat } }
    errors { field code message } } }"""
CHECK_OUT = """mutation($id: ID!, $lon: Float!, $lat: Float!) {
  checkOut(input: {dispatchId: $id, point: {lon: $lon, lat: $lat}}) {
    dispatch { state hours checkOutAt history { fromState toState actor } }
    errors { field code message } } }"""


def gid(dispatch_id: int) -> str:
    return encode_id("Dispatch", dispatch_id)


async def _dispatch(gql: Gql, w: World, vols: list[int], caller: Any = ZHENGZHOU) -> Any:
    variables = {"input": {"demandId": w.demand_gid,
                           "volunteerIds": [encode_id("Volunteer", v) for v in vols]}}
    return (await gql.data(DISPATCH, variables, caller=caller))["dispatch"]


async def test_a_dispatcher_offers_slots_by_hand_and_never_overbooks(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, needed=2, volunteers=3)
    out = await _dispatch(gql, w, w.volunteer_ids[:2])
    assert out["errors"] == [] and [d["state"] for d in out["dispatches"]] == ["offered"] * 2
    assert out["dispatches"][0]["offeredBy"] == "dispatcher:d-zz"
    assert await one(aconn, "SELECT status FROM demand WHERE id = %s", (w.demand_id,)) == (
        "dispatched")
    full = await _dispatch(gql, w, w.volunteer_ids[2:])
    assert [(e["field"], e["code"]) for e in full["errors"]] == [("volunteerIds[0]",
                                                                  "SLOTS_FULL")]
    assert full["dispatches"] is None
    [(code, _)] = errors_of(await gql(DISPATCH, {"input": {
        "demandId": w.demand_gid, "volunteerIds": []}}, caller=LANZHOU))
    assert code == "FORBIDDEN"


async def test_a_volunteer_is_never_double_booked(gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, volunteers=1)
    other = await world(aconn, volunteers=0)  # the same window, another demand
    assert (await _dispatch(gql, w, w.volunteer_ids))["errors"] == []
    twice = await _dispatch(gql, other, w.volunteer_ids)
    [error] = twice["errors"]
    assert error["code"] == "DOUBLE_BOOKED" and "overlapping window" in error["message"]


async def test_only_the_volunteer_offered_answers_and_only_once(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, volunteers=2)
    dispatch_id = await offer(aconn, w.demand_id, w.volunteer_ids[0])
    me, other = (volunteer_caller(v) for v in w.volunteer_ids)
    for caller in (other, ZHENGZHOU):
        [(code, _)] = errors_of(await gql(ACCEPT, {"id": gid(dispatch_id)}, caller=caller))
        assert code == "FORBIDDEN"
    out = (await gql.data(ACCEPT, {"id": gid(dispatch_id)}, caller=me))["acceptDispatch"]
    assert out == {"dispatch": {"id": gid(dispatch_id), "state": "accepted"}, "errors": []}
    again = (await gql.data(DECLINE, {"id": gid(dispatch_id)}, caller=me))["declineDispatch"]
    [error] = again["errors"]
    assert error["code"] == "INVALID_TRANSITION" and "is accepted" in error["message"]
    missing = (await gql.data(ACCEPT, {"id": gid(10**9)}, caller=me))["acceptDispatch"]
    assert [e["code"] for e in missing["errors"]] == ["NOT_FOUND"]
    wrong = (await gql.data(ACCEPT, {"id": w.demand_gid}, caller=me))["acceptDispatch"]
    assert [(e["field"], e["code"]) for e in wrong["errors"]] == [("dispatchId", "INVALID")]


async def test_a_decline_offers_the_slot_to_the_next_best_candidate(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, volunteers=3)
    dispatch_id = await offer(aconn, w.demand_id, w.volunteer_ids[0])
    me = volunteer_caller(w.volunteer_ids[0])
    out = (await gql.data(DECLINE, {"id": gid(dispatch_id)}, caller=me))["declineDispatch"]
    assert out["dispatch"]["state"] == "declined" and out["dispatch"]["declineReason"] == "出差"
    nxt = await one(aconn, "SELECT volunteer_id, offered_by, status FROM dispatch WHERE "
                           "demand_id = %s AND id <> %s", (w.demand_id, dispatch_id))
    assert nxt[1:] == ("hub", "offered") and nxt[0] != w.volunteer_ids[0]
    event = await one(aconn, "SELECT actor || ' ' || reason FROM dispatch_event WHERE "
                             "dispatch_id = %s AND to_state = 'declined'", (dispatch_id,))
    assert event == f"volunteer:{me.sub} 出差"


async def test_an_expired_offer_frees_the_slot_and_says_why_when_nobody_is_left(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, volunteers=1)
    await require_a_skill_nobody_has(aconn, w.demand_id)
    dispatch_id = await offer(aconn, w.demand_id, w.volunteer_ids[0])
    await aconn.execute("UPDATE dispatch SET offered_at = now() - interval '2 hours', "
                        "respond_by = now() - interval '1 hour' WHERE id = %s", (dispatch_id,))
    me = volunteer_caller(w.volunteer_ids[0])
    out = (await gql.data(ACCEPT, {"id": gid(dispatch_id)}, caller=me))["acceptDispatch"]
    [error] = out["errors"]
    assert error["code"] == "OFFER_EXPIRED" and "expired at" in error["message"]
    assert await one(aconn, "SELECT status FROM dispatch WHERE id = %s", (dispatch_id,)) == (
        "expired")
    reason = await one(aconn, "SELECT unfilled_reason FROM demand WHERE id = %s", (w.demand_id,))
    assert reason.startswith("no other volunteer meets")


async def test_the_sweeper_expires_overdue_offers(aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, volunteers=2)
    dispatch_id = await offer(aconn, w.demand_id, w.volunteer_ids[0])
    await aconn.execute("UPDATE dispatch SET offered_at = now() - interval '2 hours', "
                        "respond_by = now() - interval '1 hour' WHERE id = %s", (dispatch_id,))
    assert await sweeps.expire_due(ConnectionDatabase(aconn), ttl_s=600) >= 1
    assert await one(aconn, "SELECT status FROM dispatch WHERE id = %s", (dispatch_id,)) == (
        "expired")
    assert await one(aconn, "SELECT count(*) FROM dispatch WHERE demand_id = %s AND status = "
                            "'offered' AND offered_by = 'hub'", (w.demand_id,)) == 1


async def _booked(aconn: psycopg.AsyncConnection[Any], starts_in: timedelta) -> tuple[World, int]:
    w = await world(aconn, volunteers=1, starts_in=starts_in)
    dispatch_id = await offer(aconn, w.demand_id, w.volunteer_ids[0])
    await aconn.execute("UPDATE dispatch SET status = 'accepted' WHERE id = %s", (dispatch_id,))
    return w, dispatch_id


async def test_check_in_is_refused_too_far_or_too_early_and_hours_are_clipped(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    w, dispatch_id = await _booked(aconn, timedelta(minutes=30))
    me = volunteer_caller(w.volunteer_ids[0])
    far = {"id": gid(dispatch_id), "lon": w.lon + 0.01, "lat": w.lat}
    [error] = (await gql.data(CHECK, far, caller=me))["checkIn"]["errors"]
    assert error["code"] == "TOO_FAR" and error["field"] == "point"
    assert " m from the demand; check-in needs 500 m or less" in error["message"]
    assert 850 < float(error["message"].split(" is ")[1].split(" m")[0]) < 950
    lon, lat = convert(w.lon + 0.001, w.lat, "WGS84", "GCJ02")  # ~90 m away, as Amap says
    near = {"id": gid(dispatch_id), "lon": float(lon), "lat": float(lat), "crs": "GCJ02"}
    done = (await gql.data(CHECK, near, caller=me))["checkIn"]
    assert done["errors"] == [] and done["dispatch"]["state"] == "checked_in"
    assert 80 < done["dispatch"]["checkInDistanceM"] < 100
    # Issue 11: an early check-in does not put the demand in progress before its window starts
    # (a replacement can still be dispatched), and nobody checks out before the window starts.
    assert await one(aconn, "SELECT status FROM demand WHERE id = %s", (w.demand_id,)) == (
        "open")
    early = (await gql.data(CHECK_OUT, {"id": gid(dispatch_id), "lon": w.lon, "lat": w.lat},
                            caller=me))["checkOut"]
    assert [e["code"] for e in early["errors"]] == ["TOO_EARLY"]
    # Arrived 4 h before a window that ran from 3 h ago to 1 h ago: 2 hours count.
    await aconn.execute("UPDATE dispatch SET check_in_at = now() - interval '4 hours', "
                        "time_window = tstzrange(now() - interval '3 hours', now() - interval "
                        "'1 hour') WHERE id = %s", (dispatch_id,))
    await aconn.execute("UPDATE demand SET time_window = tstzrange(now() - interval '3 hours', "
                        "now() - interval '1 hour') WHERE id = %s", (w.demand_id,))
    out = (await gql.data(CHECK_OUT, {"id": gid(dispatch_id), "lon": w.lon, "lat": w.lat},
                          caller=me))["checkOut"]
    assert out["errors"] == [] and out["dispatch"]["state"] == "completed"
    assert out["dispatch"]["hours"] == 2.0
    assert [h["toState"] for h in out["dispatch"]["history"]] == [
        "offered", "accepted", "checked_in", "completed"]
    assert await one(aconn, "SELECT status FROM demand WHERE id = %s", (w.demand_id,)) == "done"
    # The hours became a service record, pending until the dispatcher confirms it (issue 11);
    # then they count, with points and time-bank credit.
    record = await one(aconn, "SELECT id FROM service_record WHERE dispatch_id = %s AND hours = "
                              "2", (dispatch_id,))
    balances = """query($id: ID!) { node(id: $id) { ... on Volunteer { totalHours pointsBalance
      timeBankBalance } } }"""
    volunteer_gid = {"id": encode_id("Volunteer", w.volunteer_ids[0])}
    pending = (await gql.data(balances, volunteer_gid, caller=me))["node"]
    assert float(pending["totalHours"]) == 0 and pending["pointsBalance"] == 0
    confirm = """mutation($r: ID!) { confirmServiceRecord(input: {recordId: $r}) {
      record { netHours confirmed confirmedBy } errors { code } } }"""
    confirmed = (await gql.data(confirm, {"r": encode_id("ServiceRecord", record)},
                                caller=ZHENGZHOU))["confirmServiceRecord"]
    assert confirmed == {"record": {"netHours": "2.00", "confirmed": True,
                                    "confirmedBy": "d-zz"}, "errors": []}
    volunteer = (await gql.data(balances, volunteer_gid, caller=me))["node"]
    assert float(volunteer["totalHours"]) == 2.0 and float(volunteer["pointsBalance"]) > 0
    w2, early = await _booked(aconn, timedelta(days=1))
    out = (await gql.data(CHECK, {"id": gid(early), "lon": w2.lon, "lat": w2.lat},
                          caller=volunteer_caller(w2.volunteer_ids[0])))["checkIn"]
    assert [e["code"] for e in out["errors"]] == ["TOO_EARLY"]


async def test_dispatchers_cancel_and_mark_no_shows_in_their_region(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    _, dispatch_id = await _booked(aconn, timedelta(days=1))
    cancel = """mutation($id: ID!) { cancelDispatch(input: {dispatchId: $id, reason: "改派",
      reoffer: false}) { dispatch { state active } errors { code message } } }"""
    no_show = """mutation($id: ID!) { markNoShow(input: {dispatchId: $id}) {
      dispatch { state } errors { code message } } }"""
    [(code, _)] = errors_of(await gql(cancel, {"id": gid(dispatch_id)}, caller=LANZHOU))
    assert code == "FORBIDDEN"
    early = (await gql.data(no_show, {"id": gid(dispatch_id)}, caller=ZHENGZHOU))["markNoShow"]
    assert [e["code"] for e in early["errors"]] == ["TOO_EARLY"]
    out = (await gql.data(cancel, {"id": gid(dispatch_id)}, caller=ZHENGZHOU))["cancelDispatch"]
    assert out == {"dispatch": {"state": "cancelled", "active": False}, "errors": []}
    w2, late = await _booked(aconn, timedelta(days=1))
    await aconn.execute("UPDATE dispatch SET time_window = tstzrange(now() - interval '1 hour', "
                        "now() + interval '1 hour') WHERE id = %s", (late,))
    await aconn.execute("UPDATE demand SET time_window = tstzrange(now() - interval '1 hour', "
                        "now() + interval '1 hour') WHERE id = %s", (w2.demand_id,))
    out = (await gql.data(no_show, {"id": gid(late)}, caller=ADMIN))["markNoShow"]
    assert out == {"dispatch": {"state": "no_show"}, "errors": []}
    reason = await one(aconn, "SELECT unfilled_reason FROM demand WHERE id = %s",
                       (w2.demand_id,))
    assert reason.startswith("the window has started")


async def test_lists_states_and_nodes_follow_who_may_see(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, volunteers=2)
    mine = await offer(aconn, w.demand_id, w.volunteer_ids[0])
    listing = """query($f: DispatchFilter) { dispatches(filter: $f, first: 5) { totalCount
      edges { node { id state } } } }"""
    me = volunteer_caller(w.volunteer_ids[0])
    seen = (await gql.data(listing, caller=me))["dispatches"]
    assert [e["node"]["id"] for e in seen["edges"]] == [gid(mine)] and seen["totalCount"] == 1
    f = {"demandId": w.demand_gid}
    assert (await gql.data(listing, {"f": f}, caller=ZHENGZHOU))["dispatches"]["totalCount"] == 1
    [(code, _)] = errors_of(await gql(listing, {"f": {"regionCode": "410100"}}, caller=LANZHOU))
    assert code == "FORBIDDEN"
    node = "query($id: ID!) { node(id: $id) { ... on Dispatch { state } } }"
    assert (await gql.data(node, {"id": gid(mine)}, caller=me))["node"] == {"state": "offered"}
    other = volunteer_caller(w.volunteer_ids[1])
    assert (await gql.data(node, {"id": gid(mine)}, caller=other))["node"] is None
    states = (await gql.data("{ dispatchStates { state active labelZh nextStates } }",
                             caller=ADMIN))["dispatchStates"]
    by_state = {s["state"]: s for s in states}
    assert by_state["offered"]["nextStates"] == ["accepted", "cancelled", "declined", "expired"]
    assert by_state["completed"]["nextStates"] == [] and by_state["accepted"]["labelZh"] == "已接单"


async def test_listing_dispatches_with_relations_costs_a_fixed_number_of_statements(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    query = """{ dispatches(first: 20) { edges { node { state volunteer { name }
      demand { title } history { toState actor } } } } }"""
    counts = []
    for n in (2, 6):
        w = await world(aconn, needed=n, volunteers=n)
        for v in w.volunteer_ids:
            await offer(aconn, w.demand_id, v)
        before = gql.db.statements
        data = await gql.data(query, caller=ADMIN)
        counts.append(gql.db.statements - before)
        assert len(data["dispatches"]["edges"]) >= n
    assert counts[0] == counts[1] <= 4, counts


async def test_hand_dispatch_checks_status_and_insurance(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    w = await world(aconn, volunteers=3)
    await aconn.execute("UPDATE demand SET requires_insurance = true, needed = 3 WHERE id = %s",
                        (w.demand_id,))
    insured, bare, gone = w.volunteer_ids
    await aconn.execute("UPDATE volunteer SET insured_until = current_date + 30 WHERE id = %s",
                        (insured,))
    await aconn.execute("UPDATE volunteer SET status = 'suspended' WHERE id = %s", (gone,))
    out = await _dispatch(gql, w, [insured, bare, gone, 10**9])
    assert [(e["field"], e["code"]) for e in out["errors"]] == [
        ("volunteerIds[1]", "NOT_INSURED"), ("volunteerIds[2]", "VOLUNTEER_INACTIVE"),
        ("volunteerIds[3]", "NOT_FOUND")]
    assert out["dispatches"] is None  # all or nothing
    assert await one(aconn, "SELECT count(*) FROM dispatch WHERE demand_id = %s",
                     (w.demand_id,)) == 0
