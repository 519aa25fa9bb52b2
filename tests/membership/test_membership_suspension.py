"""Suspension (暂停) and reinstatement (恢复), issue 14.6: by a manager with a reason, logged;
a suspended volunteer's offers and bookings are withdrawn, and they are never offered, cannot
accept or sign up until reinstated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from hub.auth import Caller, Role
from hub.auth.tokens import SYSTEM
from hub.schema.node import encode_id
from hub.services import activities, workflow
from hub.services.records import RecordsError
from hub.services.workflow import Refused
from hub.store.base import ConnectionDatabase
from tests.records.records_world import REGION, World, make_world
from tests.seeded import Gql, errors_of

ERR = "errors { code field message messageZh }"
SUSPEND = ("mutation($i: SuspendVolunteerInput!) { suspendVolunteer(input: $i) { change { "
           "fromStatus toStatus reason changedBy } withdrawnDispatchIds leftActivityIds "
           + ERR + " } }")
REINSTATE = ("mutation($i: ReinstateVolunteerInput!) { reinstateVolunteer(input: $i) { "
             "change { fromStatus toStatus reason } " + ERR + " } }")
LOG = """query($v: ID!) { volunteerStatusChanges(volunteerId: $v) {
  fromStatus toStatus reason changedBy } }"""


@pytest.fixture
async def world(aconn: psycopg.AsyncConnection[Any]) -> World:
    return await make_world(aconn, capacity=1)  # one place: a second sign-up waits


async def _open_demand(conn: psycopg.AsyncConnection[Any], world: World, days: int) -> int:
    start = datetime.now(UTC) + timedelta(days=days)
    window = f"[{start.isoformat()},{(start + timedelta(hours=2)).isoformat()})"
    cur = await conn.execute(
        "INSERT INTO demand (title, category, needed, time_window, location_geom, station_id, "
        "region_code, raised_by, status) VALUES ('科普需求', (SELECT code FROM "
        "service_category LIMIT 1), 2, %s, ST_SetSRID(ST_MakePoint(112.45, 34.62), 4326), %s, "
        "%s, 'requester-1', 'open') RETURNING id", (window, world.station, REGION))
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def _status(conn: psycopg.AsyncConnection[Any], table: str, key: int) -> str:
    cur = await conn.execute(f"SELECT status FROM {table} WHERE id = %s", (key,))
    row = await cur.fetchone()
    assert row is not None
    return str(row[0])


async def test_suspension_withdraws_offers_and_bookings_and_is_logged(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], world: World):
    db, vid = ConnectionDatabase(aconn), world.volunteers[0]
    first, second = await _open_demand(aconn, world, 4), await _open_demand(aconn, world, 5)
    [offered] = await workflow.offer(db, caller=SYSTEM, demand_id=first, volunteer_ids=[vid],
                                     ttl_s=3600)
    [booked] = await workflow.offer(db, caller=SYSTEM, demand_id=second, volunteer_ids=[vid],
                                    ttl_s=3600)
    await workflow.accept(db, caller=world.volunteer(0), dispatch_id=booked, ttl_s=3600)
    for n in (0, 1):  # the place, then the waitlist
        await activities.sign_up(db, SYSTEM, activity_id=world.future_activity,
                                 volunteer_id=world.volunteers[n])
    done = (await gql.data(SUSPEND, {"i": {"volunteerId": encode_id("Volunteer", vid),
                                           "reason": "多次无故缺席"}},
                           caller=world.org_admin()))["suspendVolunteer"]
    assert done["errors"] == []
    assert done["change"] == {"fromStatus": "active", "toStatus": "suspended",
                              "reason": "多次无故缺席", "changedBy": "org-admin"}
    assert sorted(done["withdrawnDispatchIds"]) == sorted(
        encode_id("Dispatch", d) for d in (offered, booked))
    for dispatch_id in (offered, booked):
        assert await _status(aconn, "dispatch", dispatch_id) == "cancelled"
    assert await _status(aconn, "volunteer", vid) == "suspended"
    # Their place in the activity goes to the first on its waitlist.
    assert done["leftActivityIds"] == [encode_id("Activity", world.future_activity)]
    cur = await aconn.execute("SELECT volunteer_id, status FROM activity_signup WHERE "
                              "activity_id = %s ORDER BY volunteer_id", (world.future_activity,))
    assert await cur.fetchall() == [(vid, "cancelled"), (world.volunteers[1], "signed_up")]
    # Never offered, cannot take a slot or sign up, while suspended.
    with pytest.raises(Refused) as refused:
        await workflow.offer(db, caller=SYSTEM, demand_id=first, volunteer_ids=[vid],
                             ttl_s=3600)
    assert [e.code for e in refused.value.errors] == ["VOLUNTEER_INACTIVE"]
    with pytest.raises(psycopg.errors.CheckViolation) as trigger:
        async with aconn.transaction():
            await aconn.execute(
                "INSERT INTO dispatch (demand_id, volunteer_id, time_window, offered_by, "
                "respond_by) SELECT id, %s, time_window, 't', now() + interval '1 hour' "
                "FROM demand WHERE id = %s", (vid, first))
    assert trigger.value.diag.constraint_name == "dispatch_volunteer_active"
    with pytest.raises(RecordsError) as signing:
        await activities.sign_up(db, SYSTEM, activity_id=world.future_activity,
                                 volunteer_id=vid)
    assert signing.value.code == "VOLUNTEER_INACTIVE"


async def test_reinstatement_and_the_log(gql: Gql, world: World):
    me, vid = world.volunteer(0), encode_id("Volunteer", world.volunteers[0])
    admin = world.org_admin()
    for caller in (me, Caller(Role.ORG_ADMIN, "o-x", org=1),
                   Caller(Role.DISPATCHER, "d-x", region="620000000000")):
        refused = await gql(SUSPEND, {"i": {"volunteerId": vid, "reason": "试一试"}},
                            caller=caller)
        assert errors_of(refused)[0][0] == "FORBIDDEN", caller
    bare = (await gql.data(SUSPEND, {"i": {"volunteerId": vid, "reason": " "}},
                           caller=admin))["suspendVolunteer"]
    assert [(e["code"], e["field"]) for e in bare["errors"]] == [("REASON_REQUIRED", "reason")]
    early = (await gql.data(REINSTATE, {"i": {"volunteerId": vid, "reason": "无需恢复"}},
                            caller=admin))["reinstateVolunteer"]
    assert [e["code"] for e in early["errors"]] == ["NOT_SUSPENDED"]
    await gql.data(SUSPEND, {"i": {"volunteerId": vid, "reason": "多次无故缺席"}}, caller=admin)
    twice = (await gql.data(SUSPEND, {"i": {"volunteerId": vid, "reason": "再次暂停"}},
                            caller=admin))["suspendVolunteer"]
    assert [e["code"] for e in twice["errors"]] == ["ALREADY_SUSPENDED"]
    assert twice["errors"][0]["messageZh"]
    back = (await gql.data(REINSTATE, {"i": {"volunteerId": vid, "reason": "已说明情况"}},
                           caller=admin))["reinstateVolunteer"]
    assert back["change"] == {"fromStatus": "suspended", "toStatus": "active",
                              "reason": "已说明情况"}
    log = (await gql.data(LOG, {"v": vid}, caller=me))["volunteerStatusChanges"]
    assert log == [
        {"fromStatus": "suspended", "toStatus": "active", "reason": "已说明情况",
         "changedBy": "org-admin"},
        {"fromStatus": "active", "toStatus": "suspended", "reason": "多次无故缺席",
         "changedBy": "org-admin"}]
    other = world.volunteer(1)
    assert errors_of(await gql(LOG, {"v": vid}, caller=other))[0][0] == "FORBIDDEN"
