"""GraphQL types for stations (站点, 新时代文明实践中心) and demands (群众需求, 点单)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay

from hub.auth import Field, Subject, Visibility
from hub.pii import mask_name
from hub.schema.campaigns import DemandCampaignTags
from hub.schema.common import CRS, GeoPoint, geo_point
from hub.schema.context import Info
from hub.schema.demand_intake_types import DemandApproval, PriorityRule, rule_loader
from hub.schema.node import LoadedNode
from hub.schema.organizations import Organization, load_organization
from hub.schema.publishing_types import Reviewed
from hub.schema.records import StationRatings
from hub.schema.regions import Region, load_region
from hub.schema.teams import EscalationStep, TeamOffer, escalation_of, team_offers_of
from hub.schema.volunteers import WeeklyWindow, weekly_windows
from hub.services import demand_review
from hub.store.base import Row


@strawberry.type(description="六有 (seed 001): place, team, projects, facilities, rules, signage.")
class SixHas:
    place: bool
    team: bool
    projects: bool
    facilities: bool
    rules: bool
    signage: bool

    @strawberry.field(description="All six present.")
    def complete(self) -> bool:
        return all((self.place, self.team, self.projects, self.facilities, self.rules,
                    self.signage))


class Located:
    """Shared resolvers of a row with lon/lat and distance_m columns."""

    row: Row

    def _location(self, crs: CRS | None) -> GeoPoint | None:
        return geo_point(self.row["lon"], self.row["lat"], crs)

    def _distance(self) -> float | None:
        distance = self.row.get("distance_m")
        return None if distance is None else round(float(distance), 1)


@strawberry.federation.type(keys=["id"], description="科技志愿服务站点: a fixed place of service.")
class Station(LoadedNode, Located, StationRatings, Reviewed):
    loader = "station"
    id: relay.NodeID[int]
    name: str
    kind: str = strawberry.field(description="civilization_center | civilization_institute | "
                                             "civilization_station | party_service_center | "
                                             "science_museum | museum | memorial_hall | park | "
                                             "community_facility | science_base")
    address: str
    status: str = strawberry.field(description="draft | pending_review | rejected | active | "
                                               "closed | archived (the first three and "
                                               "archived: seen by its managers only)")
    row: strawberry.Private[Row]

    @strawberry.field(description="联系人 name.")
    def contact_name(self) -> str:
        return str(self.row.get("contact_name") or "")

    @strawberry.federation.field(tags=["pii"], description="联系人 mobile: to those who manage "
                                                            "the station (admins, the region's "
                                                            "dispatchers, its own staff); null "
                                                            "to others.")
    def contact_phone(self, info: Info) -> str | None:
        blob = self.row.get("contact_phone_enc")
        if blob is None:
            return None
        seen = info.context.visibility(Field.STATION_CONTACT_PHONE,
                                       lambda: Subject(region_code=self.row["region_code"],
                                                       station_id=self.row["id"]))
        if seen is not Visibility.FULL:
            return None
        return info.context.cipher.decrypt(blob, field="phone")

    @classmethod
    def from_row(cls, row: Row) -> Station:
        return cls(id=row["id"], name=row["name"], kind=row["kind"], address=row["address"],
                   status=row["status"], row=row)

    @strawberry.field
    def location(self, crs: CRS | None = CRS.WGS84) -> GeoPoint | None:
        return self._location(crs)

    @strawberry.field(description="Metres (exact WGS-84) from the `near` point.")
    def distance_m(self) -> float | None:
        return self._distance()

    @strawberry.field(description="六有 standard flags.")
    def six_has(self) -> SixHas:
        r = self.row
        return SixHas(place=r["has_place"], team=r["has_team"], projects=r["has_projects"],
                      facilities=r["has_facilities"], rules=r["has_rules"],
                      signage=r["has_signage"])

    @strawberry.field(description="Opening hours (China Standard Time).")
    def opening_hours(self) -> list[WeeklyWindow]:
        return weekly_windows(self.row["weekly"])

    @strawberry.field
    async def region(self, info: Info) -> Region | None:
        return await load_region(info, self.row["region_code"])

    @strawberry.field(description="The operating organisation.")
    async def organization(self, info: Info) -> Organization | None:
        org = self.row["organization_id"]
        return await load_organization(info, org) if org else None


@strawberry.federation.type(keys=["id"], description="群众需求 (点单): service wanted at a place "
                                                      "and time.")
class Demand(LoadedNode, Located, DemandCampaignTags):
    loader = "demand"
    id: relay.NodeID[int]
    title: str
    description: str
    category: str
    required_skills: list[str]
    needed: int = strawberry.field(description="Volunteers needed.")
    starts_at: datetime
    ends_at: datetime
    priority: float = strawberry.field(description=(
        "The priority matching uses: the base, raised by a priority rule (老少边贫) if one "
        "applied when the demand was created."))
    base_priority: float = strawberry.field(description="The priority asked for.")
    requires_insurance: bool
    status: str = strawberry.field(description="pending_review | rejected | open | dispatched | "
                                               "in_progress | done | reviewed | cancelled "
                                               "(pending_review and rejected: seen only by the "
                                               "requester and the reviewers)")
    raised_by_kind: str
    created_at: datetime
    unfilled_reason: str | None = strawberry.field(
        description="Why a slot is still empty after the hub looked for a replacement.")
    row: strawberry.Private[Row]

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(id=row["id"], title=row["title"], description=row["description"],
                   category=row["category"], required_skills=row["required_skills"],
                   needed=row["needed"], starts_at=row["starts_at"], ends_at=row["ends_at"],
                   priority=row["priority"], base_priority=row["base_priority"],
                   requires_insurance=row["requires_insurance"],
                   status=row["status"], raised_by_kind=row["raised_by_kind"],
                   created_at=row["created_at"], unfilled_reason=row["unfilled_reason"],
                   row=row)

    @classmethod
    async def load(cls, info: Info, key: Any) -> Self | None:
        row = await info.context.loaders.demand.load(int(key))
        return cls.from_row(row) if row and demand_review.may_see(info.context.caller,
                                                                  row) else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Sequence[str], required: bool = False
    ) -> list[Self | None]:
        return [await cls.load(info, int(i)) for i in node_ids]

    @strawberry.field
    def location(self, crs: CRS | None = CRS.WGS84) -> GeoPoint | None:
        return self._location(crs)

    @strawberry.field(description="Metres (exact WGS-84) from the `near` point.")
    def distance_m(self) -> float | None:
        return self._distance()

    def _contact(self, info: Info) -> Visibility:
        return info.context.visibility(Field.DEMAND_CONTACT, lambda: Subject(
            region_code=self.row["region_code"], station_id=self.row["station_id"],
            requester=self.row["raised_by"]))

    @strawberry.federation.field(tags=["pii"], description="Whom to call about the demand: to "
                                                            "admins, the region's dispatchers "
                                                            "(masked to other dispatchers), "
                                                            "its station's staff and the "
                                                            "resident who raised it; null to "
                                                            "others.")
    def contact_name(self, info: Info) -> str | None:
        name = self.row.get("contact_name")
        seen = self._contact(info) if name else Visibility.HIDDEN
        if seen is Visibility.FULL:
            return str(name)
        return mask_name(name) if seen is Visibility.MASKED else None

    @strawberry.federation.field(tags=["pii"], description="Their mobile: to admins, the "
                                                            "region's dispatchers (masked to "
                                                            "other dispatchers), its station's "
                                                            "staff and the resident who raised "
                                                            "it; null to others.")
    def contact_phone(self, info: Info) -> str | None:
        blob = self.row.get("contact_phone_enc")
        seen = self._contact(info) if blob is not None else Visibility.HIDDEN
        if seen is Visibility.FULL and blob is not None:
            return info.context.cipher.decrypt(blob, field="phone")
        return self.row["contact_phone_masked"] if seen is Visibility.MASKED else None

    @strawberry.field(description="The priority rule that raised the priority, if one did.")
    async def priority_rule(self, info: Info) -> PriorityRule | None:
        rule = self.row["priority_rule_id"]
        found = await rule_loader(info).load(rule) if rule is not None else None
        return PriorityRule.from_row(found) if found else None

    @strawberry.field(description="审核 before dispatch of a resident's or station's demand: "
                                  "null when none was needed, or for callers other than its "
                                  "requester and reviewers.")
    def approval(self, info: Info) -> DemandApproval | None:
        return DemandApproval.of(demand_review.may_see_review(info.context.caller, self.row),
                                 self.row)

    @strawberry.field(description="逐级上报: each escalation step of the demand (parent team, "
                                  "corps, paired 学会 teams) and what it offered; for the "
                                  "region's dispatchers (empty for others).")
    async def escalation(self, info: Info) -> list[EscalationStep]:
        return await escalation_of(info, self.row)

    @strawberry.field(description="派单到队伍: the demand's team offers, oldest first, with "
                                  "what each team returned and why; for the region's "
                                  "dispatchers (empty for others).")
    async def team_offers(self, info: Info) -> list[TeamOffer]:
        return await team_offers_of(info, self.row)

    @strawberry.field
    async def station(self, info: Info) -> Station | None:
        station = self.row["station_id"]
        return await load_station(info, station) if station else None

    @strawberry.field
    async def region(self, info: Info) -> Region | None:
        return await load_region(info, self.row["region_code"])


async def load_station(info: Info, station_id: int) -> Station | None:
    """A station by id through the request's DataLoader."""
    return await Station.load(info, station_id)
