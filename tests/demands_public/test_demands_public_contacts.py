"""Who sees a resident's contact and a station's phone, with tokens from a real sign-in: the
staff of the demand's station (they call the resident back when reviewing it), the resident
who raised it; nobody else among residents and station staff (the field policy's columns for
them, hub/auth/policy.py)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from demands_world import APPROVE, MINE, RAISE, demand_input

from hub.auth import Caller, Role
from hub.auth.tokens import SYSTEM
from hub.pii import mask_phone
from hub.schema.node import encode_id
from hub.services import profile
from tests.auth.signin_steps import caller_of, request_code, sign_in
from tests.seeded import Gql

SHOW = """query($id: ID!, $s2: ID!) { node(id: $id) { ... on Demand { contactName contactPhone
  station { contactPhone } } } other: node(id: $s2) { ... on Station { contactPhone } } }"""
CONTACT = {"contactName": "王秀兰", "contactPhone": "13912345678"}
PHONES = {1: "13800001111", 2: "13800002222"}  # the stations' own 联系电话


async def _signed_in(gql: Gql, phone: str, caplog: pytest.LogCaptureFixture) -> Caller:
    session = (await sign_in(gql, phone, await request_code(gql, phone, caplog)))["session"]
    return caller_of(gql, session)


@pytest.fixture
async def people(gql: Gql, aconn: psycopg.AsyncConnection[Any],
                 caplog: pytest.LogCaptureFixture) -> dict[str, Caller]:
    """Two residents and the staff of stations 1 and 2, each signed in by phone code; the
    stations given contact phones."""
    for station, phone in PHONES.items():
        await aconn.execute("UPDATE station SET contact_phone_enc = %s, "
                            "contact_phone_masked = %s WHERE id = %s",
                            (gql.cipher.encrypt(phone, field="phone"), mask_phone(phone),
                             station))
    await profile.add_station_staff(gql.db, gql.cipher, SYSTEM, "13912340051", 1)
    await profile.add_station_staff(gql.db, gql.cipher, SYSTEM, "13912340052", 2)
    found = {name: await _signed_in(gql, phone, caplog) for name, phone in (
        ("resident", "13912340053"), ("neighbour", "13912340054"),
        ("staff_1", "13912340051"), ("staff_2", "13912340052"))}
    assert found["resident"].role is Role.RESIDENT
    assert found["staff_1"].role is Role.STATION_STAFF and found["staff_1"].station_id == 1
    assert found["staff_2"].station_id == 2
    return found


async def test_station_staff_and_the_requester_see_the_contact(gql: Gql,
                                                              people: dict[str, Caller]):
    raised = (await gql.data(RAISE, {"input": demand_input(**CONTACT)},
                             caller=people["resident"]))["raiseDemand"]
    assert raised["errors"] == []
    demand = raised["demand"]["id"]
    ids = {"id": demand, "s2": encode_id("Station", 2)}

    async def seen(who: str) -> dict[str, Any]:
        return dict(await gql.data(SHOW, ids, caller=people[who]))

    # Pending review: its station's staff review it and call the resident back.
    staff_1 = await seen("staff_1")
    assert staff_1["node"] == {**CONTACT, "station": {"contactPhone": PHONES[1]}}
    assert staff_1["other"] == {"contactPhone": None}  # another station's phone: not theirs
    mine = await seen("resident")
    assert mine["node"] == {**CONTACT, "station": {"contactPhone": None}}
    assert mine["other"] == {"contactPhone": None}
    listed = (await gql.data(MINE.replace("approval {", "contactName contactPhone approval {"),
                             caller=people["resident"]))["myDemands"]["edges"]
    [own] = [e["node"] for e in listed if e["node"]["id"] == demand]
    assert (own["contactName"], own["contactPhone"]) == (CONTACT["contactName"],
                                                         CONTACT["contactPhone"])

    approved = (await gql.data(APPROVE, {"id": demand}, caller=people["staff_1"]))
    assert approved["approveDemand"]["errors"] == []
    # Once public, others see the demand but not whom to call.
    staff_2, neighbour = await seen("staff_2"), await seen("neighbour")
    assert staff_2["node"] == {"contactName": None, "contactPhone": None,
                               "station": {"contactPhone": None}}
    assert staff_2["other"] == {"contactPhone": PHONES[2]}  # their own station's
    assert neighbour["node"] == {"contactName": None, "contactPhone": None,
                                 "station": {"contactPhone": None}}
    assert neighbour["other"] == {"contactPhone": None}
