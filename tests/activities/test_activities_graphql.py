"""Activities over GraphQL: the list anyone may search (never a draft), its filters, the map
layer and tiles; the waitlist and a code check-in as a volunteer sees them."""

from __future__ import annotations

from typing import Any

import psycopg
from graphql import parse

from hub.auth import ANONYMOUS, ScopeAll
from hub.schema import schema
from hub.schema.limits import operation_cost
from hub.schema.node import encode_id
from hub.store.base import ConnectionDatabase
from hub.store.tiles import TileFilters, get_tile
from tests.activities.attendance_steps import started
from tests.records.records_world import World
from tests.seeded import PARTNER, Gql, errors_of
from tests.tiles.tiles_helpers import features, tile_of

LIST = """query($f: ActivityFilter, $near: NearInput) { activities(first: 50, filter: $f,
  near: $near) { totalCount edges { node { id title status placesLeft distanceM
  requiresInsurance requiredSkills organization { name } myFit { missingSkills insured fits }
  } } } }"""
SIGN_UP = """mutation($a: ID!) { signUpForActivity(input: {activityId: $a}) {
  signUp { status waitlistPosition placesLeft missingSkills } errors { field code } } }"""
MINE = """query($v: ID) { activitySignUps(volunteerId: $v) { totalCount edges { node {
  status waitlistPosition activity { title } } } } }"""
CODE = """mutation($a: ID!) { issueActivityAttendanceCode(input: {activityId: $a}) {
  attendanceCode { code validFrom validUntil rotatesAt stepSeconds } errors { code } } }"""
CHECK_IN = """mutation($a: ID!, $c: String, $p: PointInput) { checkInToActivity(input: {
  activityId: $a, code: $c, point: $p}) { signUp { status checkInMethod checkedInAt }
  errors { field code message } } }"""


def _ids(data: dict[str, Any]) -> list[str]:
    return [e["node"]["id"] for e in data["activities"]["edges"]]


async def _draft(aconn: psycopg.AsyncConnection[Any], world: World) -> int:
    cur = await aconn.execute(
        "INSERT INTO activity (title, organization_id, category, time_window, location_geom, "
        "region_code, capacity, status) SELECT '草稿活动', organization_id, category, "
        "time_window, location_geom, region_code, capacity, 'draft' FROM activity WHERE id = %s "
        "RETURNING id", (world.future_activity,))
    row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def test_anyone_finds_published_activities_never_drafts(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], world: World):
    draft = await _draft(aconn, world)
    org = {"organizationId": encode_id("Organization", world.org)}
    data = await gql.data(LIST, {"f": org})
    assert set(_ids(data)) == {encode_id("Activity", a) for a in (
        world.past_activity, world.future_activity)}
    assert data["activities"]["totalCount"] == 2
    for caller in (ANONYMOUS, PARTNER, world.volunteer(0)):
        asked = await gql.data(LIST, {"f": {**org, "statuses": ["draft", "published"]}},
                               caller=caller)
        assert encode_id("Activity", draft) not in _ids(asked)
    own = await gql.data(LIST, {"f": {**org, "statuses": ["draft"]}}, caller=world.org_admin())
    assert _ids(own) == [encode_id("Activity", draft)], "its managers see their drafts"
    bad = await gql(LIST, {"f": {"statuses": ["secret"]}})
    assert [code for code, _ in errors_of(bad)] == ["BAD_USER_INPUT"]


async def test_filters_near_and_fit(gql: Gql, aconn: psycopg.AsyncConnection[Any],
                                    world: World):
    a = world.future_activity
    await aconn.execute("UPDATE activity SET capacity = 1, signed_up = 1, requires_insurance = "
                        "true, required_skills = '{health}' WHERE id = %s", (a,))
    org = {"organizationId": encode_id("Organization", world.org)}
    full = await gql.data(LIST, {"f": {**org, "hasFreePlaces": False}})
    assert _ids(full) == [encode_id("Activity", a)]
    free = await gql.data(LIST, {"f": {**org, "hasFreePlaces": True}})
    assert _ids(free) == [encode_id("Activity", world.past_activity)]
    cur = await aconn.execute("SELECT upper(time_window) + interval '1 hour' FROM activity "
                              "WHERE id = %s", (world.past_activity,))
    row = await cur.fetchone()
    assert row is not None
    later = await gql.data(LIST, {"f": {**org, "from": row[0].isoformat()}})
    assert _ids(later) == [encode_id("Activity", a)]
    near = {"point": {"lon": 112.451, "lat": 34.62}, "radiusM": 500}
    data = await gql.data(LIST, {"f": {**org, "categories": ["health"]}, "near": near},
                          caller=world.volunteer(0))
    [node] = [e["node"] for e in data["activities"]["edges"]
              if e["node"]["id"] == encode_id("Activity", a)]
    assert 80 < node["distanceM"] < 100 and node["placesLeft"] == 0
    assert node["requiresInsurance"] and node["requiredSkills"] == ["health"]
    assert node["myFit"] == {"missingSkills": ["health"], "insured": False, "fits": False}
    anonymous = await gql.data(LIST, {"f": org})
    assert {e["node"]["myFit"] for e in anonymous["activities"]["edges"]} == {None}


async def test_a_full_activity_waitlists_and_the_volunteer_sees_their_place(
        gql: Gql, world: World):
    a = encode_id("Activity", world.future_activity)  # capacity 2
    for n in range(3):
        data = await gql.data(SIGN_UP, {"a": a}, caller=world.volunteer(n))
    assert data["signUpForActivity"] == {"signUp": {
        "status": "waitlisted", "waitlistPosition": 1, "placesLeft": 0, "missingSkills": []},
        "errors": []}
    mine = await gql.data(MINE, {}, caller=world.volunteer(2))
    assert mine["activitySignUps"] == {"totalCount": 1, "edges": [{"node": {
        "status": "waitlisted", "waitlistPosition": 1, "activity": {"title": "科普讲座"}}}]}
    other = await gql(MINE, {"v": encode_id("Volunteer", world.volunteers[2])},
                      caller=world.volunteer(0))
    assert [code for code, _ in errors_of(other)] == ["FORBIDDEN"]
    again = await gql.data(SIGN_UP, {"a": a}, caller=world.volunteer(2))
    assert again["signUpForActivity"]["errors"] == [{"field": "activityId",
                                                     "code": "ALREADY_WAITLISTED"}]


async def test_the_organiser_shows_a_code_and_the_volunteer_checks_in_with_it(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], world: World):
    a = encode_id("Activity", world.future_activity)
    await gql.data(SIGN_UP, {"a": a}, caller=world.volunteer(0))
    await started(aconn, world.future_activity)
    refused = await gql(CODE, {"a": a}, caller=world.volunteer(0))
    assert [code for code, _ in errors_of(refused)] == ["FORBIDDEN"]
    shown = (await gql.data(CODE, {"a": a}, caller=world.org_admin())
             )["issueActivityAttendanceCode"]
    assert shown["errors"] == [] and shown["attendanceCode"]["stepSeconds"] == 120
    code = shown["attendanceCode"]["code"]
    both = await gql.data(CHECK_IN, {"a": a, "c": code, "p": {"lon": 112.45, "lat": 34.62}},
                          caller=world.volunteer(0))
    assert [(e["field"], e["code"]) for e in both["checkInToActivity"]["errors"]] == [
        ("code", "INVALID")]
    done = (await gql.data(CHECK_IN, {"a": a, "c": code}, caller=world.volunteer(0))
            )["checkInToActivity"]
    assert done["errors"] == [] and done["signUp"]["status"] == "checked_in"
    again = (await gql.data(CHECK_IN, {"a": a, "c": code}, caller=world.volunteer(0))
             )["checkInToActivity"]
    assert [e["code"] for e in again["errors"]] == ["ALREADY_CHECKED_IN"]
    far = (await gql.data(CHECK_IN, {"a": a, "p": {"lon": 113.0, "lat": 34.62}},
                          caller=world.volunteer(1)))["checkInToActivity"]
    assert [e["code"] for e in far["errors"]] == ["NOT_SIGNED_UP"]


LAYER = """{ mapLayer(layer: ACTIVITIES, bbox: {west: 112, south: 34, east: 113, north: 35},
  limit: 10000) }"""


async def test_the_map_draws_upcoming_published_activities_only(
        gql: Gql, aconn: psycopg.AsyncConnection[Any], world: World):
    draft = await _draft(aconn, world)
    drawn = {f["id"]: f["properties"] for f in
             (await gql.data(LAYER))["mapLayer"]["features"]}
    assert encode_id("Activity", world.future_activity) in drawn
    assert encode_id("Activity", world.past_activity) not in drawn  # over
    assert encode_id("Activity", draft) not in drawn
    props = drawn[encode_id("Activity", world.future_activity)]
    assert (props["capacity"], props["signedUp"], props["status"]) == (2, 0, "published")
    db = ConnectionDatabase(aconn)
    x, y = tile_of(112.45, 34.62, 14)
    upcoming, past = world.future_activity, world.past_activity
    # by default what is still to come; statuses asked for replace that, drafts never shown
    for statuses, want, not_drawn in (((), {upcoming}, {draft, past}),
                                      (("draft", "published"), {upcoming, past}, {draft})):
        body = await get_tile(db, layer="activities", z=14, x=x, y=y,
                              filters=TileFilters(statuses=statuses), volunteer_scope=ScopeAll())
        got = {f["id"] for f in features(body, "activities")}
        assert want <= got and not got & not_drawn


NESTED = """query($n: Int!) { activities(first: $n, filter: {statuses: ["published",
  "closed"]}) { edges { node { title placesLeft organization { name region { name } }
  project { name } region { name } myFit { fits } } } } }"""


async def test_nested_activities_do_not_grow_with_rows(gql: Gql, world: World):
    counts = []
    for n in (2, 40):
        before = gql.db.statements
        await gql.data(NESTED, {"n": n}, caller=world.volunteer(0))
        counts.append(gql.db.statements - before)
    assert counts[0] == counts[1] and counts[0] <= 8


def test_activity_lists_are_costed_as_pages_like_stations():
    gql = schema()._schema

    def cost(field: str, node: str = "id region { name }") -> int:
        return operation_cost(gql, parse(f"{{ {field} {{ edges {{ node {{ {node} }} }} }} }}"),
                              None, None)

    assert cost("activities") == cost("stations") > 20 * 5  # a default page, not one row
    assert cost("activities(first: 100)") == cost("stations(first: 100)") > 100 * 5
    assert cost("activitySignUps", "status activity { title }") == cost("stations")
