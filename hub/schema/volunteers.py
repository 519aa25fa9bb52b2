"""GraphQL types for volunteers (科技志愿者), with the policy on every personal field."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry import relay

from hub.auth import Field, Subject, Visibility
from hub.pii import mask_name
from hub.schema.common import CRS, GeoPoint, geo_point, node_fields
from hub.schema.context import Info
from hub.schema.node import LoadedNode
from hub.schema.records import VolunteerRecords
from hub.schema.regions import Region, load_region
from hub.store.base import Row

if TYPE_CHECKING:
    from hub.schema.organizations import Organization

MINUTES_PER_DAY = 1440


@strawberry.type(description="A skill (服务类别) with a level from 1 (basic) to 5 (expert).")
class SkillLevel:
    skill: str
    level: int


@strawberry.type(description="A weekly window of availability in China Standard Time.")
class WeeklyWindow:
    weekday: int = strawberry.field(description="1 = Monday … 7 = Sunday")
    start: str = strawberry.field(description="HH:MM")
    end: str = strawberry.field(description="HH:MM (24:00 for midnight)")


def weekly_windows(text: str) -> list[WeeklyWindow]:
    """Parse an int4multirange of minutes of the week into windows."""
    windows = []
    for part in text.strip("{}").split("),"):
        part = part.strip("[]() ")
        if not part:
            continue
        lo, hi = (int(x) for x in part.split(","))
        day, start = divmod(lo, MINUTES_PER_DAY)
        end = hi - day * MINUTES_PER_DAY
        windows.append(WeeklyWindow(weekday=day + 1, start=f"{start // 60:02d}:{start % 60:02d}",
                                    end=f"{end // 60:02d}:{end % 60:02d}"))
    return windows


@strawberry.type(description="A volunteer's place in an organisation.")
class Membership:
    role: str = strawberry.field(description="member | captain | vice_captain | admin")
    joined_at: datetime
    organization_id: strawberry.Private[int]

    @strawberry.field
    async def organization(
        self, info: Info
    ) -> Annotated[Organization, strawberry.lazy("hub.schema.organizations")] | None:
        from hub.schema.organizations import load_organization

        return await load_organization(info, self.organization_id)


@strawberry.federation.type(keys=["id"], description="科技志愿者: a real-name volunteer.")
class Volunteer(LoadedNode, VolunteerRecords):
    loader = "volunteer"
    id: relay.NodeID[int]
    gender: str | None
    education: str | None
    cohorts: list[str] = strawberry.field(description="人群: university_student …")
    status: str = strawberry.field(description="active | suspended | exited")
    service_radius_m: int
    capacity_per_week: int
    insured_until: date | None
    registered_at: datetime
    row: strawberry.Private[Row]

    @classmethod
    def from_row(cls, row: Row) -> Volunteer:
        # Lists may leave out column groups no requested field reads (column_groups).
        return cls(id=row["id"], gender=row["gender"],
                   education=row["education"], cohorts=row.get("cohorts") or [],
                   status=row["status"],
                   service_radius_m=row["service_radius_m"],
                   capacity_per_week=row["capacity_per_week"],
                   insured_until=row.get("insured_until"),
                   registered_at=row.get("registered_at"),  # type: ignore[arg-type]
                   row=row)

    def _subject(self, info: Info) -> Subject:
        scope_org = info.context.loaders.scope_org
        orgs = frozenset({scope_org}) if scope_org is not None and self.row.get("in_org") else (
            frozenset())
        return Subject(volunteer_id=self.row["id"], region_code=self.row["region_code"],
                       org_ids=orgs)

    def _sees(self, info: Info, protected: Field) -> Visibility:
        return info.context.visibility(protected, lambda: self._subject(info))

    def visible_point(self, info: Info) -> tuple[float, float] | None:
        lon, lat = self.row["lon"], self.row["lat"]
        if lon is None or lat is None:
            return None
        if self._sees(info, Field.VOLUNTEER_LOCATION) is Visibility.FULL:
            return lon, lat
        return self.row["coarse_lon"], self.row["coarse_lat"]

    @strawberry.federation.field(tags=["pii"], description="Real name (实名); masked (王*华) "
                                                            "unless the caller may see it.")
    def name(self, info: Info) -> str:
        name: str = self.row["real_name"]
        if self._sees(info, Field.VOLUNTEER_NAME) is Visibility.FULL:
            return name
        return mask_name(name) or ""

    @strawberry.field(description="出生年代: the decade of birth (1990 for 90后), for whoever "
                                  "sees the volunteer; the birth date itself only where allowed.")
    def birth_decade(self) -> int | None:
        birth: date | None = self.row["birth_date"]
        return None if birth is None else birth.year // 10 * 10

    @strawberry.field(description="Skills with levels.")
    def skills(self) -> list[SkillLevel]:
        return [SkillLevel(skill=k, level=int(v)) for k, v in sorted(self.row["skills"].items())]

    @strawberry.federation.field(
        tags=["pii"], description="Home location: exact only where the policy allows, otherwise "
                                  "coarsened to a ~1 km grid cell.")
    def location(self, info: Info, crs: CRS | None = CRS.WGS84) -> GeoPoint | None:
        point = self.visible_point(info)
        return geo_point(point[0], point[1], crs) if point else None

    @strawberry.field(description="Metres (exact WGS-84) from the `near` point, when listed by "
                                  "`near`: to the location the caller may see (`location`).")
    def distance_m(self) -> float | None:
        distance = self.row.get("distance_m")
        return None if distance is None else round(float(distance), 1)

    def _secret(self, info: Info, protected: Field, column: str) -> str | None:
        """A personal number in full, masked or null, as the policy says for this caller."""
        if self.row[f"{column}_enc"] is None:
            return None
        seen = self._sees(info, protected)
        if seen is Visibility.FULL:
            return info.context.cipher.decrypt(self.row[f"{column}_enc"], field=column)
        masked: str | None = self.row[f"{column}_masked"]
        return masked if seen is Visibility.MASKED else None

    @strawberry.federation.field(tags=["pii"], description="Mobile number; masked (138****5678) "
                                                            "or null unless the caller may see it.")
    def phone(self, info: Info) -> str | None:
        return self._secret(info, Field.VOLUNTEER_PHONE, "phone")

    @strawberry.federation.field(tags=["pii"], description="Resident ID number; masked "
                                                            "(410***********123X) or null unless "
                                                            "allowed.")
    def id_number(self, info: Info) -> str | None:
        return self._secret(info, Field.VOLUNTEER_ID_NUMBER, "id_number")

    @strawberry.federation.field(tags=["pii"], description="Birth date, where allowed.")
    def birth_date(self, info: Info) -> date | None:
        if self._sees(info, Field.VOLUNTEER_BIRTH_DATE) is Visibility.FULL:
            birth: date | None = self.row["birth_date"]
            return birth
        return None

    @strawberry.field(description="Weekly availability (China Standard Time).")
    def availability(self) -> list[WeeklyWindow]:
        return weekly_windows(self.row["weekly"])

    @strawberry.field(description="The county (or other division) the volunteer lives in.")
    async def region(self, info: Info) -> Region | None:
        code = self.row["region_code"]
        return await load_region(info, code) if code else None

    @strawberry.field(description="Organisations the volunteer belongs to.")
    async def memberships(self, info: Info) -> list[Membership]:
        rows = await info.context.loaders.memberships.load(self.row["id"])
        return [Membership(role=r["role"], joined_at=r["joined_at"],
                           organization_id=r["organization_id"]) for r in rows]


# Which column group (hub.store.volunteers.GROUPS) each field reads; fields in BASE_FIELDS
# read only the columns every list has. Any other field makes a list read every group.
FIELD_GROUPS = {"cohorts": "cohorts", "insuredUntil": "dates", "registeredAt": "dates",
                "skills": "skills", "availability": "weekly", "phone": "pii", "idNumber": "pii",
                "birthDate": "pii", "birthDecade": "pii"}
BASE_FIELDS = frozenset({"__typename", "id", "name", "gender", "education", "status",
                         "serviceRadiusM", "capacityPerWeek", "location", "distanceM", "region",
                         "memberships"})


def column_groups(info: Info) -> set[str] | None:
    """The column groups a volunteers list needs for the fields requested on its nodes."""
    fields = node_fields(info)
    if fields is None:
        return None
    groups = set()
    for name in fields:
        if name in FIELD_GROUPS:
            groups.add(FIELD_GROUPS[name])
        elif name not in BASE_FIELDS:
            return None
    return groups


async def load_volunteer(info: Info, volunteer_id: int) -> Volunteer | None:
    """A volunteer by id through the request's DataLoader."""
    return await Volunteer.load(info, volunteer_id)
