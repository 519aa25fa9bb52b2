"""An activity's sign-up list (报名名单) for those who take its attendance: places, then the
waitlist in its order, then cancellations (the console's 签到 panel shows it beside the code).

Who: ``activity.attendance`` on the activity (admins, the region's dispatchers, org admins of
the organising team or above); anyone else is told nothing (None), as for a publication's
review log. The volunteers' personal fields are the field policy's, as everywhere.

Many activities' lists are read at once (a page of activities, each with its list): one
statement for the pages, one for the counts, whatever the number of activities.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.auth import Caller
from hub.auth.actions import Action, can
from hub.services.activities import SIGN_UP_STATUSES
from hub.services.subjects import org_subject
from hub.store import signups
from hub.store.base import Database, Row


def may_see(caller: Caller, activity: Row) -> bool:
    """Whether the caller takes this activity's attendance (and so sees who signed up);
    ``activity`` an activity row with its ``region_code`` and ``org_path``."""
    return can(caller, Action.ACTIVITY_ATTENDANCE,
               org_subject(activity["region_code"], activity["org_path"]))


async def rosters(db: Database, caller: Caller, *, activities: Sequence[Row], first: int,
                  after_key: int | None, statuses: Sequence[str] = SIGN_UP_STATUSES
                  ) -> list[list[Row] | None]:
    """For each activity, up to ``first + 1`` sign-ups of ``statuses`` after ``after_key``,
    or None where the caller may not see them."""
    seen = [a["id"] for a in activities if may_see(caller, a)]
    rows = await signups.list_of_activities(db, activity_ids=seen, statuses=statuses,
                                            after_key=after_key, first=first) if seen else []
    found: dict[int, list[Row]] = {i: [] for i in seen}
    for row in rows:
        found[row["activity_id"]].append(row)
    return [found.get(a["id"]) for a in activities]


async def counts(db: Database, *, activity_ids: Sequence[int],
                 statuses: Sequence[str] = SIGN_UP_STATUSES) -> dict[int, int]:
    """How many rows :func:`rosters` pages through for each activity (after its check)."""
    rows = await signups.count_of_activities(db, activity_ids=activity_ids, statuses=statuses)
    return {int(r["activity_id"]): int(r["n"]) for r in rows}
