"""活动报名: sign up for an organisation's activity, cancel, and record attendance with hours.

The activity row is locked for every change, so concurrent sign-ups queue and the capacity is
never exceeded (the ``signed_up <= capacity`` CHECK is the database's own backstop). A full
activity takes further sign-ups on its waitlist, first come first served; a freed place goes
to the first of them in the transaction that frees it. Attendance appends a service record
through :func:`hub.services.records.record_service` (check-in and check-out by code or
geofence: :mod:`hub.services.attendance`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from hub.auth import Caller
from hub.auth.actions import Action, require, subject
from hub.services.notices import tell_owner
from hub.services.outbox import EventSubject
from hub.services.records import RecordsError, Source, hours_of, record_service, recorded_name
from hub.services.subjects import org_subject, volunteer_subject
from hub.store import activities as store
from hub.store import signups, volunteers
from hub.store.activities import get_many as get_many
from hub.store.activities import get_many_projects as get_many_projects
from hub.store.activities import list_of_projects as list_of_projects
from hub.store.activities import list_projects as list_projects
from hub.store.activity_list import ActivityFilter as ActivityFilter
from hub.store.activity_list import count as count
from hub.store.activity_list import list_ as list_
from hub.store.base import Database, Row

SECONDS_PER_HOUR = Decimal(3600)
PROMOTED = "activity_waitlist_promoted"  # the owner notice of a volunteer moved up
CHINA = ZoneInfo(store.CST)


async def locked_activity(tx: Database, activity_id: int, acting: Acting) -> Row:
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


def utc_now() -> datetime:
    return datetime.now(UTC)


async def sign_up(db: Database, caller: Caller, *, activity_id: int,
                  volunteer_id: int) -> tuple[Row, Row]:
    """Sign a volunteer up (``activity.sign_up``), or put them on the waitlist when every
    place is taken; returns (sign-up with its waitlist position, activity).

    Refused: an activity not published or already started, a volunteer not active, one
    already signed up or waitlisted, and one whose insurance does not cover the activity's
    last day where it requires insurance (``INSURANCE_REQUIRED``). Required skills are not
    a condition (the organiser chose who may come by publishing it): the sign-up answers
    ``missing_skills`` so the volunteer and the organiser see them.
    """
    acting = Acting(caller, Action.ACTIVITY_SIGN_UP, volunteer_id,
                    "sign this volunteer up for this activity")
    async with db.transaction() as tx:
        activity = await locked_activity(tx, activity_id, acting)
        if activity["status"] != "published" or activity["starts_at"] <= utc_now():
            raise RecordsError("ACTIVITY_CLOSED", "activityId",
                               f"activity {activity_id} is not open for sign-up",
                               f"活动 {activity_id} 未开放报名")
        fit = await _fit(tx, activity_id, volunteer_id)
        current = await signups.lock(tx, activity_id=activity_id, volunteer_id=volunteer_id)
        if current is not None and current["status"] in {"signed_up", "waitlisted"}:
            code = "ALREADY_SIGNED_UP" if current["status"] == "signed_up" else "ALREADY_WAITLISTED"
            raise RecordsError(code, "activityId", f"already {current['status'].replace('_', ' ')}",
                               "已经报名" if code == "ALREADY_SIGNED_UP" else "已经在候补名单上")
        full = activity["signed_up"] >= activity["capacity"]
        await signups.update_status(tx, activity_id=activity_id, volunteer_id=volunteer_id,
                                    status="waitlisted" if full else "signed_up")
        if not full:
            activity["signed_up"] = await signups.update_signed_up(tx, activity_id=activity_id,
                                                                   delta=1)
        row = await _as_now(tx, activity_id, volunteer_id)
    return {**row, "missing_skills": missing_skills(fit["required_skills"],
                                                    fit["skill_codes"])}, activity


def missing_skills(required: Iterable[str] | None, held: Iterable[str] | None) -> list[str]:
    """The required skills not held, in the activity's order (shown; not a condition)."""
    have = set(held or ())
    return [skill for skill in required or () if skill not in have]


def last_day(ends_at: datetime) -> date:
    """The China-time day an activity ends on: the day insurance must cover."""
    return ends_at.astimezone(CHINA).date()


def insured_for(requires_insurance: bool, insured_until: date | None, ends_on: date) -> bool:
    """Whether the volunteer's insurance lets them sign up (always, when none is required)."""
    return not requires_insurance or (insured_until is not None and insured_until >= ends_on)


async def _fit(tx: Database, activity_id: int, volunteer_id: int) -> Row:
    """The volunteer's fit for the activity, refused when inactive or uninsured."""
    fit = await signups.get_fit(tx, activity_id=activity_id, volunteer_id=volunteer_id)
    status = fit["status"] if fit else None
    if fit is None or status != "active":
        raise RecordsError("VOLUNTEER_INACTIVE", "volunteerId",
                           f"volunteer {volunteer_id} is {status or 'unknown'}",
                           f"志愿者 {volunteer_id} 当前不在服务状态")
    insured, ends_on = fit["insured_until"], fit["ends_on"]
    if not insured_for(fit["requires_insurance"], insured, ends_on):
        held = (f"insurance ends on {insured.isoformat()}" if insured
                else "no insurance is on record")
        held_zh = f"保险有效期至 {insured.isoformat()}" if insured else "没有保险记录"
        raise RecordsError(
            "INSURANCE_REQUIRED", "volunteerId",
            f"activity {activity_id} requires insurance covering {ends_on.isoformat()} "
            f"(China time), its last day; {held}",
            f"活动 {activity_id} 要求保险覆盖活动结束日 {ends_on.isoformat()}"
            f"（北京时间），{held_zh}")
    return fit


async def _as_now(tx: Database, activity_id: int, volunteer_id: int) -> Row:
    row = await signups.get(tx, activity_id=activity_id, volunteer_id=volunteer_id)
    assert row is not None  # written in this transaction
    return row


async def cancel(db: Database, caller: Caller, *, activity_id: int,
                 volunteer_id: int) -> tuple[Row, Row]:
    """Cancel a sign-up before the activity starts, or leave its waitlist at any time
    (``activity.sign_up``). A freed place goes to the first waitlisted volunteer in the same
    transaction (:func:`fill_from_waitlist`)."""
    acting = Acting(caller, Action.ACTIVITY_SIGN_UP, volunteer_id,
                    "cancel this volunteer's sign-up")
    async with db.transaction() as tx:
        activity = await locked_activity(tx, activity_id, acting)
        current = await signups.lock(tx, activity_id=activity_id, volunteer_id=volunteer_id)
        if current is None or current["status"] not in {"signed_up", "waitlisted"}:
            raise RecordsError("NOT_SIGNED_UP", "activityId", "there is no sign-up to cancel",
                               "没有可取消的报名")
        waitlisted = current["status"] == "waitlisted"
        if not waitlisted and activity["starts_at"] <= utc_now():
            raise RecordsError("ACTIVITY_STARTED", "activityId",
                               "the activity has started; ask the organiser to mark absence",
                               "活动已经开始，请联系组织者登记缺席")
        await signups.update_status(tx, activity_id=activity_id, volunteer_id=volunteer_id,
                                    status="cancelled")
        if not waitlisted:
            activity["signed_up"] = await signups.update_signed_up(
                tx, activity_id=activity_id, delta=-1)
            activity["signed_up"] += len(await _promote(tx, activity))
        row = await _as_now(tx, activity_id, volunteer_id)
    return row, activity


async def fill_from_waitlist(tx: Database, *, activity_id: int) -> list[int]:
    """Give the activity's free places to its first waitlisted volunteers, in order, inside
    the caller's transaction; returns who moved up. Call it after anything that frees places
    or adds them (a cancellation, a larger capacity, publishing again). Locks the activity
    (again, if the caller did: a no-op), so concurrent changes queue."""
    activity = await store.lock_source(tx, activity_id=activity_id)
    return await _promote(tx, activity) if activity else []


async def _promote(tx: Database, activity: Row) -> list[int]:
    """Move the first waitlisted volunteers up into the free places of a locked activity
    that is still open (published, not started), telling each (an owner notice)."""
    free = activity["capacity"] - activity["signed_up"]
    if free <= 0 or activity["status"] != "published" or activity["starts_at"] <= utc_now():
        return []
    moved = await signups.update_promoted(tx, activity_id=activity["id"], places=free)
    if moved:
        await signups.update_signed_up(tx, activity_id=activity["id"], delta=len(moved))
        for volunteer_id in moved:
            await tell_owner(tx, volunteer_id=volunteer_id, kind=PROMOTED,
                             about=EventSubject("activity", activity["id"]),
                             payload={"activityId": str(activity["id"]),
                                      "title": activity.get("title"),
                                      "startsAt": activity["starts_at"].isoformat()})
    return moved


SIGN_UP_STATUSES = ("signed_up", "waitlisted", "checked_in", "attended", "absent", "cancelled")


async def signups_of(db: Database, caller: Caller, *, volunteer_id: int, first: int,
                     after: int | None, statuses: tuple[str, ...] = SIGN_UP_STATUSES
                     ) -> list[Row]:
    """A volunteer's sign-ups, newest activity first, with their waitlist positions: up to
    ``first + 1`` after the activity id ``after``. Whoever may read the volunteer's records
    may read these (``record.read``: the volunteer, their managers)."""
    facts = await volunteers.get_facts(db, volunteer_id=volunteer_id)
    require(caller, Action.RECORD_READ,
            volunteer_subject(facts) if facts else subject(volunteer_id=volunteer_id),
            what="see this volunteer's sign-ups")
    return await signups.list_(db, volunteer_id=volunteer_id, statuses=statuses,
                               before_activity=after, first=first)


async def count_signups_of(db: Database, *, volunteer_id: int,
                           statuses: tuple[str, ...] = SIGN_UP_STATUSES) -> int:
    """How many sign-ups :func:`signups_of` pages through (after its check)."""
    return await signups.count(db, volunteer_id=volunteer_id, statuses=statuses)


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
        activity = await locked_activity(tx, activity_id, acting)
        if activity["starts_at"] > utc_now():
            raise RecordsError("ACTIVITY_NOT_STARTED", "activityId",
                               "attendance is recorded once the activity has started",
                               "活动开始后才能登记出勤")
        current = await signups.lock(tx, activity_id=activity_id, volunteer_id=volunteer_id)
        if current is None or current["status"] in {"cancelled", "waitlisted"}:
            raise RecordsError("NOT_SIGNED_UP", "volunteerId",
                               f"volunteer {volunteer_id} is not signed up",
                               f"志愿者 {volunteer_id} 没有报名")
        if current["status"] not in {"signed_up", "checked_in"}:
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
        row = await signups.update_status(tx, activity_id=activity_id,
                                          volunteer_id=volunteer_id,
                                          status="attended" if attended else "absent")
    return row, record
