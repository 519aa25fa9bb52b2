"""The waitlist: a full activity waitlists, a cancellation moves the first up (told by an
owner notice), a waitlisted volunteer can leave; insurance is checked at sign-up."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import psycopg
import pytest

from hub.auth.tokens import SYSTEM
from hub.pii import PiiCipher
from hub.services import activities, publishing
from hub.services.publishing_values import ActivityFields
from hub.services.records import RecordsError
from hub.settings import Settings
from hub.store.base import ConnectionDatabase
from tests.records.records_world import World


async def _code(call: Any) -> str:
    try:
        await call
    except RecordsError as exc:
        return exc.code
    return "OK"


async def _statuses(aconn: psycopg.AsyncConnection[Any], activity: int) -> dict[int, tuple]:
    cur = await aconn.execute("SELECT volunteer_id, status, waitlist_no IS NOT NULL FROM "
                              "activity_signup WHERE activity_id = %s", (activity,))
    return {v: (s, w) for v, s, w in await cur.fetchall()}


async def test_full_activity_waitlists_in_order_and_a_cancellation_moves_the_first_up(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    a, (v0, v1, v2, v3) = world.future_activity, world.volunteers  # capacity 2
    for v in (v0, v1):
        row, act = await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
        assert row["status"] == "signed_up" and row["waitlist_position"] is None
    row, act = await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v2)
    assert (row["status"], row["waitlist_position"], act["signed_up"]) == ("waitlisted", 1, 2)
    row, _ = await activities.sign_up(db, world.volunteer(3), activity_id=a, volunteer_id=v3)
    assert (row["status"], row["waitlist_position"]) == ("waitlisted", 2)
    assert await _code(activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v2)) \
        == "ALREADY_WAITLISTED"

    row, act = await activities.cancel(db, SYSTEM, activity_id=a, volunteer_id=v0)
    assert row["status"] == "cancelled" and act["signed_up"] == 2
    assert await _statuses(aconn, a) == {v0: ("cancelled", False), v1: ("signed_up", False),
                                         v2: ("signed_up", False), v3: ("waitlisted", True)}
    cur = await aconn.execute("SELECT volunteer_id, kind FROM owner_notice WHERE "
                              "volunteer_id = ANY(%s)", (list(world.volunteers),))
    assert await cur.fetchall() == [(v2, "activity_waitlist_promoted")]
    mine = await activities.signups_of(db, world.volunteer(3), volunteer_id=v3, first=10,
                                       after=None)
    assert [(r["activity_id"], r["status"], r["waitlist_position"]) for r in mine] == [
        (a, "waitlisted", 1)]


async def test_a_waitlisted_volunteer_leaves_without_moving_anyone(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    a, (v0, v1, v2, v3) = world.future_activity, world.volunteers
    for v in (v0, v1, v2, v3):
        await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    row, act = await activities.cancel(db, SYSTEM, activity_id=a, volunteer_id=v2)
    assert row["status"] == "cancelled" and act["signed_up"] == 2
    assert (await activities.signups_of(db, SYSTEM, volunteer_id=v3, first=5, after=None)
            )[0]["waitlist_position"] == 1
    # the waitlist may be left even once the activity has started
    await aconn.execute("UPDATE activity SET time_window = tstzrange(now() - interval '1 hour',"
                        " now() + interval '1 hour') WHERE id = %s", (a,))
    row, _ = await activities.cancel(db, SYSTEM, activity_id=a, volunteer_id=v3)
    assert row["status"] == "cancelled"
    assert await _code(activities.cancel(db, SYSTEM, activity_id=a, volunteer_id=v0)) \
        == "ACTIVITY_STARTED"


async def test_more_places_move_the_waitlist_up(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    a, vs = world.future_activity, world.volunteers
    for v in vs:
        await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    await aconn.execute("UPDATE activity SET capacity = 3 WHERE id = %s", (a,))
    async with db.transaction() as tx:
        assert await activities.fill_from_waitlist(tx, activity_id=a) == [vs[2]]
        assert await activities.fill_from_waitlist(tx, activity_id=a) == []
    statuses = await _statuses(aconn, a)
    assert [statuses[v][0] for v in vs] == ["signed_up"] * 3 + ["waitlisted"]


async def test_insurance_must_cover_the_last_day_in_china_time(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    a, v = world.future_activity, world.volunteers[0]
    # ends 17:00 UTC on day D: already day D+1 in China
    await aconn.execute("UPDATE activity SET requires_insurance = true, time_window = tstzrange("
                        "date_trunc('day', now()) + interval '3 days 14 hours', "
                        "date_trunc('day', now()) + interval '3 days 17 hours') WHERE id = %s",
                        (a,))
    cur = await aconn.execute("SELECT (date_trunc('day', now()) + interval '4 days')::date")
    row = await cur.fetchone()
    assert row is not None
    last_day: date = row[0]
    with pytest.raises(RecordsError) as caught:
        await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    assert caught.value.code == "INSURANCE_REQUIRED" and caught.value.field == "volunteerId"
    assert last_day.isoformat() in caught.value.message
    assert last_day.isoformat() in (caught.value.message_zh or "")
    await aconn.execute("UPDATE volunteer SET insured_until = %s WHERE id = %s",
                        (last_day - timedelta(days=1), v))
    with pytest.raises(RecordsError, match="insurance ends on") as caught:
        await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    await aconn.execute("UPDATE volunteer SET insured_until = %s WHERE id = %s", (last_day, v))
    row, _ = await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    assert row["status"] == "signed_up"


async def test_missing_skills_are_shown_not_refused(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    a, v = world.future_activity, world.volunteers[0]
    await aconn.execute("UPDATE activity SET required_skills = '{emergency,health}' "
                        "WHERE id = %s", (a,))
    await aconn.execute("""UPDATE volunteer SET skills = '{"health": 2}' WHERE id = %s""", (v,))
    row, _ = await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    assert row["status"] == "signed_up" and row["missing_skills"] == ["emergency"]


async def test_raising_the_capacity_by_update_activity_moves_the_waitlist_up(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World,
        settings: Settings):
    a, vs = world.future_activity, world.volunteers
    for v in vs:
        await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    assert settings.data_key is not None
    await publishing.update(db, PiiCipher.from_text(settings.data_key), world.org_admin(),
                            kind="activity", id=a, data=ActivityFields(capacity=4))
    statuses = await _statuses(aconn, a)
    assert [statuses[v][0] for v in vs] == ["signed_up"] * 4


async def test_a_volunteer_no_longer_active_is_passed_over(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    a, (v0, v1, v2, v3) = world.future_activity, world.volunteers
    for v in (v0, v1, v2, v3):
        await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    await aconn.execute("UPDATE volunteer SET status = 'suspended' WHERE id = %s", (v2,))
    await activities.cancel(db, SYSTEM, activity_id=a, volunteer_id=v0)
    statuses = await _statuses(aconn, a)
    assert (statuses[v2], statuses[v3]) == (("waitlisted", True), ("signed_up", False))
