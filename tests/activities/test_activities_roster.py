"""Activity.signUps (报名名单, the console's 签到 panel): places, then the waitlist in its order,
then cancellations, paged by keyset; for those who take the activity's attendance only."""

from __future__ import annotations

from typing import Any

from hub.auth import Caller, Role
from hub.auth.tokens import SYSTEM
from hub.schema.node import encode_id
from hub.services import activities
from hub.store.base import ConnectionDatabase
from tests.records.records_world import World
from tests.seeded import Gql

ROSTER = """query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Activity {
  signUps(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
    edges { node { status waitlistPosition volunteer { id } } } } } } }"""


async def _page(gql: Gql, caller: Caller, activity: int, first: int,
                after: str | None = None) -> Any:
    data = await gql.data(ROSTER, {"id": encode_id("Activity", activity), "first": first,
                                   "after": after}, caller=caller)
    return data["node"]["signUps"] if data["node"] else None


async def test_places_then_the_waitlist_in_order_then_cancellations_paged(
        db: ConnectionDatabase, world: World, gql: Gql) -> None:
    a, (v0, v1, v2, v3) = world.future_activity, world.volunteers  # capacity 2
    for v in (v3, v0, v2, v1):  # v3 and v0 take the places; v2 then v1 wait
        await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    await activities.cancel(db, SYSTEM, activity_id=a, volunteer_id=v0)  # v2 moves up
    await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v0)  # v0 waits behind v1
    seen: list[tuple[str, int | None, str]] = []
    after = None
    for _ in range(5):
        page = await _page(gql, world.org_admin(), a, 1, after)
        assert page["totalCount"] == 4
        seen += [(e["node"]["status"], e["node"]["waitlistPosition"],
                  e["node"]["volunteer"]["id"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    places = sorted([v2, v3])
    assert seen == [("signed_up", None, encode_id("Volunteer", places[0])),
                    ("signed_up", None, encode_id("Volunteer", places[1])),
                    ("waitlisted", 1, encode_id("Volunteer", v1)),
                    ("waitlisted", 2, encode_id("Volunteer", v0))]


async def test_only_those_who_take_attendance_see_who_signed_up(
        db: ConnectionDatabase, world: World, gql: Gql) -> None:
    a = world.future_activity
    await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=world.volunteers[0])
    assert (await _page(gql, Caller(Role.ADMIN, "admin-1"), a, 10))["totalCount"] == 1
    for outsider in (world.volunteer(0), Caller(Role.ORG_ADMIN, "other-team", org=1),
                     Caller(Role.PARTNER, "partner-1")):
        data = await gql.data(ROSTER, {"id": encode_id("Activity", a), "first": 10},
                              caller=outsider)
        assert data["node"] is None or data["node"]["signUps"] is None, outsider
