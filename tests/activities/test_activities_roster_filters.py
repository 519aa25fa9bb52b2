"""Activity.signUps for the organiser: kept to the statuses asked for (codes or labels), with
check-in and check-out times, the waitlist with its positions, and the volunteers' personal
fields as the field policy gives them (a member of the organiser's team by name, a volunteer
from elsewhere masked)."""

from __future__ import annotations

from typing import Any

import psycopg

from hub.auth import Caller, Role
from hub.auth.tokens import SYSTEM
from hub.pii import mask_name
from hub.schema.node import encode_id
from hub.services import activities
from hub.store.base import ConnectionDatabase
from tests.records.records_world import World
from tests.seeded import Gql, errors_of

ROSTER = """query($id: ID!, $status: [String!]) { node(id: $id) { ... on Activity {
  signUps(status: $status) { totalCount edges { node { status waitlistPosition checkedInAt
    checkedOutAt checkInMethod volunteer { id name } } } } } } }"""


async def _roster(gql: Gql, caller: Caller, activity: int,
                  status: list[str] | None = None) -> Any:
    data = await gql.data(ROSTER, {"id": encode_id("Activity", activity), "status": status},
                          caller=caller)
    return data["node"]["signUps"]


async def _outsider(aconn: psycopg.AsyncConnection[Any]) -> tuple[int, str]:
    """An active volunteer of Gansu, in none of the world's teams."""
    cur = await aconn.execute("SELECT id, real_name FROM volunteer WHERE status = 'active' AND "
                              "region_code LIKE '62%%' AND real_name IS NOT NULL ORDER BY id "
                              "LIMIT 1")
    row = await cur.fetchone()
    assert row is not None
    return int(row[0]), str(row[1])


async def test_statuses_times_positions_and_personal_fields(
        db: ConnectionDatabase, world: World, gql: Gql,
        aconn: psycopg.AsyncConnection[Any]) -> None:
    a, (v0, v1, v2, _) = world.future_activity, world.volunteers  # capacity 2
    outsider, outsider_name = await _outsider(aconn)
    for v in (v0, v1, outsider, v2):  # v0 and v1 take the places; the outsider, then v2 wait
        await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    await aconn.execute("UPDATE activity_signup SET status = 'checked_in', checked_in_at = "
                        "now(), check_in_method = 'code' WHERE activity_id = %s AND "
                        "volunteer_id = %s", (a, v0))
    organiser = world.org_admin()

    everyone = await _roster(gql, organiser, a)
    assert everyone["totalCount"] == 4
    waiting = await _roster(gql, organiser, a, ["waitlisted"])
    assert waiting["totalCount"] == 2
    assert [(e["node"]["waitlistPosition"], e["node"]["volunteer"]["id"])
            for e in waiting["edges"]] == [(1, encode_id("Volunteer", outsider)),
                                           (2, encode_id("Volunteer", v2))]
    # The organiser's own member by name; a volunteer from elsewhere masked (the policy's
    # volunteer.name: in scope for org admins is their team's subtree).
    names = [e["node"]["volunteer"]["name"] for e in waiting["edges"]]
    assert names == [mask_name(outsider_name), "测试志愿者2"]
    here = await _roster(gql, organiser, a, ["已签到", "checked_in"])  # a label and a code
    [(node,)] = [(e["node"],) for e in here["edges"]]
    assert node["status"] == "checked_in" and node["checkInMethod"] == "code"
    assert node["checkedInAt"] and node["checkedOutAt"] is None
    assert node["volunteer"]["id"] == encode_id("Volunteer", v0)
    both = await _roster(gql, organiser, a, ["signed_up", "checked_in"])
    assert both["totalCount"] == 2
    # An admin sees every name in full.
    admin = await _roster(gql, Caller(Role.ADMIN, "admin-1"), a, ["waitlisted"])
    assert [e["node"]["volunteer"]["name"] for e in admin["edges"]] == [outsider_name,
                                                                        "测试志愿者2"]


async def test_an_unknown_status_is_refused_naming_it(world: World, gql: Gql) -> None:
    result = await gql(ROSTER, {"id": encode_id("Activity", world.future_activity),
                                "status": ["signed_up", "迟到"]}, caller=world.org_admin())
    [(code, message)] = errors_of(result)
    assert code == "BAD_USER_INPUT" and "status[1]" in message and "迟到" in message


async def test_listed_activities_carry_the_columns_of_one_activity(
        db: ConnectionDatabase, world: World) -> None:
    """A listed activity's row has what one read by id has (its team's path, deciding who sees
    its sign-ups; its safety plan), so its fields answer the same either way."""
    [one] = await activities.get_many(db, ids=[world.future_activity])
    listed = await activities.list_(db, filter=activities.ActivityFilter(
        organization_path=str(one["org_path"])), first=10, after=None, near=None, within=None)
    [same] = [r for r in listed if r["id"] == world.future_activity]
    assert set(same) == set(one)
    assert {k: same[k] for k in one if k != "distance_m"} == {
        k: v for k, v in one.items() if k != "distance_m"}
