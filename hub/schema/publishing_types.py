"""The review log on stations, activities and projects (谁主办谁负责): a mixin of their types.

Kept apart from :mod:`hub.schema.publishing` (the mutations), which imports those types.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.schema.context import Info
from hub.services import publishing
from hub.store.base import Row

if TYPE_CHECKING:
    from hub.schema.places import Station


@strawberry.type(description="One step of a publication's life cycle: a submission for review, "
                             "an approval, a rejection (with its reason), closing, archiving.")
class PublicationReview:
    decision: str = strawberry.field(description="submit | approve | reject | close | archive")
    from_status: str
    to_status: str
    reason: str = strawberry.field(description="Why (required for a rejection).")
    actor: str = strawberry.field(description="Who, as role:subject.")
    at: datetime

    @classmethod
    def from_row(cls, row: Row) -> PublicationReview:
        return cls(decision=row["decision"], from_status=row["from_status"],
                   to_status=row["to_status"], reason=row["reason"], actor=row["actor"],
                   at=row["at"])


@strawberry.type
class Reviewed:
    """The review log field of :class:`~hub.schema.places.Station`,
    :class:`~hub.schema.organizations.Activity` and :class:`~hub.schema.organizations.Project`
    (the kind is the type's name)."""

    if TYPE_CHECKING:
        row: Row

    def _kind(self) -> str:
        return type(self).__name__.lower()

    def manages(self, info: Info) -> bool:
        """Whether the caller manages or reviews this row (hub.services.publishing)."""
        return publishing.may_manage(info.context.caller, self._kind(), self.row)

    @strawberry.field(description="Submissions, approvals and rejections (with reasons), "
                                  "oldest first: to those who manage or review it; null to "
                                  "others.")
    async def reviews(self, info: Info) -> list[PublicationReview] | None:
        if not self.manages(info):
            return None
        rows = await info.context.loaders.reviews.load((self._kind(), self.row["id"]))
        return [PublicationReview.from_row(r) for r in rows]


@strawberry.type
class AtStation:
    """An activity's station field (:class:`~hub.schema.organizations.Activity`)."""

    if TYPE_CHECKING:
        row: Row

    @strawberry.field(description="The station it takes place at, if one (and if the caller "
                                  "may see it).")
    async def station(self, info: Info) -> Annotated[
            Station, strawberry.lazy("hub.schema.places")] | None:
        from hub.schema.places import load_station

        station = self.row.get("station_id")
        return await load_station(info, station) if station else None
