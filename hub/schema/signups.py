"""活动报名 mutations: sign up for an activity, cancel, and record attendance with hours.

Who may: the volunteer for themself, or an admin / dispatcher / org admin in scope of the
activity on a volunteer's behalf; attendance only by the latter.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.schema.context import Info
from hub.schema.node import decode_id
from hub.schema.records import ServiceRecord
from hub.schema.records_common import (
    UserError,
    errors_from,
    volunteer_input,
)
from hub.services import activities
from hub.services.records import RecordsError
from hub.store.base import Row

if TYPE_CHECKING:
    from hub.schema.organizations import Activity
    from hub.schema.volunteers import Volunteer


@strawberry.type(description="A volunteer's sign-up (报名) for an activity.")
class ActivitySignUp:
    status: str = strawberry.field(description="signed_up | cancelled | attended | absent")
    signed_up_at: datetime
    places_left: int | None = strawberry.field(description="Free places after this change.")
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


def _sign_up(row: Row, activity: Row | None) -> ActivitySignUp:
    left = activity["capacity"] - activity["signed_up"] if activity else None
    return ActivitySignUp(status=row["status"], signed_up_at=row["signed_up_at"],
                          places_left=left, activity_id=row["activity_id"],
                          volunteer_id=row["volunteer_id"])


@strawberry.enum
class SignUpErrorCode(Enum):
    NOT_FOUND = "NOT_FOUND"
    ACTIVITY_CLOSED = "ACTIVITY_CLOSED"
    ACTIVITY_FULL = "ACTIVITY_FULL"
    ACTIVITY_STARTED = "ACTIVITY_STARTED"
    ACTIVITY_NOT_STARTED = "ACTIVITY_NOT_STARTED"
    ALREADY_SIGNED_UP = "ALREADY_SIGNED_UP"
    NOT_SIGNED_UP = "NOT_SIGNED_UP"
    ALREADY_RECORDED = "ALREADY_RECORDED"
    VOLUNTEER_INACTIVE = "VOLUNTEER_INACTIVE"
    INVALID_HOURS = "INVALID_HOURS"


@strawberry.input
class SignUpForActivityInput:
    activity_id: strawberry.ID
    volunteer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the calling volunteer.")


@strawberry.type
class SignUpForActivityError(UserError):
    code: SignUpErrorCode


@strawberry.type
class SignUpForActivityPayload:
    sign_up: ActivitySignUp | None = None
    errors: list[SignUpForActivityError] = strawberry.field(default_factory=list)


@strawberry.input
class CancelActivitySignUpInput:
    activity_id: strawberry.ID
    volunteer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the calling volunteer.")


@strawberry.type
class CancelActivitySignUpError(UserError):
    code: SignUpErrorCode


@strawberry.type
class CancelActivitySignUpPayload:
    sign_up: ActivitySignUp | None = None
    errors: list[CancelActivitySignUpError] = strawberry.field(default_factory=list)


@strawberry.input
class RecordActivityAttendanceInput:
    activity_id: strawberry.ID
    volunteer_id: strawberry.ID
    attended: bool = True
    hours: Decimal | None = strawberry.field(
        default=None, description="Verified hours; default: the activity's duration.")


@strawberry.type
class RecordActivityAttendanceError(UserError):
    code: SignUpErrorCode


@strawberry.type
class RecordActivityAttendancePayload:
    sign_up: ActivitySignUp | None = None
    record: ServiceRecord | None = None
    errors: list[RecordActivityAttendanceError] = strawberry.field(default_factory=list)


async def sign_up_for_activity(info: Info,
                               input: SignUpForActivityInput) -> SignUpForActivityPayload:
    volunteer_id, _ = await volunteer_input(info, input.volunteer_id)
    activity_id = decode_id(str(input.activity_id), "Activity", "activityId")
    try:
        row, activity = await activities.sign_up(info.context.db, info.context.caller,
                                                 activity_id=activity_id,
                                                 volunteer_id=volunteer_id)
    except RecordsError as exc:
        return SignUpForActivityPayload(
            errors=errors_from(SignUpForActivityError, SignUpErrorCode, exc))
    return SignUpForActivityPayload(sign_up=_sign_up(row, activity))


async def cancel_activity_sign_up(info: Info, input: CancelActivitySignUpInput
                                  ) -> CancelActivitySignUpPayload:
    volunteer_id, _ = await volunteer_input(info, input.volunteer_id)
    activity_id = decode_id(str(input.activity_id), "Activity", "activityId")
    try:
        row, activity = await activities.cancel(info.context.db, info.context.caller,
                                                activity_id=activity_id,
                                                volunteer_id=volunteer_id)
    except RecordsError as exc:
        return CancelActivitySignUpPayload(
            errors=errors_from(CancelActivitySignUpError, SignUpErrorCode, exc))
    return CancelActivitySignUpPayload(sign_up=_sign_up(row, activity))


async def record_activity_attendance(info: Info, input: RecordActivityAttendanceInput
                                     ) -> RecordActivityAttendancePayload:
    volunteer_id = decode_id(str(input.volunteer_id), "Volunteer", "volunteerId")
    activity_id = decode_id(str(input.activity_id), "Activity", "activityId")
    try:
        row, record = await activities.record_attendance(
            info.context.db, info.context.caller, activity_id=activity_id,
            volunteer_id=volunteer_id, attended=input.attended, hours=input.hours)
    except RecordsError as exc:
        return RecordActivityAttendancePayload(
            errors=errors_from(RecordActivityAttendanceError, SignUpErrorCode, exc))
    return RecordActivityAttendancePayload(
        sign_up=_sign_up(row, None), record=ServiceRecord.from_row(record) if record else None)


@strawberry.type
class SignUpMutation:
    sign_up_for_activity: SignUpForActivityPayload = strawberry.mutation(
        resolver=sign_up_for_activity, description="报名: sign up for an activity.")
    cancel_activity_sign_up: CancelActivitySignUpPayload = strawberry.mutation(
        resolver=cancel_activity_sign_up,
        description="Cancel a sign-up before the activity starts.")
    record_activity_attendance: RecordActivityAttendancePayload = strawberry.mutation(
        resolver=record_activity_attendance,
        description="Mark a signed-up volunteer attended (a service record with hours, points "
                    "and time bank) or absent.")
