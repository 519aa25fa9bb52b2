"""An activity's sign-up list (报名名单) for those who take its attendance: places, then the
waitlist in its order, then cancellations (the console's 签到 panel shows it beside the code).

Who: ``activity.attendance`` on the activity (admins, the region's dispatchers, org admins of
the organising team or above); anyone else is told nothing (None), as for a publication's
review log.
"""

from __future__ import annotations

from hub.auth import Caller
from hub.auth.actions import Action, can
from hub.services.subjects import org_subject
from hub.store import activities, signups
from hub.store.base import Database, Row


async def may_see(db: Database, caller: Caller, *, activity_id: int) -> bool:
    """Whether the caller takes this activity's attendance (and so sees who signed up)."""
    source = await activities.get_source(db, activity_id=activity_id)
    return source is not None and can(caller, Action.ACTIVITY_ATTENDANCE,
                                      org_subject(source["region_code"], source["org_path"]))


async def roster(db: Database, caller: Caller, *, activity_id: int, first: int,
                 after_key: int | None) -> list[Row] | None:
    """Up to ``first + 1`` sign-ups after ``after_key``; None when the caller may not see
    them."""
    if not await may_see(db, caller, activity_id=activity_id):
        return None
    return await signups.list_of_activity(db, activity_id=activity_id, after_key=after_key,
                                          first=first)


async def count(db: Database, *, activity_id: int) -> int:
    """How many rows :func:`roster` pages through (after its check)."""
    return await signups.count_of_activity(db, activity_id=activity_id)
