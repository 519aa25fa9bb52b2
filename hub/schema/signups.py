"""活动报名 mutations: sign up for an activity, cancel, and record attendance with hours.

Who may: the volunteer for themself, or an admin / dispatcher / org admin in scope of the
activity on a volunteer's behalf; attendance only by the latter.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.schema.context import Info
from hub.schema.node import decode_id
from hub.schema.payloads import mutation, payload
from hub.schema.records import ServiceRecord
from hub.schema.records_common import volunteer_id_of
from hub.services import activities
from hub.store.base import Row

if TYPE_CHECKING:
    from hub.schema.organizations import Activity
    from hub.schema.volunteers import Volunteer


@strawberry.type(description="A volunteer's sign-up (报名) for an activity.")
class ActivitySignUp:
    status: str = strawberry.field(description="signed_up | waitlisted | checked_in | "
                                               "attended | absent | cancelled")
    signed_up_at: datetime = strawberry.field(
        description="When the place (or the place on the waitlist) was taken.")
    waitlist_position: int | None = strawberry.field(
        description="1 = next to move up; null unless waitlisted.")
    places_left: int | None = strawberry.field(description="Free places after this change.")
    missing_skills: list[str] | None = strawberry.field(
        description="Skills the activity asks for that the volunteer lacks (shown, not "
                    "required); given by signUpForActivity.")
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    check_in_method: str | None = strawberry.field(default=None, description="code | geofence")
    activity_id: strawberry.Private[int]
    volunteer_id: strawberry.Private[int]

    @strawberry.field
    async def activity(self, info: Info) -> Annotated[
            Activity, strawberry.lazy("hub.schema.organizations")] | None:
        from hub.schema.organizations import Activity

        return await Activity.load(info, self.activity_id)

    @strawberry.field
    async def volunteer(self, info: Info) -> Annotated[
            Volunteer, strawberry.lazy("hub.schema.volunteers")] | None:
        from hub.schema.volunteers import Volunteer

        return await Volunteer.load(info, self.volunteer_id)


def sign_up_of(row: Row, activity: Row | None = None) -> ActivitySignUp:
    """A sign-up row (with its ``waitlist_position``), and its locked activity if at hand."""
    left = activity["capacity"] - activity["signed_up"] if activity else None
    return ActivitySignUp(status=row["status"], signed_up_at=row["signed_up_at"],
                          waitlist_position=row.get("waitlist_position"), places_left=left,
                          missing_skills=row.get("missing_skills"),
                          checked_in_at=row.get("checked_in_at"),
                          checked_out_at=row.get("checked_out_at"),
                          check_in_method=row.get("check_in_method"),
                          activity_id=row["activity_id"], volunteer_id=row["volunteer_id"])


@strawberry.input
class SignUpForActivityInput:
    activity_id: strawberry.ID
    volunteer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the calling volunteer.")


@strawberry.input
class CancelActivitySignUpInput(SignUpForActivityInput):
    pass


@strawberry.input
class RecordActivityAttendanceInput:
    activity_id: strawberry.ID
    volunteer_id: strawberry.ID
    attended: bool = True
    hours: Decimal | None = strawberry.field(
        default=None, description="Verified hours; default: the activity's duration.")


_FOUND = ("INVALID", "NOT_FOUND")


@strawberry.type
class SignUpResult:
    """A sign-up as it now is."""

    sign_up: ActivitySignUp | None = None


@payload(*_FOUND, "ACTIVITY_CLOSED", "VOLUNTEER_INACTIVE", "ALREADY_SIGNED_UP",
         "ALREADY_WAITLISTED", "INSURANCE_REQUIRED")
class SignUpForActivityPayload(SignUpResult):
    """报名: a place, or a place on the waitlist when the activity is full."""


@payload(*_FOUND, "NOT_SIGNED_UP", "ACTIVITY_STARTED")
class CancelActivitySignUpPayload(SignUpResult):
    """取消报名, or leave the waitlist; a freed place goes to the first waitlisted."""


@payload(*_FOUND, "ACTIVITY_NOT_STARTED", "NOT_SIGNED_UP", "ALREADY_RECORDED", "INVALID_HOURS")
class RecordActivityAttendancePayload(SignUpResult):
    record: ServiceRecord | None = None


def activity_key(value: strawberry.ID) -> int:
    """The key of an input's ``activityId``."""
    return decode_id(str(value), "Activity", "activityId")


async def sign_up_for_activity(info: Info,
                               input: SignUpForActivityInput) -> SignUpForActivityPayload:
    row, activity = await activities.sign_up(
        info.context.db, info.context.caller, activity_id=activity_key(input.activity_id),
        volunteer_id=volunteer_id_of(info, input.volunteer_id))
    return SignUpForActivityPayload(sign_up=sign_up_of(row, activity))


async def cancel_activity_sign_up(info: Info, input: CancelActivitySignUpInput
                                  ) -> CancelActivitySignUpPayload:
    row, activity = await activities.cancel(
        info.context.db, info.context.caller, activity_id=activity_key(input.activity_id),
        volunteer_id=volunteer_id_of(info, input.volunteer_id))
    return CancelActivitySignUpPayload(sign_up=sign_up_of(row, activity))


async def record_activity_attendance(info: Info, input: RecordActivityAttendanceInput
                                     ) -> RecordActivityAttendancePayload:
    row, record = await activities.record_attendance(
        info.context.db, info.context.caller, activity_id=activity_key(input.activity_id),
        volunteer_id=volunteer_id_of(info, input.volunteer_id), attended=input.attended,
        hours=input.hours)
    return RecordActivityAttendancePayload(
        sign_up=sign_up_of(row), record=ServiceRecord.from_row(record) if record else None)


@strawberry.type
class SignUpMutation:
    sign_up_for_activity: SignUpForActivityPayload = mutation(
        "报名: sign up for an activity; when every place is taken, join its waitlist "
        "(status waitlisted, with a position) and move up when a place frees.",
        sign_up_for_activity)
    cancel_activity_sign_up: CancelActivitySignUpPayload = mutation(
        "Cancel a sign-up before the activity starts, or leave its waitlist at any time; the "
        "first waitlisted volunteer takes the freed place.", cancel_activity_sign_up)
    record_activity_attendance: RecordActivityAttendancePayload = mutation(
        "Mark a signed-up volunteer attended (a service record with hours, points and time "
        "bank) or absent.", record_activity_attendance)
