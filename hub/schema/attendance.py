"""活动签到/签退 mutations: the organiser's rotating attendance code, and a volunteer's check-in
and check-out by that code or by where they are (:mod:`hub.services.attendance`)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub.schema.common import PointInput
from hub.schema.context import Info
from hub.schema.errors import BadUserInput
from hub.schema.payloads import mutation, payload
from hub.schema.records import ServiceRecord
from hub.schema.records_common import volunteer_id_of
from hub.schema.signups import ActivitySignUp, SignUpResult, activity_key, sign_up_of
from hub.services import attendance
from hub.services.attendance import Proof, Rules


@strawberry.type(description="签到码: the text to show as a QR code, and when it is accepted.")
class AttendanceCode:
    code: str
    valid_from: datetime
    valid_until: datetime = strawberry.field(description="Accepted until then (two steps).")
    rotates_at: datetime = strawberry.field(description="When to ask for the next one.")
    step_seconds: int


@strawberry.input
class IssueActivityAttendanceCodeInput:
    activity_id: strawberry.ID


@payload("INVALID", "NOT_FOUND", "ATTENDANCE_CLOSED")
class IssueActivityAttendanceCodePayload:
    """The current code of an activity."""

    attendance_code: AttendanceCode | None = None


@strawberry.input(description="签到/签退: the organiser's current code, or where the volunteer "
                               "is (within the check-in distance of the activity); one of them.")
class CheckInToActivityInput:
    activity_id: strawberry.ID
    code: str | None = None
    point: PointInput | None = None
    volunteer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the calling volunteer (only they may).")


@strawberry.input(description="签退: a later code than the check-in's, or where the volunteer "
                               "is; one of them.")
class CheckOutOfActivityInput(CheckInToActivityInput):
    pass


_REFUSED = ("INVALID", "NOT_FOUND", "NOT_SIGNED_UP", "ATTENDANCE_CLOSED",
            "ATTENDANCE_CODE_INVALID", "ATTENDANCE_CODE_OTHER_ACTIVITY", "ATTENDANCE_CODE_EXPIRED",
            "ATTENDANCE_CODE_USED", "TOO_FAR")


@payload(*_REFUSED, "ALREADY_CHECKED_IN")
class CheckInToActivityPayload(SignUpResult):
    """签到."""


@payload(*_REFUSED, "NOT_CHECKED_IN", "INVALID_HOURS")
class CheckOutOfActivityPayload(SignUpResult):
    """签退, with the pending record of the hours served."""

    record: ServiceRecord | None = None


def _proof(input: CheckInToActivityInput) -> Proof:
    if (input.code is None) == (input.point is None):
        raise BadUserInput("code", input.code, "give the code or the point (one of them)",
                           "请提供签到码或当前位置（二选一）")
    if input.point is not None:
        lon, lat = input.point.wgs84("point")
        return Proof(lon=lon, lat=lat)
    return Proof(code=input.code)


async def issue_activity_attendance_code(info: Info, input: IssueActivityAttendanceCodeInput
                                         ) -> IssueActivityAttendanceCodePayload:
    rules = Rules.of(info.context.settings)
    code = await attendance.current_code(info.context.db, info.context.caller,
                                         activity_id=activity_key(input.activity_id),
                                         rules=rules)
    return IssueActivityAttendanceCodePayload(attendance_code=AttendanceCode(
        code=code.text, valid_from=code.valid_from, valid_until=code.valid_until,
        rotates_at=code.rotates_at, step_seconds=rules.step_s))


async def check_in_to_activity(info: Info, input: CheckInToActivityInput
                               ) -> CheckInToActivityPayload:
    row = await attendance.check_in(
        info.context.db, info.context.caller, activity_id=activity_key(input.activity_id),
        volunteer_id=volunteer_id_of(info, input.volunteer_id), proof=_proof(input),
        rules=Rules.of(info.context.settings))
    return CheckInToActivityPayload(sign_up=sign_up_of(row))


async def check_out_of_activity(info: Info, input: CheckOutOfActivityInput
                                ) -> CheckOutOfActivityPayload:
    row, record = await attendance.check_out(
        info.context.db, info.context.caller, activity_id=activity_key(input.activity_id),
        volunteer_id=volunteer_id_of(info, input.volunteer_id), proof=_proof(input),
        rules=Rules.of(info.context.settings))
    return CheckOutOfActivityPayload(
        sign_up=sign_up_of(row), record=ServiceRecord.from_row(record) if record else None)


@strawberry.type
class AttendanceMutation:
    issue_activity_attendance_code: IssueActivityAttendanceCodePayload = mutation(
        "签到码: the activity's current attendance code, to show as a QR code (whoever may "
        "record attendance there); it rotates every stepSeconds and is accepted until "
        "validUntil.", issue_activity_attendance_code)
    check_in_to_activity: CheckInToActivityPayload = mutation(
        "签到: check in at an activity with its current code or within the check-in "
        "distance, from an hour before it starts until it ends.", check_in_to_activity)
    check_out_of_activity: CheckOutOfActivityPayload = mutation(
        "签退: check out with a later code or within the distance; the hours from check-in, "
        "clipped to the activity, become a record pending the organiser's confirmation.",
        check_out_of_activity)


__all__ = ["ActivitySignUp", "AttendanceMutation"]
