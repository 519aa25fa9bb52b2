"""活动签到/签退: attendance at an activity by the organiser's rotating code or by geofence.

The organiser (who may record attendance: ``activity.attendance``) shows the current code
(:func:`current_code`, a QR code on their screen); a signed-up volunteer scans it to check in
and, later, a later code to check out (``activity.check_in``, themself only). Instead of a code
the volunteer may send where they are: accepted within the distance dispatch's check-in uses
(``HUB_CHECKIN_MAX_DISTANCE_M``). Check-in opens ``HUB_CHECKIN_TOLERANCE_S`` before the start
and closes at the end; check-out is open from the start until that long after the end.

Hours: check-in to check-out, clipped to the activity's window (so a record never exceeds its
duration, sql/0013), as a *pending* service record that counts once the organiser, a
dispatcher or the region's auto-confirmation confirms it (``confirmServiceRecord``), as
dispatch's check-out records do. A volunteer who checked in but never checked out is recorded
by the organiser with ``recordActivityAttendance`` (hours by hand, confirmed at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from hub.auth import Caller
from hub.auth.actions import Action, actor, require
from hub.certs import attendance_code
from hub.certs.attendance_code import AttendanceCode, CodeRefused
from hub.services.activities import SECONDS_PER_HOUR, Acting, locked_activity, utc_now
from hub.services.records import RecordsError, Source, hours_of, record_service
from hub.services.subjects import org_subject
from hub.services.workflow_errors import shown_at
from hub.settings import Settings
from hub.store import activities as store
from hub.store import signups
from hub.store.base import Database, Row

SHOWN = ("published", "closed")  # an activity whose code may be shown


@dataclass(frozen=True)
class Rules:
    """The settings attendance follows."""

    key: str
    step_s: int
    max_distance_m: float
    tolerance_s: int

    @classmethod
    def of(cls, settings: Settings) -> Rules:
        """From the app's settings (whose attendance key ``hub.app.dev_settings`` filled in)."""
        if not settings.attendance_code_key:
            raise RuntimeError("Config 'HUB_ATTENDANCE_CODE_KEY' is missing, and has no default.")
        return cls(settings.attendance_code_key, settings.attendance_code_step_s,
                   settings.checkin_max_distance_m, settings.checkin_tolerance_s)


@dataclass(frozen=True)
class Proof:
    """How a volunteer shows they are there: the organiser's code, or a WGS-84 point."""

    code: str | None = None
    lon: float | None = None
    lat: float | None = None


async def current_code(db: Database, caller: Caller, *, activity_id: int,
                       rules: Rules) -> AttendanceCode:
    """The code to show now (``activity.attendance``), while check-in or check-out is open."""
    activity = await store.get_source(db, activity_id=activity_id)
    if activity is None:
        raise RecordsError("NOT_FOUND", "activityId", f"activity {activity_id} does not exist",
                           f"活动 {activity_id} 不存在")
    require(caller, Action.ACTIVITY_ATTENDANCE,
            org_subject(activity["region_code"], activity["org_path"]),
            what="show this activity's attendance code")
    now = utc_now()
    opens, closes = _open_span(activity, rules)
    if activity["status"] not in SHOWN or not opens <= now < closes:
        raise RecordsError(
            "ATTENDANCE_CLOSED", "activityId",
            f"attendance at activity {activity_id} is open {shown_at(opens)} to "
            f"{shown_at(closes)}", f"活动 {activity_id} 的签到时间为 {shown_at(opens)} 至 "
                                   f"{shown_at(closes)}")
    return attendance_code.issue(rules.key, activity_id=activity_id, now=now,
                                 step_s=rules.step_s)


def _open_span(activity: Row, rules: Rules) -> tuple[datetime, datetime]:
    """From check-in's opening to check-out's closing."""
    slack = timedelta(seconds=rules.tolerance_s)
    return activity["starts_at"] - slack, activity["ends_at"] + slack


def _checked_code(proof: Proof, activity_id: int, rules: Rules) -> int | None:
    """The step of the proof's code, checked without the database (None: no code)."""
    if proof.code is None:
        return None
    try:
        return attendance_code.verify(rules.key, proof.code, activity_id=activity_id,
                                      now=utc_now(), step_s=rules.step_s)
    except CodeRefused as refused:
        zh = {"INVALID": "不是本平台的签到码（已被改动或伪造）",
              "OTHER_ACTIVITY": "是另一个活动的签到码",
              "EXPIRED": "已过期，请扫描组织者当前显示的签到码"}[refused.code]
        raise RecordsError(f"ATTENDANCE_CODE_{refused.code}", "code",
                           f"{proof.code[:40]!r} {refused.reason}",
                           f"签到码 {proof.code[:40]!r} {zh}") from None


async def _place(tx: Database, activity_id: int, proof: Proof, rules: Rules
                 ) -> float | None:
    """Metres from the proof's point to the activity, refused beyond the geofence."""
    if proof.lon is None or proof.lat is None:
        return None
    metres = await signups.get_distance_m(tx, activity_id=activity_id, lon=proof.lon,
                                          lat=proof.lat)
    if metres > rules.max_distance_m:
        raise RecordsError(
            "TOO_FAR", "point", f"({proof.lon:.6f}, {proof.lat:.6f}) is {metres:.0f} m from the "
            f"activity; checking in needs {rules.max_distance_m:.0f} m or less",
            f"当前位置距活动地点 {metres:.0f} 米，须在 {rules.max_distance_m:.0f} 米以内")
    return metres


def _fresh(step: int | None, current: Row) -> None:
    """Refuse a code this volunteer already used here (a replay)."""
    last = current["last_code_step"]
    if step is not None and last is not None and step <= last:
        raise RecordsError("ATTENDANCE_CODE_USED", "code",
                           "you already used this code; scan the organiser's current one",
                           "这个签到码你已经用过，请扫描组织者当前显示的签到码")


async def _locked(tx: Database, caller: Caller, activity_id: int,
                  volunteer_id: int) -> tuple[Row, Row]:
    acting = Acting(caller, Action.ACTIVITY_CHECK_IN, volunteer_id,
                    "check in or out: only the volunteer signed up may")
    activity = await locked_activity(tx, activity_id, acting)
    if activity["status"] not in SHOWN:
        raise RecordsError("ATTENDANCE_CLOSED", "activityId",
                           f"activity {activity_id} is {activity['status']}",
                           f"活动 {activity_id} 当前状态（{activity['status']}）不能签到")
    current = await signups.lock(tx, activity_id=activity_id, volunteer_id=volunteer_id)
    if current is None or current["status"] in {"cancelled", "waitlisted"}:
        raise RecordsError("NOT_SIGNED_UP", "activityId",
                           f"volunteer {volunteer_id} has no place in activity {activity_id}",
                           f"志愿者 {volunteer_id} 没有活动 {activity_id} 的名额")
    return activity, current


async def check_in(db: Database, caller: Caller, *, activity_id: int, volunteer_id: int,
                   proof: Proof, rules: Rules) -> Row:
    """签到 by code or geofence, from ``tolerance_s`` before the start until the end."""
    step = _checked_code(proof, activity_id, rules)
    async with db.transaction() as tx:
        activity, current = await _locked(tx, caller, activity_id, volunteer_id)
        if current["status"] != "signed_up":
            raise RecordsError("ALREADY_CHECKED_IN", "activityId",
                               f"already {current['status'].replace('_', ' ')}", "已经签到过")
        now = utc_now()
        opens = activity["starts_at"] - timedelta(seconds=rules.tolerance_s)
        if not opens <= now < activity["ends_at"]:
            raise RecordsError("ATTENDANCE_CLOSED", "activityId",
                               f"check-in is open {shown_at(opens)} to "
                               f"{shown_at(activity['ends_at'])}",
                               f"签到时间为 {shown_at(opens)} 至 {shown_at(activity['ends_at'])}")
        metres = await _place(tx, activity_id, proof, rules)
        await signups.update_checked_in(tx, activity_id=activity_id, volunteer_id=volunteer_id,
                                        method="code" if step is not None else "geofence",
                                        distance_m=metres, code_step=step)
        row = await signups.get(tx, activity_id=activity_id, volunteer_id=volunteer_id)
    assert row is not None
    return row


async def check_out(db: Database, caller: Caller, *, activity_id: int, volunteer_id: int,
                    proof: Proof, rules: Rules) -> tuple[Row, Row | None]:
    """签退 by a later code or geofence, once the activity started: the hours from check-in
    to now clipped to the window become a pending service record."""
    step = _checked_code(proof, activity_id, rules)
    async with db.transaction() as tx:
        activity, current = await _locked(tx, caller, activity_id, volunteer_id)
        if current["status"] != "checked_in":
            raise RecordsError("NOT_CHECKED_IN", "activityId",
                               f"there is no check-in to close (the sign-up is "
                               f"{current['status'].replace('_', ' ')})", "还没有签到")
        _fresh(step, current)
        now = utc_now()
        _, closes = _open_span(activity, rules)
        if not activity["starts_at"] <= now < closes:
            raise RecordsError("ATTENDANCE_CLOSED", "activityId",
                               f"check-out is open {shown_at(activity['starts_at'])} to "
                               f"{shown_at(closes)}",
                               f"签退时间为 {shown_at(activity['starts_at'])} 至 "
                               f"{shown_at(closes)}")
        await _place(tx, activity_id, proof, rules)
        done = await signups.update_checked_out(tx, activity_id=activity_id,
                                                volunteer_id=volunteer_id, code_step=step)
        served = (min(done["checked_out_at"], activity["ends_at"])
                  - max(done["checked_in_at"], activity["starts_at"])).total_seconds()
        record = None
        if served >= 36:  # at least 0.01 h
            record = await record_service(
                tx, volunteer_id=volunteer_id, source=Source(activity_id=activity_id),
                hours=hours_of(Decimal(served) / SECONDS_PER_HOUR), verified_by=actor(caller),
                pending=True)
        row = await signups.get(tx, activity_id=activity_id, volunteer_id=volunteer_id)
    assert row is not None
    return row, record
