"""The inputs of the publishing mutations (hub/schema/publishing.py) and their decoding into
the services' fields (hub/services/publishing_values.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar

import strawberry

from hub.schema.common import PointInput
from hub.schema.node import decode_id
from hub.schema.registration import WeeklyWindowInput
from hub.services import publishing_values as values

_T = TypeVar("_T")


@strawberry.input(description="六有 flags (seed 001); those not given stay as they are.")
class SixHasInput:
    place: bool | None = None
    team: bool | None = None
    projects: bool | None = None
    facilities: bool | None = None
    rules: bool | None = None
    signage: bool | None = None


@strawberry.input(description="A station's fields; on update, those not given stay as they are.")
class StationFieldsInput:
    name: str | None = None
    kind: str | None = strawberry.field(default=None, description="A stationKind code or label.")
    address: str | None = None
    location: PointInput | None = strawberry.field(default=None, description=(
        "Where (WGS-84, GCJ-02 or BD-09 by `crs`)."))
    region_code: str | None = strawberry.field(default=None, description=(
        "The division the location lies in (checked)."))
    organization_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The operating organisation; null clears it.")
    six_has: SixHasInput | None = None
    opening_hours: list[WeeklyWindowInput] | None = strawberry.field(
        default=None, description="Weekly windows (China Standard Time), as volunteers give "
                                  "their availability; replaces the hours.")
    contact_name: str | None = None
    contact_phone: str | None = strawberry.field(default=strawberry.UNSET, description=(
        "A mainland mobile; null or \"\" clears it."))


@strawberry.input
class CreateStationInput(StationFieldsInput):
    pass


@strawberry.input
class UpdateStationInput(StationFieldsInput):
    id: strawberry.ID


@strawberry.input(description="An activity's fields; on update, those not given stay.")
class ActivityFieldsInput:
    title: str | None = None
    description: str | None = None
    project_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description=(
        "A project of the organising team, one above it or one beneath it; null clears it."))
    category: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    location: PointInput | None = strawberry.field(default=None, description=(
        "Where; defaults to the station's location."))
    station_id: strawberry.ID | None = strawberry.field(default=strawberry.UNSET, description=(
        "An open station it takes place at; null clears it (the place and region stay)."))
    region_code: str | None = strawberry.field(default=None, description=(
        "The division the location lies in; defaults to the station's."))
    capacity: int | None = None
    required_skills: list[str] | None = None
    safety_plan: str | None = strawberry.field(default=None, description=(
        "安全预案: required before it is submitted for review."))
    requires_insurance: bool | None = None


@strawberry.input
class CreateActivityInput(ActivityFieldsInput):
    organization_id: strawberry.ID = strawberry.field(description="The organising team.")


@strawberry.input
class UpdateActivityInput(ActivityFieldsInput):
    id: strawberry.ID


@strawberry.input(description="A project's fields; on update, those not given stay.")
class ProjectFieldsInput:
    name: str | None = None
    description: str | None = None
    category: str | None = strawberry.field(default=strawberry.UNSET,
                                            description="A skill code or label; null clears it.")
    starts_on: date | None = None
    ends_on: date | None = None
    funding_yuan: Decimal | None = strawberry.field(default=strawberry.UNSET,
                                                    description="Yuan, to the fen; null clears it.")
    funding_source: str | None = None
    sub_programme: str | None = strawberry.field(default=strawberry.UNSET, description=(
        "A subProgramme code or label (e.g. 助力新时代文明实践中心建设); null clears it."))


@strawberry.input
class CreateProjectInput(ProjectFieldsInput):
    owner_id: strawberry.ID = strawberry.field(description="The team that runs it.")


@strawberry.input
class UpdateProjectInput(ProjectFieldsInput):
    id: strawberry.ID


def _optional_id(value: strawberry.ID | None, kind: str, field: str
                 ) -> int | values.Clear | None:
    """A link left out (None), cleared by an explicit null (CLEAR), or the id given."""
    if value is strawberry.UNSET:
        return None
    return values.CLEAR if value is None else decode_id(str(value), kind, field)


def _cleared(value: _T | None) -> _T | values.Clear | None:
    """A value left out (None), cleared by an explicit null (CLEAR), or the value given."""
    if value is strawberry.UNSET:
        return None
    return values.CLEAR if value is None else value


def _point(value: PointInput | None) -> tuple[float, float] | None:
    return None if value is None else value.wgs84("location")


def station_fields(data: StationFieldsInput) -> values.StationFields:
    six = None if data.six_has is None else {
        k: v for k, v in vars(data.six_has).items() if k in values.SIX_HAS and v is not None}
    hours = None if data.opening_hours is None else [w.span() for w in data.opening_hours]
    return values.StationFields(
        name=data.name, kind=data.kind, address=data.address, point=_point(data.location),
        region_code=data.region_code,
        organization_id=_optional_id(data.organization_id, "Organization", "organizationId"),
        six_has=six, opening_hours=hours, contact_name=data.contact_name,
        contact_phone=None if data.contact_phone is strawberry.UNSET else (
            data.contact_phone or ""))


def activity_fields(data: ActivityFieldsInput, team: int | None) -> values.ActivityFields:
    return values.ActivityFields(
        title=data.title, description=data.description, organization_id=team,
        project_id=_optional_id(data.project_id, "Project", "projectId"),
        category=data.category, starts_at=data.starts_at, ends_at=data.ends_at,
        point=_point(data.location),
        station_id=_optional_id(data.station_id, "Station", "stationId"),
        region_code=data.region_code, capacity=data.capacity,
        required_skills=data.required_skills, safety_plan=data.safety_plan,
        requires_insurance=data.requires_insurance)


def project_fields(data: ProjectFieldsInput, owner: int | None) -> values.ProjectFields:
    return values.ProjectFields(
        name=data.name, description=data.description, owner_id=owner,
        category=_cleared(data.category), starts_on=data.starts_on, ends_on=data.ends_on,
        funding_yuan=_cleared(data.funding_yuan), funding_source=data.funding_source,
        sub_programme=_cleared(data.sub_programme))
