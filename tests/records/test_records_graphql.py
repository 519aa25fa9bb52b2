"""Records over GraphQL: sign-up to hours, corrections, 评单, recognition and certificates,
with who may do what."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg

from hub.auth import ANONYMOUS, Caller, Role
from hub.schema.node import encode_id
from hub.services.certificates import CST
from hub.services.records import Source, record_service
from hub.store import reviews
from tests.records.records_world import World
from tests.seeded import PARTNER, Gql, errors_of

SIGN_UP = """mutation($a: ID!) { signUpForActivity(input: {activityId: $a}) {
  signUp { status placesLeft } errors { field code message } } }"""
ATTEND = """mutation($a: ID!, $v: ID!) { recordActivityAttendance(input: {activityId: $a,
  volunteerId: $v, hours: "2.5"}) { record { id hours } errors { code } } }"""
CORRECT = """mutation($r: ID!, $h: Decimal!) { correctServiceRecord(input: {recordId: $r,
  hours: $h, reason: "签退时间有误"}) { correction { hours isCorrection reason recordedBy }
  record { netHours } errors { field code } } }"""
MINE = """query($v: ID!) { node(id: $v) { ... on Volunteer { totalHours stars pointsBalance
  timeBankBalance rating { count average } serviceRecords { hours netHours isCorrection } } } }"""
PUBLIC = """query($v: ID!) { node(id: $v) { ... on Volunteer { totalHours stars } } }"""


async def _attended(gql: Gql, aconn: psycopg.AsyncConnection[Any], world: World) -> str:
    """Volunteer 0 signs up, the activity takes place, the org admin records 2.5 h."""
    activity = encode_id("Activity", world.future_activity)
    data = await gql.data(SIGN_UP, {"a": activity}, caller=world.volunteer(0))
    assert data["signUpForActivity"] == {"signUp": {"status": "signed_up", "placesLeft": 29},
                                         "errors": []}
    await aconn.execute("UPDATE activity SET time_window = tstzrange(now() - interval '3 hours',"
                        " now()) WHERE id = %s", (world.future_activity,))
    data = await gql.data(ATTEND, {"a": activity, "v": encode_id("Volunteer",
                                                                  world.volunteers[0])},
                          caller=world.org_admin())
    assert data["recordActivityAttendance"]["errors"] == []
    return str(data["recordActivityAttendance"]["record"]["id"])


async def test_attendance_gives_hours_points_and_time_bank(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], world: World):
    await _attended(gql, aconn, world)
    me = encode_id("Volunteer", world.volunteers[0])
    mine = (await gql.data(MINE, {"v": me}, caller=world.volunteer(0)))["node"]
    assert mine == {"totalHours": "2.50", "stars": 0, "pointsBalance": 25,
                    "timeBankBalance": "2.50", "rating": {"count": 0, "average": None},
                    "serviceRecords": [{"hours": "2.50", "netHours": "2.50",
                                        "isCorrection": False}]}
    public = await gql.data(PUBLIC, {"v": me}, caller=PARTNER)
    assert public["node"] == {"totalHours": "2.50", "stars": 0}
    other = await gql(MINE, {"v": me}, caller=world.volunteer(1))
    assert {code for code, _ in errors_of(other)} == {"FORBIDDEN"}


async def test_only_managers_in_scope_correct_records(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], world: World):
    record = await _attended(gql, aconn, world)
    for caller in (world.volunteer(0), Caller(role=Role.ORG_ADMIN, sub="o", org=1),
                   Caller(role=Role.DISPATCHER, sub="d", region="620000000000")):
        result = await gql(CORRECT, {"r": record, "h": "1"}, caller=caller)
        assert errors_of(result)[0][0] == "FORBIDDEN"
    data = await gql.data(CORRECT, {"r": record, "h": "1.5"}, caller=world.org_admin())
    assert data["correctServiceRecord"] == {
        "correction": {"hours": "-1.00", "isCorrection": True, "reason": "签退时间有误",
                       "recordedBy": "org-admin"},
        "record": {"netHours": "1.50"}, "errors": []}
    dispatcher = Caller(role=Role.DISPATCHER, sub="d", region="410300000000")
    again = await gql.data(CORRECT, {"r": record, "h": "1.5"}, caller=dispatcher)
    assert again["correctServiceRecord"]["errors"] == [{"field": "hours", "code": "NO_CHANGE"}]
    mine = await gql.data(MINE, {"v": encode_id("Volunteer", world.volunteers[0])},
                          caller=world.volunteer(0))
    assert mine["node"]["pointsBalance"] == 15 and mine["node"]["totalHours"] == "1.50"


REVIEW = """mutation($d: ID!, $r: Int!) { reviewDemand(input: {demandId: $d, rating: $r,
  comment: "讲得很好"}) { review { rating direction } errors { code } } }"""
RATE = """mutation($d: ID!) { rateDemandOrganiser(input: {demandId: $d, rating: 4}) {
  review { rating direction } errors { code } } }"""


async def test_the_requester_reviews_a_served_demand_once(gql: Gql, world: World):
    demand = encode_id("Demand", world.demand)
    requester = Caller(role=Role.PARTNER, sub="requester-1")
    early = await gql.data(REVIEW, {"d": demand, "r": 5}, caller=requester)
    assert early["reviewDemand"]["errors"] == [{"code": "NOT_SERVED"}]
    async with gql.db.transaction() as tx:
        await record_service(tx, volunteer_id=world.volunteers[0],
                             source=Source(demand_id=world.demand), hours=2, verified_by="t")
    assert errors_of(await gql(REVIEW, {"d": demand, "r": 5}, caller=world.volunteer(0)))[0][0] \
        == "FORBIDDEN"
    bad = await gql.data(REVIEW, {"d": demand, "r": 6}, caller=requester)
    assert bad["reviewDemand"]["errors"] == [{"code": "INVALID_RATING"}]
    done = await gql.data(REVIEW, {"d": demand, "r": 5}, caller=requester)
    assert done["reviewDemand"]["review"] == {"rating": 5, "direction": "requester_to_service"}
    twice = await gql.data(REVIEW, {"d": demand, "r": 1}, caller=requester)
    assert twice["reviewDemand"]["errors"] == [{"code": "ALREADY_REVIEWED"}]
    assert (await gql.data(RATE, {"d": demand}, caller=world.volunteer(1)))[
        "rateDemandOrganiser"]["errors"] == [{"code": "NOT_SERVED"}]
    rated = await gql.data(RATE, {"d": demand}, caller=world.volunteer(0))
    assert rated["rateDemandOrganiser"]["review"]["direction"] == "volunteer_to_organiser"
    mine = await gql.data(MINE, {"v": encode_id("Volunteer", world.volunteers[0])},
                          caller=world.volunteer(0))
    assert mine["node"]["rating"] == {"count": 1, "average": 5.0}
    stations = await reviews.list_station_ratings(gql.db, station_ids=[world.station])
    assert {(r["direction"], r["n"], float(r["average"])) for r in stations} == {
        ("requester_to_service", 1, 5.0), ("volunteer_to_organiser", 1, 4.0)}
    (team,) = await reviews.list_organization_ratings(gql.db, organization_ids=[world.org])
    assert (team["n"], float(team["average"])) == (1, 5.0)
    status = await gql.db.fetch("SELECT status FROM demand WHERE id = %s", (world.demand,))
    assert status[0]["status"] == "reviewed"


ISSUE = """mutation($v: ID!, $from: Date!, $to: Date!) { issueCertificate(input: {volunteerId: $v,
  from: $from, to: $to}) { certificate { code totalHours stars issuerName records { hours } }
  errors { code } } }"""
VERIFY = """query($c: String!) { verifyCertificate(code: $c) { valid reason certificate {
  volunteerName totalHours } } certificatePublicKey { algorithm keyId } }"""


async def test_a_volunteer_issues_their_own_certificate_and_anyone_verifies_it(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], world: World):
    await _attended(gql, aconn, world)
    today = datetime.now(CST).date()
    period = {"v": encode_id("Volunteer", world.volunteers[0]),
              "from": str(today - timedelta(days=7)), "to": str(today)}
    refused = await gql(ISSUE, period, caller=world.volunteer(1))
    assert errors_of(refused)[0][0] == "FORBIDDEN"
    issued = (await gql.data(ISSUE, period, caller=world.volunteer(0)))["issueCertificate"]
    assert issued["errors"] == [] and issued["certificate"]["totalHours"] == "2.50"
    assert issued["certificate"]["issuerName"] == "记录测试科技志愿服务队"
    checked = await gql.data(VERIFY, {"c": issued["certificate"]["code"]}, caller=ANONYMOUS)
    assert checked["verifyCertificate"]["valid"] is True
    assert checked["verifyCertificate"]["certificate"] == {"volunteerName": "测试志愿者0",
                                                           "totalHours": "2.50"}
    assert checked["certificatePublicKey"]["algorithm"] == "Ed25519"
    listed = await gql.data("query($v: ID!) { node(id: $v) { ... on Volunteer { "
                            "serviceCertificates { code } } } }", {"v": period["v"]},
                            caller=world.org_admin())
    assert listed["node"]["serviceCertificates"] == [{"code": issued["certificate"]["code"]}]
    empty = await gql.data(ISSUE, {**period, "v": encode_id("Volunteer", world.volunteers[1])},
                           caller=world.org_admin())
    assert empty["issueCertificate"]["errors"] == [{"code": "NO_RECORDS"}]


async def test_a_record_is_a_node_for_those_who_may_see_it(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], world: World):
    record = await _attended(gql, aconn, world)
    query = "query($r: ID!) { node(id: $r) { ... on ServiceRecord { hours title } } }"
    mine = await gql.data(query, {"r": record}, caller=world.volunteer(0))
    assert mine["node"] == {"hours": "2.50", "title": "科普讲座"}
    assert (await gql.data(query, {"r": record}, caller=world.volunteer(1)))["node"] is None


async def test_recognition_on_a_list_of_volunteers_is_batched(gql: Gql):
    query = """{ volunteers(first: 50) { edges { node { totalHours stars
                 rating { count } } } } }"""
    before = gql.db.statements
    data = await gql.data(query, caller=PARTNER)
    assert len(data["volunteers"]["edges"]) == 50
    assert gql.db.statements - before <= 3  # the page, recognition, ratings
