"""``Activity.signUps``: who signed up for an activity, for those who take its attendance
(mixed into :class:`hub.schema.organizations.Activity`; ``hub.services.activity_roster``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from hub.schema.common import Connection, connection, page_args
from hub.schema.context import Info
from hub.schema.signups import ActivitySignUp, sign_up_of
from hub.services import activity_roster
from hub.store.base import Row


@strawberry.type
class RosterFields:
    """The sign-up list of an activity row."""

    if TYPE_CHECKING:
        row: Row

    @strawberry.field(description="报名名单: places, then the waitlist in its order "
                                  "(waitlistPosition), then cancellations; for those who take "
                                  "the activity's attendance (activity.attendance), null to "
                                  "others.")
    async def sign_ups(self, info: Info, first: int | None = None, after: str | None = None
                       ) -> Connection[ActivitySignUp] | None:
        size, cursor = page_args(first, after)
        db = info.context.db
        activity_id = int(self.row["id"])
        rows = await activity_roster.roster(db, info.context.caller, activity_id=activity_id,
                                            first=size, after_key=cursor.id if cursor else None)
        if rows is None:
            return None
        return connection([{**r, "id": r["roster_key"]} for r in rows], first=size,
                          after=cursor, make=sign_up_of,
                          count_thunk=lambda: activity_roster.count(db, activity_id=activity_id))
