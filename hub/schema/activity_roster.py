"""``Activity.signUps``: who signed up for an activity, for those who take its attendance
(mixed into :class:`hub.schema.organizations.Activity`; ``hub.services.activity_roster``).

Batched: a page of activities each asking for its list costs one statement for the lists and
one for their counts (DataLoaders per request, keyed by the page asked for)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import strawberry
from strawberry.dataloader import DataLoader

from hub.auth import Caller
from hub.schema.common import Connection, connection, page_args
from hub.schema.context import Info, per_request
from hub.schema.signups import ActivitySignUp, sign_up_of
from hub.schema.vocab_args import codes
from hub.services import activity_roster
from hub.services.activities import SIGN_UP_STATUSES
from hub.store.base import Database, Row
from hub.vocabulary import vocabulary

_STATUSES = vocabulary("signUpStatus")
Statuses = tuple[str, ...]
_Page = tuple[int, int | None, Statuses, int, str, str | None]
"""(first, after, statuses, activity id, its region, its team's path): one list asked for."""


@dataclass
class _Loaders:
    db: Database
    caller: Caller
    pages: DataLoader[_Page, list[Row] | None] = field(init=False)
    counts: DataLoader[tuple[Statuses, int], int] = field(init=False)

    def __post_init__(self) -> None:
        self.pages = DataLoader(load_fn=self._pages)
        self.counts = DataLoader(load_fn=self._counts)

    async def _pages(self, keys: list[_Page]) -> list[list[Row] | None]:
        found: dict[_Page, list[Row] | None] = {}
        for first, after, statuses in sorted({k[:3] for k in keys}, key=repr):
            wanted = [k for k in keys if k[:3] == (first, after, statuses)]
            rows = await activity_roster.rosters(
                self.db, self.caller, first=first, after_key=after, statuses=statuses,
                activities=[{"id": k[3], "region_code": k[4], "org_path": k[5]} for k in wanted])
            found.update(zip(wanted, rows, strict=True))
        return [found[k] for k in keys]

    async def _counts(self, keys: list[tuple[Statuses, int]]) -> list[int]:
        found: dict[tuple[Statuses, int], int] = {}
        for statuses in sorted({k[0] for k in keys}):
            ids = [i for s, i in keys if s == statuses]
            counted = await activity_roster.counts(self.db, activity_ids=ids, statuses=statuses)
            found.update({(statuses, i): counted.get(i, 0) for i in ids})
        return [found[k] for k in keys]


def _loaders(info: Info) -> _Loaders:
    return per_request(info, "roster_loaders", lambda c: _Loaders(c.db, c.caller))


@strawberry.type
class RosterFields:
    """The sign-up list of an activity row."""

    if TYPE_CHECKING:
        row: Row

    @strawberry.field(description="报名名单: places, then the waitlist in its order "
                                  "(waitlistPosition), then cancellations, with check-in and "
                                  "check-out times; `status` keeps those of the statuses named "
                                  "(signUpStatus codes or labels; default all). For those who "
                                  "take the activity's attendance (activity.attendance), null "
                                  "to others; the volunteers' fields as the field policy gives "
                                  "them.")
    async def sign_ups(self, info: Info, first: int | None = None, after: str | None = None,
                       status: list[str] | None = None) -> Connection[ActivitySignUp] | None:
        size, cursor = page_args(first, after)
        statuses = codes("status", status, _STATUSES) or SIGN_UP_STATUSES
        loaders, row = _loaders(info), self.row
        rows = await loaders.pages.load((size, cursor.id if cursor else None, statuses,
                                         int(row["id"]), row["region_code"], row["org_path"]))
        if rows is None:
            return None

        async def count() -> int:
            return await loaders.counts.load((statuses, int(row["id"])))

        return connection([{**r, "id": r["roster_key"]} for r in rows], first=size,
                          after=cursor, make=sign_up_of, count_thunk=count)
