"""活动报名: sign up for an organisation's activity, cancel, and record attendance with hours.

The activity row is locked for every change, so concurrent sign-ups queue and the capacity is
never exceeded (the ``signed_up <= capacity`` CHECK is the database's own backstop). Attendance
appends a service record through :func:`hub.services.records.record_service`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from hub.auth import Caller
from hub.auth.actions import Action, require
from hub.services.records import RecordsError, Source, hours_of, record_service, recorded_name
from hub.services.subjects import org_subject
from hub.store import activities as store
from hub.store import volunteers
from hub.store.activities import get_many as get_many
from hub.store.activities import get_many_projects as get_many_projects
from hub.store.activities import list_of_projects as list_of_projects
from hub.store.activities import list_projects as list_projects
from hub.store.base import Database, Row

SECONDS_PER_HOUR = Decimal(3600)


async def _activity(tx: Database, activity_id: int, acting: Acting) -> Row:
    """The activity, locked, once the action table lets the caller act on the volunteer's
    place in it (subject: the activity's region and team, and the volunteer)."""
    row = await store.lock_source(tx, activity_id=activity_id)
    if row is None:
        raise RecordsError("NOT_FOUND", "activityId", f"activity {activity_id} does not exist",
                           f"活动 {activity_id} 不存在")
    require(acting.caller, acting.action,
            org_subject(row["region_code"], row["org_path"], acting.volunteer_id),
            what=acting.what)
    return row


@dataclass(frozen=True)
class Acting:
    """Who acts on which volunteer's place, and the row of the action table that decides."""

    caller: Caller
    action: Action
    volunteer_id: int
    what: str


def _now() -> datetime:
    return datetime.now(UTC)


async def sign_up(db: Database, caller: Caller, *, activity_id: int,
                  volunteer_id: int) -> tuple[Row, Row]:
    """Sign a volunteer up (``activity.sign_up``); returns (sign-up, activity)."""
    acting = Acting(caller, Action.ACTIVITY_SIGN_UP, volunteer_id,
                    "sign this volunteer up for this activity")
    async with db.transaction() as tx:
        activity = await _activity(tx, activity_id, acting)
        if activity["status"] != "published" or activity["starts_at"] <= _now():
            raise RecordsError("ACTIVITY_CLOSED", "activityId",
                               f"activity {activity_id} is not open for sign-up",
                               f"活动 {activity_id} 未开放报名")
        status = await volunteers.get_status(tx, volunteer_id=volunteer_id)
        if status != "active":
            raise RecordsError("VOLUNTEER_INACTIVE", "volunteerId",
                               f"volunteer {volunteer_id} is {status or 'unknown'}",
                               f"志愿者 {volunteer_id} 当前不在服务状态")
        current = await store.lock_signup(tx, activity_id=activity_id, volunteer_id=volunteer_id)
        if current is not None and current["status"] == "signed_up":
            raise RecordsError("ALREADY_SIGNED_UP", "activityId", "already signed up", "已经报名")
        if activity["signed_up"] >= activity["capacity"]:
            raise RecordsError("ACTIVITY_FULL", "activityId",
                               f"all {activity['capacity']} places are taken",
                               f"活动的 {activity['capacity']} 个名额已满")
        row = await store.update_signup_status(tx, activity_id=activity_id,
                                               volunteer_id=volunteer_id, status="signed_up")
        activity["signed_up"] = await store.update_signed_up(tx, activity_id=activity_id, delta=1)
    return row, activity


async def cancel(db: Database, caller: Caller, *, activity_id: int,
                 volunteer_id: int) -> tuple[Row, Row]:
    """Cancel a sign-up before the activity starts (``activity.sign_up``)."""
    acting = Acting(caller, Action.ACTIVITY_SIGN_UP, volunteer_id,
                    "cancel this volunteer's sign-up")
    async with db.transaction() as tx:
        activity = await _activity(tx, activity_id, acting)
        current = await store.lock_signup(tx, activity_id=activity_id, volunteer_id=volunteer_id)
        if current is None or current["status"] != "signed_up":
            raise RecordsError("NOT_SIGNED_UP", "activityId", "there is no sign-up to cancel",
                               "没有可取消的报名")
        if activity["starts_at"] <= _now():
            raise RecordsError("ACTIVITY_STARTED", "activityId",
                               "the activity has started; ask the organiser to mark absence",
                               "活动已经开始，请联系组织者登记缺席")
        row = await store.update_signup_status(tx, activity_id=activity_id,
                                               volunteer_id=volunteer_id, status="cancelled")
        activity["signed_up"] = await store.update_signed_up(tx, activity_id=activity_id, delta=-1)
    return row, activity


async def record_attendance(db: Database, caller: Caller, *, activity_id: int,
                            volunteer_id: int, attended: bool,
                            hours: Decimal | None) -> tuple[Row, Row | None]:
    """Mark a signed-up volunteer attended (with a confirmed service record) or absent, once
    started (``activity.attendance``). ``hours`` defaults to the activity's duration.
    """
    acting = Acting(caller, Action.ACTIVITY_ATTENDANCE, volunteer_id,
                    "record attendance at this activity")
    verified_by = recorded_name(caller)
    async with db.transaction() as tx:
        activity = await _activity(tx, activity_id, acting)
        if activity["starts_at"] > _now():
            raise RecordsError("ACTIVITY_NOT_STARTED", "activityId",
                               "attendance is recorded once the activity has started",
                               "活动开始后才能登记出勤")
        current = await store.lock_signup(tx, activity_id=activity_id, volunteer_id=volunteer_id)
        if current is None or current["status"] in {"cancelled"}:
            raise RecordsError("NOT_SIGNED_UP", "volunteerId",
                               f"volunteer {volunteer_id} is not signed up",
                               f"志愿者 {volunteer_id} 没有报名")
        if current["status"] != "signed_up":
            raise RecordsError("ALREADY_RECORDED", "volunteerId",
                               f"attendance was already recorded as {current['status']}",
                               "已经登记过出勤")
        record = None
        if attended:
            span = activity["ends_at"] - activity["starts_at"]
            given = hours if hours is not None else Decimal(span.total_seconds()) / SECONDS_PER_HOUR
            record = await record_service(tx, volunteer_id=volunteer_id,
                                          source=Source(activity_id=activity_id),
                                          hours=hours_of(given), verified_by=verified_by)
        row = await store.update_signup_status(tx, activity_id=activity_id,
                                               volunteer_id=volunteer_id,
                                               status="attended" if attended else "absent")
    return row, record
