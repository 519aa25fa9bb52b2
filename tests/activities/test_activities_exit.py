"""A volunteer who exits (退出) gives up their places and waitlist entries for activities not
yet started, in the exit's transaction: a freed place goes to the first on the waitlist, as a
suspension's does."""

from __future__ import annotations

from typing import Any

import psycopg

from hub.auth.tokens import SYSTEM
from hub.services import activities, registration
from hub.store.base import ConnectionDatabase
from tests.records.records_world import World


async def _places(aconn: psycopg.AsyncConnection[Any], activity: int) -> dict[int, str]:
    cur = await aconn.execute("SELECT volunteer_id, status FROM activity_signup "
                              "WHERE activity_id = %s", (activity,))
    return {int(v): str(s) for v, s in await cur.fetchall()}


async def test_an_exit_frees_the_place_for_the_waitlist(
        db: ConnectionDatabase, world: World, aconn: psycopg.AsyncConnection[Any]) -> None:
    a, (v0, v1, v2, v3) = world.future_activity, world.volunteers  # capacity 2
    for v in (v0, v1, v2, v3):  # v0 and v1 take the places; v2 then v3 wait
        await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    await registration.exit_volunteer(db, SYSTEM, v0, erase=False)
    assert await _places(aconn, a) == {v0: "cancelled", v1: "signed_up", v2: "signed_up",
                                       v3: "waitlisted"}
    await registration.exit_volunteer(db, SYSTEM, v3, erase=False)  # leaves the waitlist
    assert (await _places(aconn, a))[v3] == "cancelled"
    cur = await aconn.execute("SELECT signed_up FROM activity WHERE id = %s", (a,))
    assert await cur.fetchone() == (2,)
    # A past activity's attendance stays on record.
    await aconn.execute("INSERT INTO activity_signup (activity_id, volunteer_id, status) "
                        "VALUES (%s, %s, 'attended')", (world.past_activity, v1))
    await registration.exit_volunteer(db, SYSTEM, v1, erase=False)
    assert (await _places(aconn, world.past_activity))[v1] == "attended"
    assert (await _places(aconn, a))[v1] == "cancelled"
