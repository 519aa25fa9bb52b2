"""退队, 转队, 暂停 / 恢复: leaving a team, moving between teams, suspension and
reinstatement (hub.services.membership), a team's past members and the hours served with it,
and a volunteer's status history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.dataloader import DataLoader

from hub.auth import Caller
from hub.auth.actions import Denied
from hub.schema.context import Info, _loader, per_request
from hub.schema.errors import BadUserInput
from hub.schema.node import decode_id, encode_id
from hub.schema.payloads import mutation, payload
from hub.schema.records_common import volunteer_id_of
from hub.services import membership as service
from hub.services import suspension
from hub.store.base import Database, Row

if TYPE_CHECKING:
    from hub.schema.organizations import Organization
    from hub.schema.volunteers import Volunteer

MAX_LISTED = 100


@strawberry.type(description="A membership that ended (退队, 转队, 退出): when, how, why, by whom.")
class PastMembership:
    role: str = strawberry.field(description="member | captain | vice_captain | admin")
    joined_at: datetime
    left_at: datetime
    how: str = strawberry.field(description="left | removed | transferred | exited")
    reason: str
    left_by: str = strawberry.field(description="Who ended it (the token subject).")
    volunteer_id: strawberry.Private[int]
    organization_id: strawberry.Private[int]

    @classmethod
    def from_row(cls, row: Row) -> PastMembership:
        return cls(role=row["role"], joined_at=row["joined_at"], left_at=row["left_at"],
                   how=row["how"], reason=row["reason"], left_by=row["left_by"],
                   volunteer_id=row["volunteer_id"], organization_id=row["organization_id"])

    @strawberry.field
    async def volunteer(self, info: Info) -> Annotated[
            Volunteer, strawberry.lazy("hub.schema.volunteers")] | None:
        from hub.schema.volunteers import Volunteer

        return await Volunteer.load(info, self.volunteer_id)

    @strawberry.field
    async def organization(self, info: Info) -> Annotated[
            Organization, strawberry.lazy("hub.schema.organizations")] | None:
        from hub.schema.organizations import load_organization

        return await load_organization(info, self.organization_id)


@strawberry.type(description="A suspension (暂停) or reinstatement (恢复) of a volunteer.")
class VolunteerStatusChange:
    from_status: str
    to_status: str
    reason: str
    changed_by: str
    changed_at: datetime

    @classmethod
    def from_row(cls, row: Row) -> VolunteerStatusChange:
        return cls(from_status=row["from_status"], to_status=row["to_status"],
                   reason=row["reason"], changed_by=row["changed_by"],
                   changed_at=row["changed_at"])


@strawberry.type(description="Hours served with a team: by its members while they were "
                             "members (past members' up to when they left).")
class TeamService:
    hours: Decimal
    volunteers: int = strawberry.field(description="How many volunteers served them.")


_Team = tuple[int, int, str, str]  # (limit, id, region_code, path): a past-members request


@dataclass
class _Loaders:
    db: Database
    caller: Caller
    served: DataLoader[int, Row | None] = field(init=False)
    past: DataLoader[_Team, list[Row]] = field(init=False)

    def __post_init__(self) -> None:
        db = self.db
        self.served = _loader(lambda ids: service.list_served_hours(db, organization_ids=ids),
                              "organization_id")
        self.past = DataLoader(load_fn=self._past)

    async def _past(self, keys: list[_Team]) -> list[list[Row] | Denied]:
        """Past members of the teams asked for, one statement per distinct ``first``."""
        found: dict[_Team, list[Row] | Denied] = {}
        for limit in sorted({k[0] for k in keys}):
            wanted = [k for k in keys if k[0] == limit]
            teams = [{"id": i, "region_code": code, "path": path} for _, i, code, path in wanted]
            results = await service.past_members_of(self.db, self.caller, teams=teams,
                                                    limit=limit)
            found.update(zip(wanted, results, strict=True))
        return [found[k] for k in keys]


def _loaders(info: Info) -> _Loaders:
    return per_request(info, "membership_loaders", lambda c: _Loaders(c.db, c.caller))


def _limit(first: int | None) -> int:
    size = 20 if first is None else first
    if not 1 <= size <= MAX_LISTED:
        raise BadUserInput("first", size, f"is outside 1..{MAX_LISTED}",
                           f"须在 1～{MAX_LISTED} 之间")
    return size


@strawberry.type
class OrganizationMembership:
    """Membership-over-time fields for :class:`hub.schema.organizations.Organization`."""

    if TYPE_CHECKING:
        row: Row

    @strawberry.field(description="Hours its members served while members (records follow "
                                  "the volunteer; a team keeps what was served with it).")
    async def served(self, info: Info) -> TeamService:
        row = await _loaders(info).served.load(self.row["id"])
        return TeamService(hours=Decimal(row["hours"]) if row else Decimal(0),
                           volunteers=int(row["volunteers"]) if row else 0)

    @strawberry.field(description=f"Memberships that ended, latest first (its managers; at "
                                  f"most {MAX_LISTED}).")
    async def past_members(self, info: Info, first: int | None = 20) -> list[PastMembership]:
        row = self.row
        rows = await _loaders(info).past.load((_limit(first), row["id"], row["region_code"],
                                               row["path"]))
        return [PastMembership.from_row(r) for r in rows]


def _org(value: strawberry.ID, field_name: str) -> int:
    return decode_id(str(value), "Organization", field_name)


@strawberry.input
class LeaveTeamInput:
    organization_id: strawberry.ID
    volunteer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the calling volunteer (leaving themself).")
    reason: str | None = strawberry.field(
        default=None, description="Why; required when a manager removes a member.")


@payload("INVALID", "NOT_FOUND", "NOT_A_MEMBER", "CAPTAIN_MUST_HAND_OVER", "REASON_REQUIRED",
         "CONFLICT")
class LeaveTeamPayload:
    ended: PastMembership | None = None


@strawberry.input
class TransferVolunteerInput:
    from_organization_id: strawberry.ID
    to_organization_id: strawberry.ID
    volunteer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Default: the calling volunteer (moving themself).")
    reason: str | None = strawberry.field(
        default=None, description="Why; required when managers move a volunteer.")


@payload("INVALID", "NOT_FOUND", "SAME_TEAM", "NOT_A_MEMBER", "ALREADY_MEMBER",
         "CAPTAIN_MUST_HAND_OVER", "REASON_REQUIRED", "EXITED", "CONFLICT")
class TransferVolunteerPayload:
    ended: PastMembership | None = None
    joined: Annotated[Organization, strawberry.lazy("hub.schema.organizations")] | None = None


@strawberry.input
class SuspendVolunteerInput:
    volunteer_id: strawberry.ID
    reason: str = strawberry.field(description="Why (2 to 500 characters); kept in the log.")


@strawberry.input
class ReinstateVolunteerInput(SuspendVolunteerInput):
    pass


@payload("INVALID", "NOT_FOUND", "REASON_REQUIRED", "ALREADY_SUSPENDED", "EXITED", "CONFLICT")
class SuspendVolunteerPayload:
    change: VolunteerStatusChange | None = None
    withdrawn_dispatch_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Offers, bookings and claims withdrawn.")
    left_activity_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Activities not yet started whose place or waitlist "
                                          "entry was cancelled (places go to the waitlist).")


@payload("INVALID", "NOT_FOUND", "REASON_REQUIRED", "NOT_SUSPENDED", "EXITED", "CONFLICT")
class ReinstateVolunteerPayload:
    change: VolunteerStatusChange | None = None


async def leave_team(info: Info, input: LeaveTeamInput) -> LeaveTeamPayload:
    row = await service.leave_team(
        info.context.db, info.context.caller,
        volunteer_id=volunteer_id_of(info, input.volunteer_id),
        organization_id=_org(input.organization_id, "organizationId"), reason=input.reason)
    return LeaveTeamPayload(ended=PastMembership.from_row(row))


async def transfer_volunteer(info: Info, input: TransferVolunteerInput
                             ) -> TransferVolunteerPayload:
    from hub.schema.organizations import load_organization

    done = await service.transfer(
        info.context.db, info.context.caller,
        volunteer_id=volunteer_id_of(info, input.volunteer_id),
        from_id=_org(input.from_organization_id, "fromOrganizationId"),
        to_id=_org(input.to_organization_id, "toOrganizationId"), reason=input.reason)
    return TransferVolunteerPayload(ended=PastMembership.from_row(done.ended),
                                    joined=await load_organization(
                                        info, done.joined_organization_id))


def _volunteer(value: strawberry.ID) -> int:
    return decode_id(str(value), "Volunteer", "volunteerId")


async def suspend_volunteer(info: Info, input: SuspendVolunteerInput) -> SuspendVolunteerPayload:
    done = await suspension.suspend(info.context.db, info.context.caller,
                                 volunteer_id=_volunteer(input.volunteer_id), reason=input.reason,
                                 ttl_s=info.context.settings.dispatch_offer_ttl_s)
    return SuspendVolunteerPayload(
        change=VolunteerStatusChange.from_row(done.change),
        withdrawn_dispatch_ids=[strawberry.ID(encode_id("Dispatch", d)) for d in done.withdrawn],
        left_activity_ids=[strawberry.ID(encode_id("Activity", a))
                           for a in done.left_activities])


async def reinstate_volunteer(info: Info, input: ReinstateVolunteerInput
                              ) -> ReinstateVolunteerPayload:
    done = await suspension.reinstate(info.context.db, info.context.caller,
                                   volunteer_id=_volunteer(input.volunteer_id),
                                   reason=input.reason)
    return ReinstateVolunteerPayload(change=VolunteerStatusChange.from_row(done.change))


@strawberry.type
class MembershipMutation:
    leave_team: LeaveTeamPayload = mutation(
        "退队: a volunteer leaves a team, or a manager removes a member with a reason.",
        leave_team)
    transfer_volunteer: TransferVolunteerPayload = mutation(
        "转队: move a volunteer from one team to another (themself, or a manager of both "
        "teams); their records, hours, stars and points stay theirs.", transfer_volunteer)
    suspend_volunteer: SuspendVolunteerPayload = mutation(
        "暂停: suspend a volunteer with a reason; their offers, bookings, claims and places "
        "in activities not yet started are withdrawn.", suspend_volunteer)
    reinstate_volunteer: ReinstateVolunteerPayload = mutation(
        "恢复: reinstate a suspended volunteer with a reason.", reinstate_volunteer)


@strawberry.type
class MembershipQuery:
    @strawberry.field(description=f"A volunteer's suspensions and reinstatements, latest first "
                                  f"(themself or their managers; at most {MAX_LISTED}).")
    async def volunteer_status_changes(self, info: Info, volunteer_id: strawberry.ID,
                                       first: int | None = 20) -> list[VolunteerStatusChange]:
        rows = await suspension.status_changes(info.context.db, info.context.caller,
                                            volunteer_id=_volunteer(volunteer_id),
                                            limit=_limit(first))
        return [VolunteerStatusChange.from_row(r) for r in rows]
