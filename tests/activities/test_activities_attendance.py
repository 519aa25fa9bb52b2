"""签到/签退 at an activity: by the organiser's rotating code (another activity's, expired,
altered and replayed codes refused) or by geofence; check-out makes a pending record of the
hours clipped to the activity, which the organiser confirms."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import psycopg
import pytest

from hub.auth.actions import Denied
from hub.auth.tokens import SYSTEM
from hub.certs import attendance_code
from hub.services import activities, attendance, records
from hub.services.attendance import Proof
from hub.services.records import RecordsError
from hub.store.base import ConnectionDatabase
from tests.activities.attendance_steps import started
from tests.activities.conftest import RULES
from tests.records.records_world import World

LON, LAT = 112.45, 34.62  # the world's activities are here


async def _refused(call: Any) -> str:
    with pytest.raises(RecordsError) as caught:
        await call
    return caught.value.code


async def test_code_check_in_then_a_later_code_checks_out_into_a_pending_record(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    a, v = world.future_activity, world.volunteers[0]
    me = world.volunteer(0)
    await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    assert await _refused(attendance.current_code(db, world.org_admin(), activity_id=a,
                                                  rules=RULES)) == "ATTENDANCE_CLOSED"
    await started(aconn, a)
    with pytest.raises(Denied):
        await attendance.current_code(db, me, activity_id=a, rules=RULES)
    shown = await attendance.current_code(db, world.org_admin(), activity_id=a, rules=RULES)
    # the previous step's code is still accepted (a scan at the turn of a step)
    earlier = attendance_code.issue(RULES.key, activity_id=a, step_s=RULES.step_s,
                                    now=shown.valid_from - timedelta(seconds=1)).text
    row = await attendance.check_in(db, me, activity_id=a, volunteer_id=v,
                                    proof=Proof(code=earlier), rules=RULES)
    assert (row["status"], row["check_in_method"]) == ("checked_in", "code")
    assert await _refused(attendance.check_in(db, me, activity_id=a, volunteer_id=v,
                                              proof=Proof(code=earlier), rules=RULES)
                          ) == "ALREADY_CHECKED_IN"
    assert await _refused(attendance.check_out(db, me, activity_id=a, volunteer_id=v,
                                               proof=Proof(code=earlier), rules=RULES)
                          ) == "ATTENDANCE_CODE_USED"  # the check-in's code, replayed
    # checked in 3 h ago by the clock, but the activity began 1 h ago: 1 h is served
    await aconn.execute("UPDATE activity_signup SET checked_in_at = now() - interval '3 hours' "
                        "WHERE activity_id = %s AND volunteer_id = %s", (a, v))
    row, record = await attendance.check_out(db, me, activity_id=a, volunteer_id=v,
                                             proof=Proof(code=shown.text), rules=RULES)
    assert row["status"] == "attended" and record is not None
    assert abs(record["hours"] - Decimal(1)) <= Decimal("0.02")
    assert record["confirmed_at"] is None, "pending until the organiser confirms"
    confirmed = await records.confirm(db, world.org_admin(), record_id=record["id"])
    assert confirmed["id"] == record["id"]
    assert await _refused(attendance.check_out(db, me, activity_id=a, volunteer_id=v,
                                               proof=Proof(code=shown.text), rules=RULES)
                          ) == "NOT_CHECKED_IN"  # once only


async def test_another_activitys_expired_and_altered_codes_are_refused(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    a, v = world.future_activity, world.volunteers[0]
    me = world.volunteer(0)
    await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    await started(aconn, a)
    await started(aconn, world.past_activity)
    other = await attendance.current_code(db, SYSTEM, activity_id=world.past_activity,
                                          rules=RULES)
    stale = attendance_code.issue(RULES.key, activity_id=a, step_s=RULES.step_s,
                                  now=other.valid_from - timedelta(seconds=2 * RULES.step_s))
    good = (await attendance.current_code(db, SYSTEM, activity_id=a, rules=RULES)).text
    tampered = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    for code, refusal in ((other.text, "ATTENDANCE_CODE_OTHER_ACTIVITY"),
                          (stale.text, "ATTENDANCE_CODE_EXPIRED"),
                          (tampered, "ATTENDANCE_CODE_INVALID")):
        assert await _refused(attendance.check_in(db, me, activity_id=a, volunteer_id=v,
                                                  proof=Proof(code=code), rules=RULES)) == refusal
    row = await attendance.check_in(db, me, activity_id=a, volunteer_id=v,
                                    proof=Proof(code=good), rules=RULES)
    assert row["status"] == "checked_in"


async def test_geofence_accepts_within_the_distance_and_refuses_beyond(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    a, v = world.future_activity, world.volunteers[1]
    me = world.volunteer(1)
    await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    await started(aconn, a)
    far = Proof(lon=LON + 0.01, lat=LAT)  # ~920 m east
    assert await _refused(attendance.check_in(db, me, activity_id=a, volunteer_id=v,
                                              proof=far, rules=RULES)) == "TOO_FAR"
    near = Proof(lon=LON + 0.003, lat=LAT)  # ~275 m
    row = await attendance.check_in(db, me, activity_id=a, volunteer_id=v, proof=near,
                                    rules=RULES)
    assert row["check_in_method"] == "geofence" and 250 < row["check_in_distance_m"] < 300
    strict = replace(RULES, max_distance_m=100.0)
    assert await _refused(attendance.check_out(db, me, activity_id=a, volunteer_id=v,
                                               proof=near, rules=strict)) == "TOO_FAR"
    row, _ = await attendance.check_out(db, me, activity_id=a, volunteer_id=v, proof=near,
                                        rules=RULES)
    assert row["status"] == "attended"


async def test_only_the_volunteer_with_a_place_checks_in_and_only_while_open(
        aconn: psycopg.AsyncConnection[Any], db: ConnectionDatabase, world: World):
    a, (v0, v1, v2, _) = world.future_activity, world.volunteers
    for v in (v0, v1, v2):  # capacity 2: v2 waits
        await activities.sign_up(db, SYSTEM, activity_id=a, volunteer_id=v)
    here = Proof(lon=LON, lat=LAT)
    # opens an hour before the start: the activity starts in three days
    assert await _refused(attendance.check_in(db, world.volunteer(0), activity_id=a,
                                              volunteer_id=v0, proof=here, rules=RULES)
                          ) == "ATTENDANCE_CLOSED"
    await started(aconn, a)
    assert await _refused(attendance.check_in(db, world.volunteer(2), activity_id=a,
                                              volunteer_id=v2, proof=here, rules=RULES)
                          ) == "NOT_SIGNED_UP"
    with pytest.raises(Denied):
        await attendance.check_in(db, world.volunteer(1), activity_id=a, volunteer_id=v0,
                                  proof=here, rules=RULES)
    with pytest.raises(Denied):
        await attendance.check_in(db, world.org_admin(), activity_id=a, volunteer_id=v0,
                                  proof=here, rules=RULES)
    assert await _refused(attendance.check_out(db, world.volunteer(0), activity_id=a,
                                               volunteer_id=v0, proof=here, rules=RULES)
                          ) == "NOT_CHECKED_IN"
    await attendance.check_in(db, world.volunteer(0), activity_id=a, volunteer_id=v0,
                              proof=here, rules=RULES)
    # the organiser may still record a checked-in volunteer by hand (hours confirmed at once)
    await aconn.execute("UPDATE activity SET status = 'cancelled' WHERE id = %s", (a,))
    assert await _refused(attendance.check_in(db, world.volunteer(1), activity_id=a,
                                              volunteer_id=v1, proof=here, rules=RULES)
                          ) == "ATTENDANCE_CLOSED"
    await aconn.execute("UPDATE activity SET status = 'published' WHERE id = %s", (a,))
    row, record = await activities.record_attendance(
        db, world.org_admin(), activity_id=a, volunteer_id=v0, attended=True,
        hours=Decimal("1.5"))
    assert row["status"] == "attended" and record is not None and record["hours"] == Decimal(
        "1.50")
