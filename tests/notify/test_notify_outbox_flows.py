"""Each flow records its event in the outbox, in the transaction of its change (these tests run
inside one rolled-back transaction on the seeded database, so what they read is exactly what
the change wrote with it): offers made, declined and re-offered, accepted, cancelled, expired
with the demand unfilled; hours confirmed, a certificate issued, a review received; reminders
24 h and 2 h before, once each."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from hub.auth.tokens import SYSTEM
from hub.schema.node import encode_id
from hub.services import certificates, reminders, reviews, teams
from hub.services.certificates import CST
from hub.services.records import Source, record_service
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.records.conftest import db, world  # noqa: F401 (fixtures)
from tests.records.records_world import World
from tests.seeded import Gql
from tests.workflow.workflow_world import (
    ZHENGZHOU,
    offer,
    require_a_skill_nobody_has,
    volunteer_caller,
)
from tests.workflow.workflow_world import world as make_world

OFFER = """mutation($input: DispatchInput!) { dispatch(input: $input) { errors { code } } }"""
ACCEPT = """mutation($id: ID!) { acceptDispatch(input: {dispatchId: $id}) { errors { code } } }"""
DECLINE = """mutation($id: ID!) { declineDispatch(input: {dispatchId: $id, reason: "出差"}) {
  errors { code } } }"""
CANCEL = """mutation($id: ID!) { cancelDispatch(input: {dispatchId: $id, reason: "改期"}) {
  errors { code } } }"""


def gid(dispatch_id: int) -> str:
    return encode_id("Dispatch", dispatch_id)


async def _events(conn: psycopg.AsyncConnection[Any], after: int = 0) -> list[dict[str, Any]]:
    cur = await conn.execute(
        "SELECT id, kind, subject_kind, subject_id, region_code, recipients, payload, once_key "
        "FROM outbox_event WHERE id > %s ORDER BY id", (after,))
    names = [c.name for c in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in await cur.fetchall()]


async def _last(conn: psycopg.AsyncConnection[Any]) -> int:
    cur = await conn.execute("SELECT coalesce(max(id), 0) FROM outbox_event")
    row = await cur.fetchone()
    return int(row[0]) if row else 0


def _to(kind: str, ref: Any) -> dict[str, str]:
    return {"kind": kind, "id": str(ref)}


async def test_offers_answers_and_cancellations_record_their_events(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]) -> None:
    w = await make_world(aconn, volunteers=3)
    start = await _last(aconn)
    out = (await gql.data(OFFER, {"input": {
        "demandId": w.demand_gid, "volunteerIds": [encode_id("Volunteer", w.volunteer_ids[0])]}},
        caller=ZHENGZHOU))["dispatch"]
    [made] = await _events(aconn, start)
    dispatch_id = made["subject_id"]
    assert made["kind"] == "offer_made" and made["subject_kind"] == "dispatch"
    assert made["recipients"] == [_to("volunteer", w.volunteer_ids[0])]
    assert made["region_code"] == w.region_code and out["errors"] == []
    assert made["payload"]["demandId"] == str(w.demand_id) and made["payload"]["title"]
    assert made["payload"]["startsAt"] and "respondBy" in made["payload"]
    assert not set(made["payload"]) & {"phone", "realName", "idNumber"}

    start = await _last(aconn)
    me = volunteer_caller(w.volunteer_ids[0])
    await gql.data(DECLINE, {"id": gid(dispatch_id)}, caller=me)
    declined, again = await _events(aconn, start)
    assert declined["kind"] == "offer_declined" and declined["payload"]["reason"] == "出差"
    assert declined["recipients"] == [_to("region", w.region_code)]
    assert again["kind"] == "offer_reoffered" and again["subject_id"] != dispatch_id
    nxt = int(again["recipients"][0]["id"])
    assert nxt in w.volunteer_ids[1:]

    start = await _last(aconn)
    await gql.data(ACCEPT, {"id": gid(again["subject_id"])}, caller=volunteer_caller(nxt))
    [accepted] = await _events(aconn, start)
    assert accepted["kind"] == "offer_accepted" and accepted["subject_id"] == again["subject_id"]

    start = await _last(aconn)
    await gql.data(CANCEL, {"id": gid(again["subject_id"])}, caller=ZHENGZHOU)
    kinds = [e["kind"] for e in await _events(aconn, start)]
    assert kinds[0] == "offer_cancelled" and set(kinds) <= {"offer_cancelled", "offer_reoffered",
                                                            "demand_unfilled"}


async def test_an_expired_offer_with_nobody_left_tells_of_the_unfilled_demand(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]) -> None:
    w = await make_world(aconn, volunteers=1)
    await require_a_skill_nobody_has(aconn, w.demand_id)
    dispatch_id = await offer(aconn, w.demand_id, w.volunteer_ids[0])
    await aconn.execute("UPDATE dispatch SET offered_at = now() - interval '2 hours', "
                        "respond_by = now() - interval '1 hour' WHERE id = %s", (dispatch_id,))
    start = await _last(aconn)
    await gql.data(ACCEPT, {"id": gid(dispatch_id)}, caller=volunteer_caller(w.volunteer_ids[0]))
    expired, unfilled = await _events(aconn, start)
    assert expired["kind"] == "offer_expired"
    assert expired["recipients"] == [_to("volunteer", w.volunteer_ids[0]),
                                     _to("region", w.region_code)]
    assert unfilled["kind"] == "demand_unfilled" and unfilled["subject_kind"] == "demand"
    assert unfilled["payload"]["reason"].startswith("no other volunteer meets")
    assert _to("region", w.region_code) in unfilled["recipients"]


async def test_reminders_are_recorded_once_each(aconn: psycopg.AsyncConnection[Any]) -> None:
    soon = await make_world(aconn, volunteers=1, starts_in=timedelta(hours=1))
    later = await make_world(aconn, volunteers=1, starts_in=timedelta(hours=20))
    booked = []
    for w in (soon, later):
        dispatch_id = await offer(aconn, w.demand_id, w.volunteer_ids[0])
        await aconn.execute("UPDATE dispatch SET status = 'accepted', responded_at = now() "
                            "WHERE id = %s", (dispatch_id,))
        booked.append(dispatch_id)
    start = await _last(aconn)
    here = ConnectionDatabase(aconn)
    await reminders.remind_due(here)
    await reminders.remind_due(here)  # a second run (or a retry) records nothing again
    mine = [e for e in await _events(aconn, start) if e["subject_id"] in booked]
    assert sorted((e["kind"], e["subject_id"]) for e in mine) == sorted(
        [("reminder_2h", booked[0]), ("reminder_24h", booked[1])])
    assert {e["once_key"] for e in mine} == {f"reminder_2h:dispatch:{booked[0]}",
                                             f"reminder_24h:dispatch:{booked[1]}"}


async def test_hours_certificates_and_reviews_record_their_events(
        db: ConnectionDatabase, settings: Settings, world: World,  # noqa: F811
        aconn: psycopg.AsyncConnection[Any]) -> None:
    volunteer = world.volunteers[0]
    start = await _last(aconn)
    row = await record_service(db, volunteer_id=volunteer, source=Source(demand_id=world.demand),
                               hours=Decimal("2"), verified_by="t")
    [hours] = await _events(aconn, start)
    assert hours["kind"] == "hours_confirmed" and hours["subject_id"] == row["id"]
    assert hours["recipients"] == [_to("volunteer", volunteer)]
    assert hours["payload"]["hours"] == "2.00" and hours["payload"]["title"]

    start = await _last(aconn)
    today = datetime.now(CST).date()
    cert = await certificates.issue(db, settings, SYSTEM, volunteer_id=volunteer,
                                    first=today - timedelta(days=30), last=today)
    [issued] = await _events(aconn, start)
    assert issued["kind"] == "certificate_issued" and issued["subject_id"] == volunteer
    assert issued["payload"]["code"] == cert["code"]
    assert issued["recipients"] == [_to("volunteer", volunteer)]

    start = await _last(aconn)
    await reviews.review_demand(db, SYSTEM, demand_id=world.demand, rating=5, comment="很好")
    [review] = await _events(aconn, start)
    assert review["kind"] == "review_received" and review["payload"]["rating"] == 5
    assert review["recipients"] == [_to("volunteer", volunteer)]


async def test_a_team_offer_tells_its_captains_and_desk_and_assignments_tell_members(
        aconn: psycopg.AsyncConnection[Any]) -> None:
    w = await make_world(aconn, volunteers=2)
    here = ConnectionDatabase(aconn)
    captain, member = w.volunteer_ids
    team = await _one(aconn, "INSERT INTO organization (name, level, kind, region_code) "
                             "VALUES ('通知测试分队', 'squad', 'association', %s) RETURNING id",
                      (w.region_code,))
    await aconn.execute("INSERT INTO membership (volunteer_id, organization_id, role) VALUES "
                        "(%s, %s, 'captain'), (%s, %s, 'member')", (captain, team, member, team))
    start = await _last(aconn)
    offer = await teams.offer_to_team(here, ZHENGZHOU, demand_id=w.demand_id,
                                      organization_id=team, slots=1, note="")
    [received] = await _events(aconn, start)
    assert received["kind"] == "team_offer_received" and received["subject_id"] == offer["id"]
    assert received["recipients"] == [_to("volunteer", captain), _to("organization", team)]
    assert received["payload"]["slots"] == 1 and received["payload"]["title"]
    start = await _last(aconn)
    _, made = await teams.assign_members(here, volunteer_caller(captain), offer_id=offer["id"],
                                         volunteer_ids=[member], ttl_s=3600)
    [offered] = await _events(aconn, start)
    assert offered["kind"] == "offer_made" and offered["subject_id"] == made[0]
    assert offered["recipients"] == [_to("volunteer", member)]


async def _one(conn: psycopg.AsyncConnection[Any], sql: str, params: Any) -> Any:
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    assert row is not None
    return row[0]
