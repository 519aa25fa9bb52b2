"""Fields of an activity (活动) about signing up: places left, distance, requirements, and
whether the calling volunteer fits them (mixed into :class:`hub.schema.organizations.Activity`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from hub.schema.context import Info
from hub.services import activities
from hub.store.base import Row


@strawberry.type(description="How the calling volunteer meets an activity's requirements.")
class ActivityFit:
    missing_skills: list[str] = strawberry.field(
        description="Required skills they lack: shown to them and the organiser, not a "
                    "condition of sign-up.")
    insured: bool = strawberry.field(
        description="Insurance covers the activity's last day (China time), or none is "
                    "required; sign-up refuses INSURANCE_REQUIRED otherwise.")
    fits: bool = strawberry.field(description="No skill missing and insured.")


@strawberry.type
class SignUpFields:
    """Resolvers on an activity row (``ACTIVITY_COLUMNS`` or the list's)."""

    if TYPE_CHECKING:
        row: Row

    @strawberry.field(description="Places not yet taken (a full activity takes a waitlist).")
    def places_left(self) -> int:
        return max(0, int(self.row["capacity"]) - int(self.row["signed_up"]))

    @strawberry.field(description="Metres (exact WGS-84) from the `near` point.")
    def distance_m(self) -> float | None:
        distance = self.row.get("distance_m")
        return None if distance is None else round(float(distance), 1)

    @strawberry.field(description="Sign-up requires insurance covering the last day.")
    def requires_insurance(self) -> bool:
        return bool(self.row.get("requires_insurance"))

    @strawberry.field(description="Skills the organiser asks for (shown; not a condition).")
    def required_skills(self) -> list[str]:
        return list(self.row.get("required_skills") or ())

    @strawberry.field(description="For a calling volunteer: how they meet the requirements "
                                  "(null for other callers).")
    async def my_fit(self, info: Info) -> ActivityFit | None:
        own = info.context.caller.volunteer_id
        me = await info.context.loaders.volunteer.load(own) if own is not None else None
        if me is None:
            return None
        missing = activities.missing_skills(self.row.get("required_skills"), me.get("skills"))
        insured = activities.insured_for(bool(self.row.get("requires_insurance")),
                                         me.get("insured_until"),
                                         activities.last_day(self.row["ends_at"]))
        return ActivityFit(missing_skills=missing, insured=insured,
                           fits=insured and not missing)
