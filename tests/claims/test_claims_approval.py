"""Claims that wait for a dispatcher's approval (the region's claims_need_approval)."""

from __future__ import annotations

from typing import Any

import psycopg
from claims_world import (
    APPROVE,
    REJECT,
    add_demand,
    add_volunteer,
    claim,
    ids_of,
    later,
    listed,
    one,
    station,
    volunteer_caller,
)

from hub.auth import Caller, Role
from hub.schema.node import decode_id, encode_id
from hub.services import claims
from hub.store.base import ConnectionDatabase
from tests.seeded import Gql, errors_of

ZHENGZHOU = Caller(role=Role.DISPATCHER, sub="d-zz", region="410100000000")
LANZHOU = Caller(role=Role.DISPATCHER, sub="d-lz", region="620100000000")
ACCEPT = """mutation($id: ID!) { acceptDispatch(input: {dispatchId: $id}) {
  dispatch { state } errors { code message } } }"""


async def _approval_world(aconn: psycopg.AsyncConnection[Any]) -> tuple[int, list[int]]:
    """A demand needing one volunteer in a county whose city requires approval (inherited),
    and three volunteers who fit it."""
    region, lon, lat = await station(aconn)
    assert region.startswith("4101") and region != "410100000000"
    await aconn.execute("INSERT INTO region_setting (region_code, claims_need_approval) VALUES "
                        "('410100000000', true) ON CONFLICT (region_code) DO UPDATE SET "
                        "claims_need_approval = true")
    demand = await add_demand(aconn, lon, lat, region, await later(aconn, 3))
    return demand, [await add_volunteer(aconn, lon, lat, region) for _ in range(3)]


async def test_a_pending_claim_holds_the_slot_until_the_dispatcher_approves(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    demand, (me, other, _) = await _approval_world(aconn)
    listing = await listed(gql, me)
    [node] = [e["node"] for e in listing["edges"]
              if decode_id(e["node"]["demand"]["id"], "Demand") == demand]
    assert node["needsApproval"] is True
    out = await claim(gql, me, demand)
    assert out["errors"] == []
    pending = out["dispatch"]
    assert pending["state"] == "claim_pending" and pending["claimed"] is True
    assert [h["toState"] for h in pending["history"]] == ["claim_pending"]
    # The slot is held: nobody else may claim it; the volunteer may not approve it themself.
    [error] = (await claim(gql, other, demand))["errors"]
    assert error["code"] == "SLOTS_FULL"
    accepted = (await gql.data(ACCEPT, {"id": pending["id"]}, caller=volunteer_caller(me))
                )["acceptDispatch"]
    assert [e["code"] for e in accepted["errors"]] == ["INVALID_TRANSITION"]
    for caller in (LANZHOU, volunteer_caller(me)):
        result = await gql(APPROVE, {"id": pending["id"]}, caller=caller)
        assert [c for c, _ in errors_of(result)] == ["FORBIDDEN"]
    approved = (await gql.data(APPROVE, {"id": pending["id"]}, caller=ZHENGZHOU)
                )["approveClaim"]
    assert approved["errors"] == [] and approved["dispatch"]["state"] == "accepted"
    assert [(h["toState"], h["actor"], h["reason"]) for h in approved["dispatch"]["history"]
            ] == [("claim_pending", f"volunteer:{volunteer_caller(me).sub}", "claimed by the "
                   "volunteer"), ("accepted", "dispatcher:d-zz", "claim approved")]
    again = (await gql.data(APPROVE, {"id": pending["id"]}, caller=ZHENGZHOU))["approveClaim"]
    assert [e["code"] for e in again["errors"]] == ["INVALID_TRANSITION"]


async def test_a_rejected_claim_frees_the_slot_and_is_not_claimed_again(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    demand, (me, other, third) = await _approval_world(aconn)
    pending = (await claim(gql, me, demand))["dispatch"]
    empty = (await gql.data(REJECT, {"id": pending["id"], "reason": "  "}, caller=ZHENGZHOU)
             )["rejectClaim"]
    assert [(e["field"], e["code"]) for e in empty["errors"]] == [("reason", "INVALID")]
    out = (await gql.data(REJECT, {"id": pending["id"], "reason": "需要有急救证书的志愿者"},
                          caller=ZHENGZHOU))["rejectClaim"]
    assert out["errors"] == []
    assert out["dispatch"] == {"id": pending["id"], "state": "claim_rejected",
                               "declineReason": "需要有急救证书的志愿者"}
    [error] = (await claim(gql, me, demand))["errors"]
    assert error["code"] == "ALREADY_CLAIMED" and "rejected" in error["message"]
    assert demand not in ids_of(await listed(gql, me))
    assert (await claim(gql, other, demand))["dispatch"]["state"] == "claim_pending"
    # An offered (not claimed) dispatch is not the dispatcher's to approve as a claim.
    region, lon, lat = await station(aconn)
    elsewhere = await add_demand(aconn, lon, lat, region, await later(aconn, 9))
    offered = await one(aconn, (
        "INSERT INTO dispatch (demand_id, volunteer_id, time_window, offered_by, respond_by) "
        "SELECT id, %s, time_window, 'test', lower(time_window) FROM demand WHERE id = %s "
        "RETURNING id"), (third, elsewhere))
    refused = (await gql.data(APPROVE, {"id": encode_id("Dispatch", offered)},
                              caller=ZHENGZHOU))["approveClaim"]
    [error] = refused["errors"]
    assert error["code"] == "INVALID_TRANSITION" and "not a claim" in error["message"]
    assert await one(aconn, "SELECT status FROM dispatch WHERE id = %s", (offered,)) == "offered"


async def test_a_claim_nobody_decides_expires_when_the_demand_starts(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    demand, (me, other, third) = await _approval_world(aconn)
    ids = []
    for v in (me, other):
        await aconn.execute("UPDATE demand SET needed = needed + 1 WHERE id = %s", (demand,))
        ids.append((await claim(gql, v, demand))["dispatch"]["id"])
    # The window has started (as far as the claims' deadlines know).
    await aconn.execute("UPDATE dispatch SET offered_at = now() - interval '2 hours', "
                        "respond_by = now() - interval '1 hour' WHERE demand_id = %s",
                        (demand,))
    late = (await gql.data(APPROVE, {"id": ids[0]}, caller=ZHENGZHOU))["approveClaim"]
    assert [e["code"] for e in late["errors"]] == ["WINDOW_STARTED"]
    assert await claims.expire_due(ConnectionDatabase(aconn)) >= 1
    states = await one(aconn, "SELECT array_agg(status ORDER BY id) FROM dispatch WHERE "
                              "demand_id = %s", (demand,))
    # Both expired; the freed slots go to the next candidate as any freed slot does (here the
    # window itself has not really started, so there is time to offer them).
    assert states[:2] == ["expired", "expired"]
    assert set(states[2:]) <= {"offered"}
    actor = await one(aconn, "SELECT actor FROM dispatch_event WHERE dispatch_id = %s AND "
                             "to_state = 'expired'", (decode_id(ids[1], "Dispatch"),))
    assert actor == "hub"
    assert third not in (me, other)
