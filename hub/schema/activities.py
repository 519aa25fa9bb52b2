"""Finding activities (活动): ``activities(near:, within:, filter:)`` for everyone (published
ones; closed ones on request), and a volunteer's own sign-ups with their waitlist places."""

from __future__ import annotations

from datetime import datetime

import strawberry

from hub.registration.vocab import SKILLS
from hub.schema import node as nodes_
from hub.schema.common import Connection, NearInput, WithinInput, connection, page_args
from hub.schema.context import Info
from hub.schema.errors import BadUserInput
from hub.schema.organizations import Activity
from hub.schema.query import _organization_path, _region_prefix, _spatial
from hub.schema.signups import ActivitySignUp, sign_up_of
from hub.schema.vocab_args import codes
from hub.services import activities, publishing
from hub.vocabulary import vocabulary

_STATUSES = vocabulary("activityStatus")


@strawberry.input(description="Activity conditions; `from`/`to` select windows overlapping "
                              "them.")
class ActivityFilter:
    region_code: str | None = strawberry.field(default=None, description="Division subtree.")
    categories: list[str] | None = None
    statuses: list[str] | None = strawberry.field(
        default=None, description="Default: published. Others (closed, cancelled; drafts and "
                                  "submissions for those who manage or review them) on request.")
    from_: datetime | None = strawberry.field(default=None, name="from")
    to: datetime | None = None
    organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Run by this organisation or one below it.")
    project_id: strawberry.ID | None = None
    has_free_places: bool | None = strawberry.field(
        default=None, description="true: places left; false: full (sign-up waitlists).")


async def _query(info: Info, f: ActivityFilter) -> activities.ActivityFilter:
    if f.from_ and f.to and f.to <= f.from_:
        raise BadUserInput("filter.to", f.to.isoformat(), "must be after filter.from")
    org_path = await _organization_path(info, f.organization_id)
    project = (nodes_.decode_id(str(f.project_id), "Project", "filter.projectId")
               if f.project_id else None)
    return activities.ActivityFilter(
        region_prefix=await _region_prefix(info, f.region_code),
        categories=codes("filter.categories", f.categories, SKILLS),
        statuses=codes("filter.statuses", f.statuses, _STATUSES), starts_after=f.from_,
        ends_before=f.to, organization_path=org_path, project_id=project,
        has_free_places=f.has_free_places,
        reach=publishing.reach(info.context.caller, "activity"))


@strawberry.type
class ActivityQuery:
    @strawberry.field(description="Activities (活动), by id or nearest first with `near`: "
                                  "published ones, others on request as far as the caller "
                                  "may see them.")
    async def activities(self, info: Info, first: int | None = None, after: str | None = None,
                         filter: ActivityFilter | None = None, near: NearInput | None = None,
                         within: WithinInput | None = None) -> Connection[Activity]:
        size, cursor = page_args(first, after)
        query = await _query(info, filter or ActivityFilter())
        near_q, within_q = _spatial(near, within)
        db = info.context.db
        rows = await activities.list_(db, filter=query, first=size, after=cursor, near=near_q,
                                      within=within_q)
        return connection(
            rows, first=size, after=cursor, make=Activity.from_row,
            count_thunk=lambda: activities.count(db, filter=query, near=near_q,
                                                 within=within_q))

    @strawberry.field(description="A volunteer's sign-ups (default: the caller's), newest "
                                  "activity first, with waitlist positions and check-in times; "
                                  "for the volunteer and those who may read their records.")
    async def activity_sign_ups(self, info: Info, volunteer_id: strawberry.ID | None = None,
                                first: int | None = None, after: str | None = None
                                ) -> Connection[ActivitySignUp]:
        size, cursor = page_args(first, after)
        volunteer = (nodes_.decode_id(str(volunteer_id), "Volunteer", "volunteerId")
                     if volunteer_id is not None else info.context.caller.volunteer_id)
        if volunteer is None:
            raise BadUserInput("volunteerId", None, "is needed unless a volunteer calls",
                               "须指明志愿者（志愿者本人调用时可省略）")
        db = info.context.db
        rows = await activities.signups_of(db, info.context.caller, volunteer_id=volunteer,
                                           first=size, after=cursor.id if cursor else None)
        return connection([{**r, "id": r["activity_id"]} for r in rows], first=size,
                          after=cursor, make=sign_up_of,
                          count_thunk=lambda: activities.count_signups_of(
                              db, volunteer_id=volunteer))
