"""Publishing mutations: create and edit stations, activities and projects, and take them
through review (谁主办谁负责): submitForReview, reviewSubmission, closePublication,
archivePublication take the global ID of any of the three (hub/services/publishing.py)."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Any

import strawberry

from hub.registration.vocab import SKILLS
from hub.schema.common import Connection, connection, page_args
from hub.schema.context import Info
from hub.schema.errors import BadUserInput
from hub.schema.node import decode_id, split_id
from hub.schema.organizations import Activity, Project
from hub.schema.payloads import mutation, payload
from hub.schema.places import Station
from hub.schema.publishing_inputs import (
    CreateActivityInput,
    CreateProjectInput,
    CreateStationInput,
    UpdateActivityInput,
    UpdateProjectInput,
    UpdateStationInput,
    activity_fields,
    project_fields,
    station_fields,
)
from hub.schema.publishing_types import PublicationReview
from hub.schema.query import _region_prefix
from hub.schema.vocab_args import codes
from hub.services import publishing
from hub.services import publishing_values as values
from hub.vocabulary import vocabulary

Publication = Annotated[Station | Activity | Project, strawberry.union(
    "Publication", description="A station, an activity or a project.")]
_TYPES: dict[str, Any] = {"Station": Station, "Activity": Activity, "Project": Project}


_EDIT = ("INVALID", "NOT_FOUND", "UNKNOWN_REGION", "WINDOW_STARTED")
_LIVE = ("NOT_EDITABLE", "LOCKED_WHILE_PUBLISHED")
_STEP = ("INVALID", "NOT_FOUND", "INVALID_TRANSITION")


@payload(*_EDIT)
class CreateStationPayload:
    station: Station | None = None


@payload(*_EDIT, *_LIVE)
class UpdateStationPayload:
    station: Station | None = None


@payload(*_EDIT)
class CreateActivityPayload:
    activity: Activity | None = None


@payload(*_EDIT, *_LIVE, "CAPACITY_BELOW_SIGN_UPS")
class UpdateActivityPayload:
    activity: Activity | None = None


@payload(*_EDIT)
class CreateProjectPayload:
    project: Project | None = None


@payload(*_EDIT, *_LIVE)
class UpdateProjectPayload:
    project: Project | None = None


async def _load(info: Info, type_name: str, id: int) -> Any:
    info.context.authenticate(info.context.caller)  # fresh loaders: what was just written
    return await _TYPES[type_name].load(info, id)


async def _created(info: Info, type_name: str, data: publishing.Fields) -> Any:
    ctx = info.context
    made = await publishing.create(ctx.db, ctx.cipher, ctx.caller, kind=type_name.lower(),
                                   data=data)
    return await _load(info, type_name, made)


async def _updated(info: Info, type_name: str, value: strawberry.ID,
                   data: publishing.Fields) -> Any:
    ctx, id = info.context, decode_id(str(value), type_name)
    await publishing.update(ctx.db, ctx.cipher, ctx.caller, kind=type_name.lower(), id=id,
                            data=data)
    return await _load(info, type_name, id)


async def create_station(info: Info, input: CreateStationInput) -> CreateStationPayload:
    return CreateStationPayload(station=await _created(info, "Station", station_fields(input)))


async def update_station(info: Info, input: UpdateStationInput) -> UpdateStationPayload:
    return UpdateStationPayload(station=await _updated(info, "Station", input.id,
                                                       station_fields(input)))


async def create_activity(info: Info, input: CreateActivityInput) -> CreateActivityPayload:
    team = decode_id(str(input.organization_id), "Organization", "organizationId")
    return CreateActivityPayload(activity=await _created(info, "Activity",
                                                         activity_fields(input, team)))


async def update_activity(info: Info, input: UpdateActivityInput) -> UpdateActivityPayload:
    return UpdateActivityPayload(activity=await _updated(info, "Activity", input.id,
                                                         activity_fields(input, None)))


async def create_project(info: Info, input: CreateProjectInput) -> CreateProjectPayload:
    owner = decode_id(str(input.owner_id), "Organization", "ownerId")
    return CreateProjectPayload(project=await _created(info, "Project",
                                                       project_fields(input, owner)))


async def update_project(info: Info, input: UpdateProjectInput) -> UpdateProjectPayload:
    return UpdateProjectPayload(project=await _updated(info, "Project", input.id,
                                                       project_fields(input, None)))


@strawberry.enum(description="A reviewer's decision.")
class ReviewDecision(Enum):
    APPROVE = "approve"
    REJECT = "reject"


@strawberry.input(description="A station, an activity or a project by its global ID.")
class SubmitForReviewInput:
    id: strawberry.ID


@strawberry.input(description="A submission by its station's, activity's or project's global ID.")
class WithdrawSubmissionInput:
    id: strawberry.ID


@strawberry.input
class ReviewSubmissionInput:
    id: strawberry.ID
    decision: ReviewDecision
    reason: str | None = strawberry.field(default=None, description=(
        "Why (required to reject; at most 1000 characters)."))


@strawberry.input
class ClosePublicationInput:
    id: strawberry.ID
    reason: str | None = None


@strawberry.input
class ArchivePublicationInput(ClosePublicationInput):
    pass


@strawberry.type
class StepResult:
    """The publication as it now is, and the log entry of the step."""

    publication: Publication | None = None
    review: PublicationReview | None = None


@payload(*_STEP, "SAFETY_PLAN_REQUIRED", "WINDOW_STARTED")
class SubmitForReviewPayload(StepResult):
    """提交审核."""


@payload(*_STEP)
class WithdrawSubmissionPayload(StepResult):
    """撤回审核: back to a draft."""


@payload(*_STEP, "REASON_REQUIRED", "SELF_REVIEW", "SAFETY_PLAN_REQUIRED", "WINDOW_STARTED")
class ReviewSubmissionPayload(StepResult):
    """审核: approve (publish) or reject with a reason."""


@payload(*_STEP)
class ClosePublicationPayload(StepResult):
    """关闭."""


@payload(*_STEP)
class ArchivePublicationPayload(StepResult):
    """归档."""


def _target(value: strawberry.ID) -> tuple[str, int]:
    type_name, _ = split_id(str(value), "id")
    if type_name not in _TYPES:
        raise BadUserInput("id", value, "is not the ID of a Station, Activity or Project")
    return type_name, decode_id(str(value), type_name)


async def _step(info: Info, value: strawberry.ID, step: publishing.Step,
                reason: str | None = None) -> dict[str, Any]:
    type_name, id = _target(value)
    done = await publishing.transition(info.context.db, info.context.caller,
                                       kind=type_name.lower(), id=id, step=step, reason=reason)
    return {"publication": await _load(info, type_name, id),
            "review": PublicationReview.from_row(done.review)}


async def submit_for_review(info: Info, input: SubmitForReviewInput) -> SubmitForReviewPayload:
    return SubmitForReviewPayload(**await _step(info, input.id, publishing.Step.SUBMIT))


async def withdraw_submission(info: Info, input: WithdrawSubmissionInput
                              ) -> WithdrawSubmissionPayload:
    return WithdrawSubmissionPayload(**await _step(info, input.id, publishing.Step.WITHDRAW))


async def review_submission(info: Info, input: ReviewSubmissionInput
                            ) -> ReviewSubmissionPayload:
    step = publishing.Step(input.decision.value)
    return ReviewSubmissionPayload(**await _step(info, input.id, step, input.reason))


async def close_publication(info: Info, input: ClosePublicationInput
                            ) -> ClosePublicationPayload:
    return ClosePublicationPayload(**await _step(info, input.id, publishing.Step.CLOSE,
                                                 input.reason))


async def archive_publication(info: Info, input: ArchivePublicationInput
                              ) -> ArchivePublicationPayload:
    return ArchivePublicationPayload(**await _step(info, input.id, publishing.Step.ARCHIVE,
                                                   input.reason))


@strawberry.type
class PublishingMutation:
    create_station: CreateStationPayload = mutation(
        "A new station (a draft): dispatchers of its region, admins.", create_station)
    update_station: UpdateStationPayload = mutation(
        "Edit a station: a draft or rejected one wholly; an open one only its hours, contact "
        "and 六有 flags. Its region's dispatchers, its own staff, admins.", update_station)
    create_activity: CreateActivityPayload = mutation(
        "A new activity (a draft) of a team: the team's org admins (or above), admins.",
        create_activity)
    update_activity: UpdateActivityPayload = mutation(
        "Edit an activity: a draft or rejected one wholly; a published one only its capacity "
        "(never below its sign-ups) and description.", update_activity)
    create_project: CreateProjectPayload = mutation(
        "A new project (a draft) of a team: the team's org admins (or above), admins.",
        create_project)
    update_project: UpdateProjectPayload = mutation(
        "Edit a project: a draft or rejected one wholly; an active one only its description.",
        update_project)
    submit_for_review: SubmitForReviewPayload = mutation(
        "提交审核: a draft or rejected station, activity or project goes to review.",
        submit_for_review)
    withdraw_submission: WithdrawSubmissionPayload = mutation(
        "撤回审核: a submission not yet decided goes back to a draft (its managers).",
        withdraw_submission)
    review_submission: ReviewSubmissionPayload = mutation(
        "审核 (谁主办谁负责): approve (publish) or reject with a reason; a reviewer of the "
        "hosting team or above, the region's dispatchers, admins; never the submitter.",
        review_submission)
    close_publication: ClosePublicationPayload = mutation(
        "Close a published station, activity or project.", close_publication)
    archive_publication: ArchivePublicationPayload = mutation(
        "Archive a draft, rejected, closed or cancelled one (hidden from the public).",
        archive_publication)


@strawberry.input(description="Project conditions; all given ones must hold.")
class ProjectFilter:
    owner_id: strawberry.ID | None = strawberry.field(
        default=None, description="Run by this organisation or one below it.")
    region_code: str | None = strawberry.field(
        default=None, description="Run by an organisation of this division subtree.")
    statuses: list[str] | None = None
    categories: list[str] | None = None
    sub_programmes: list[str] | None = None


_PROJECT_STATUSES = vocabulary("projectStatus", "project status")


async def _project_query(info: Info, f: ProjectFilter) -> publishing.ProjectFilter:
    owner_path = None
    if f.owner_id is not None:
        row = await info.context.loaders.organization.load(
            decode_id(str(f.owner_id), "Organization", "filter.ownerId"))
        if row is None:
            raise BadUserInput("filter.ownerId", f.owner_id, "does not exist")
        owner_path = row["path"]
    return publishing.ProjectFilter(
        owner_path=owner_path, region_prefix=await _region_prefix(info, f.region_code),
        statuses=codes("filter.statuses", f.statuses, _PROJECT_STATUSES),
        categories=codes("filter.categories", f.categories, SKILLS),
        sub_programmes=codes("filter.subProgrammes", f.sub_programmes, values.SUB_PROGRAMMES),
        reach=publishing.reach(info.context.caller, "project"))


@strawberry.type
class PublishingQuery:
    @strawberry.field(description="Projects (项目) in id order: published ones, and the drafts "
                                  "and submissions the caller manages or reviews.")
    async def projects(self, info: Info, first: int | None = None, after: str | None = None,
                       filter: ProjectFilter | None = None) -> Connection[Project]:
        size, cursor = page_args(first, after)
        query = await _project_query(info, filter or ProjectFilter())
        db = info.context.db
        rows = await publishing.list_projects(db, filter=query, first=size, after=cursor)
        return connection(rows, first=size, after=cursor, make=Project.from_row,
                          count_thunk=lambda: publishing.count_projects(db, filter=query))
