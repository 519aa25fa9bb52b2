"""GraphQL types for organisations (队伍), their tree, projects (项目) and activities (活动)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import strawberry
from strawberry import relay

from hub.schema.activity_fields import SignUpFields
from hub.schema.activity_roster import RosterFields
from hub.schema.campaigns import ActivityCampaignTags
from hub.schema.common import CRS, GeoPoint, geo_point
from hub.schema.context import Info
from hub.schema.membership import OrganizationMembership
from hub.schema.node import LoadedNode
from hub.schema.publishing_types import AtStation, Reviewed
from hub.schema.records import OrganizationRatings
from hub.schema.regions import Region, load_region
from hub.schema.stars import OrganizationStars, ProjectStars
from hub.schema.volunteers import Volunteer, load_volunteer
from hub.store.base import Row

MEMBER_PREVIEW = 100


@strawberry.type(description="A member of an organisation with their role.")
class Member:
    role: str
    volunteer_id: strawberry.Private[int]

    @strawberry.field
    async def volunteer(self, info: Info) -> Volunteer | None:
        return await load_volunteer(info, self.volunteer_id)


@strawberry.federation.type(keys=["id"],
                            description="科技志愿服务组织: 总队 (corps) → 队 (team) → 支队 → 分队.")
class Organization(LoadedNode, OrganizationRatings, OrganizationMembership,
                   OrganizationStars):
    loader = "organization"
    id: relay.NodeID[int]
    name: str
    level: str = strawberry.field(description="corps | team | detachment | squad")
    kind: str
    status: str
    created_at: datetime
    row: strawberry.Private[Row]

    @classmethod
    def from_row(cls, row: Row) -> Organization:
        return cls(id=row["id"], name=row["name"], level=row["level"], kind=row["kind"],
                   status=row["status"], created_at=row["created_at"], row=row)

    @strawberry.field
    async def region(self, info: Info) -> Region | None:
        return await load_region(info, self.row["region_code"])

    @strawberry.field
    async def parent(self, info: Info) -> Organization | None:
        parent = self.row["parent_id"]
        return await load_organization(info, parent) if parent else None

    @strawberry.field(description="Direct sub-organisations, by name.")
    async def children(self, info: Info) -> list[Organization]:
        rows = await info.context.loaders.children.load(self.row["id"])
        return [Organization.from_row(r) for r in rows]

    @strawberry.field(description="From the root down to the parent.")
    async def ancestors(self, info: Info) -> list[Organization]:
        ids = [int(x) for x in self.row["path"].split(".")[:-1]]
        rows = await info.context.loaders.organization.load_many(ids)
        return [Organization.from_row(r) for r in rows if r]

    @strawberry.field(description="Volunteers who are direct members.")
    async def member_count(self, info: Info) -> int:
        row = await info.context.loaders.member_counts.load(self.row["id"])
        return int(row["direct"]) if row else 0

    @strawberry.field(description="Distinct volunteers in this organisation and all below it.")
    async def subtree_member_count(self, info: Info) -> int:
        row = await info.context.loaders.member_counts.load(self.row["id"])
        return int(row["subtree"]) if row else 0

    @strawberry.field(description=f"Direct members, captain and admins first (at most "
                                  f"{MEMBER_PREVIEW}; use volunteers(filter: {{organizationId}}) "
                                  "to page through all).")
    async def members(self, info: Info) -> list[Member]:
        rows = await info.context.loaders.members.load(self.row["id"])
        return [Member(role=r["role"], volunteer_id=r["volunteer_id"]) for r in rows]

    @strawberry.field(description="队长")
    async def captain(self, info: Info) -> Volunteer | None:
        captain = self.row["captain_id"]
        return await load_volunteer(info, captain) if captain else None

    @strawberry.field
    async def projects(self, info: Info) -> list[Project]:
        rows = await info.context.loaders.projects_of.load(self.row["id"])
        return [Project.from_row(r) for r in rows]


@strawberry.federation.type(keys=["id"], description="项目: a named, funded programme.")
class Project(LoadedNode, Reviewed, ProjectStars):
    loader = "project"
    id: relay.NodeID[int]
    name: str
    description: str
    category: str | None
    starts_on: date
    ends_on: date
    funding_yuan: Decimal | None
    status: str = strawberry.field(description="draft | pending_review | rejected | planned | "
                                               "active | closed | archived (the first three "
                                               "and archived: seen by its managers only)")
    row: strawberry.Private[Row]

    @strawberry.field(description="资金来源: where the funding comes from.")
    def funding_source(self) -> str:
        return str(self.row.get("funding_source") or "")

    @strawberry.field(description="子项目: a code of the subProgramme vocabulary "
                                  "(e.g. zhihui_civilization_centers, 智惠行动).")
    def sub_programme(self) -> str | None:
        return self.row.get("sub_programme")

    @classmethod
    def from_row(cls, row: Row) -> Project:
        return cls(id=row["id"], name=row["name"], description=row["description"],
                   category=row["category"], starts_on=row["starts_on"], ends_on=row["ends_on"],
                   funding_yuan=row["funding_yuan"], status=row["status"], row=row)

    @strawberry.field
    async def owner(self, info: Info) -> Organization | None:
        return await load_organization(info, self.row["owner_id"])

    @strawberry.field
    async def activities(self, info: Info) -> list[Activity]:
        rows = await info.context.loaders.activities_of.load(self.row["id"])
        return [Activity.from_row(r) for r in rows]


@strawberry.federation.type(keys=["id"], description="活动: an event with online sign-up.")
class Activity(LoadedNode, Reviewed, SignUpFields, RosterFields, AtStation,
               ActivityCampaignTags):
    loader = "activity"
    id: relay.NodeID[int]
    title: str
    description: str
    category: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    signed_up: int
    status: str = strawberry.field(description="draft | pending_review | rejected | published | "
                                               "closed | cancelled | archived (the first three "
                                               "and archived: seen by its managers only)")
    row: strawberry.Private[Row]

    @strawberry.field(description="安全预案 (seed 003): required before it is submitted.")
    def safety_plan(self) -> str:
        return str(self.row.get("safety_plan") or "")

    @classmethod
    def from_row(cls, row: Row) -> Activity:
        return cls(id=row["id"], title=row["title"], description=row["description"],
                   category=row["category"], starts_at=row["starts_at"], ends_at=row["ends_at"],
                   capacity=row["capacity"], signed_up=row["signed_up"], status=row["status"],
                   row=row)

    @strawberry.field
    def location(self, crs: CRS | None = CRS.WGS84) -> GeoPoint | None:
        return geo_point(self.row["lon"], self.row["lat"], crs)

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        return await load_organization(info, self.row["organization_id"])

    @strawberry.field
    async def project(self, info: Info) -> Project | None:
        project = self.row["project_id"]
        if project is None:
            return None
        row = await info.context.loaders.project.load(project)
        return Project.from_row(row) if row else None

    @strawberry.field
    async def region(self, info: Info) -> Region | None:
        return await load_region(info, self.row["region_code"])


async def load_organization(info: Info, organization_id: int) -> Organization | None:
    """An organisation by id through the request's DataLoader."""
    return await Organization.load(info, organization_id)
