"""GraphQL for team dispatch and escalation (issue 15.5–15.6; :mod:`hub.services.teams` and
:mod:`hub.services.escalation` decide everything).

Who may act (the action table): offerDemandToTeam, an admin or a dispatcher of the demand's
region (``team.offer``); assignTeamMembers, returnTeamOffer and the teamOffers query, an admin,
an org admin of the team (or above it) or a volunteer who captains it (``team.assign``);
addTeamPairing and endTeamPairing, an admin or a dispatcher of the region (``team.pairing``).
Members accept or decline their offers with acceptDispatch / declineDispatch, as any offer.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from hub.schema.common import Connection, connection, page_args
from hub.schema.context import Info
from hub.schema.errors import BadUserInput
from hub.schema.node import decode_id, encode_id
from hub.schema.payloads import mutation, payload
from hub.services import escalation, teams
from hub.services.workflow import Code
from hub.store.base import Row

if TYPE_CHECKING:
    from hub.schema.organizations import Organization
    from hub.schema.places import Demand
    from hub.schema.workflow_types import Dispatch

OrganizationRef = Annotated["Organization", strawberry.lazy("hub.schema.organizations")]
DemandRef = Annotated["Demand", strawberry.lazy("hub.schema.places")]
DispatchRef = Annotated["Dispatch", strawberry.lazy("hub.schema.workflow_types")]
OFFER_STATUSES = ("open", "filled", "returned", "expired", "withdrawn")


@strawberry.type(description="派单到队伍: some of a demand's slots offered to a team, whose "
                             "captain assigns members; what the team could not fill returns "
                             "to the dispatcher with the reason.")
class TeamOffer:
    id: strawberry.ID
    slots: int = strawberry.field(description="Slots offered (held while the offer is open).")
    assigned: int = strawberry.field(description="Members assigned who hold a slot now.")
    status: str = strawberry.field(description=" | ".join(OFFER_STATUSES))
    offered_by: str
    offered_at: datetime
    respond_by: datetime = strawberry.field(description="Assign or return before this; then "
                                                        "the unassigned slots return by "
                                                        "themselves.")
    escalation_step: int | None = strawberry.field(description=(
        "The escalation step that made it (1 parent team, 2 corps, 3 paired 学会 team); null: "
        "offered by hand."))
    note: str
    closed_at: datetime | None
    returned_slots: int | None = strawberry.field(description="Slots that went back to the "
                                                              "dispatcher when it closed.")
    return_reason: str | None
    row: strawberry.Private[Row]

    @classmethod
    def from_row(cls, row: Row) -> TeamOffer:
        return cls(id=strawberry.ID(encode_id("TeamOffer", row["id"])), slots=row["slots"],
                   assigned=int(row["assigned"]), status=row["status"],
                   offered_by=row["offered_by"], offered_at=row["offered_at"],
                   respond_by=row["respond_by"], escalation_step=row["escalation_step"],
                   note=row["note"], closed_at=row["closed_at"],
                   returned_slots=row["returned_slots"], return_reason=row["return_reason"],
                   row=row)

    @strawberry.field(description="The team offered the slots.")
    async def team(self, info: Info) -> OrganizationRef | None:
        from hub.schema.organizations import load_organization

        return await load_organization(info, self.row["organization_id"])

    @strawberry.field(description="The demand.")
    async def demand(self, info: Info) -> DemandRef | None:
        from hub.schema.places import Demand

        return await Demand.load(info, self.row["demand_id"])


@strawberry.type(description="One step of a demand's escalation up the tree (逐级上报).")
class EscalationStep:
    step: int = strawberry.field(description="1 parent team, 2 corps (总队), 3 paired 学会 team.")
    kind: str = strawberry.field(description="parent | corps | pairing")
    outcome: str = strawberry.field(description="offered | skipped")
    note: str = strawberry.field(description="Why the step was skipped ('' when offered).")
    at: datetime
    row: strawberry.Private[Row]
    offer: strawberry.Private[Row | None]

    @strawberry.field(description="The team the step reached (null: none to reach).")
    async def team(self, info: Info) -> OrganizationRef | None:
        from hub.schema.organizations import load_organization

        team = self.row["organization_id"]
        return await load_organization(info, team) if team is not None else None

    @strawberry.field(description="The team offer the step made, and what became of it.")
    def team_offer(self) -> TeamOffer | None:
        return TeamOffer.from_row(self.offer) if self.offer else None


async def escalation_of(info: Info, demand: Row) -> list[EscalationStep]:
    """A demand's escalation log, for its region's dispatchers (empty for others); batched
    per request."""
    loaders = info.context.loaders.__dict__
    if "escalation" not in loaders:
        from strawberry.dataloader import DataLoader

        db, caller = info.context.db, info.context.caller

        async def load(rows: list[Row]) -> list[list[Row]]:
            found = await escalation.steps_of(db, caller, rows)
            offers = {o["id"]: o for o in await teams.get_offers(
                db, ids=[s["team_offer_id"] for v in found.values() for s in v
                         if s["team_offer_id"] is not None])}
            return [[{**s, "offer": offers.get(s["team_offer_id"])} for s in found[r["id"]]]
                    for r in rows]

        loaders["escalation"] = DataLoader(load_fn=load, cache_key_fn=lambda r: r["id"])
    steps = await loaders["escalation"].load(demand)
    return [EscalationStep(step=s["step"], kind=s["kind"], outcome=s["outcome"], note=s["note"],
                           at=s["at"], row=s, offer=s["offer"]) for s in steps]


async def team_offers_of(info: Info, demand: Row) -> list[TeamOffer]:
    """A demand's team offers, for its region's dispatchers (empty for others); batched per
    request."""
    loaders = info.context.loaders.__dict__
    if "team_offers" not in loaders:
        from strawberry.dataloader import DataLoader

        db, caller = info.context.db, info.context.caller

        async def load(rows: list[Row]) -> list[list[Row]]:
            found = await teams.offers_of(db, caller, rows)
            return [found[r["id"]] for r in rows]

        loaders["team_offers"] = DataLoader(load_fn=load, cache_key_fn=lambda r: r["id"])
    return [TeamOffer.from_row(r) for r in await loaders["team_offers"].load(demand)]


@strawberry.input(description="Offer some of a demand's slots to a team (分队, 支队 …).")
class OfferDemandToTeamInput:
    demand_id: strawberry.ID
    organization_id: strawberry.ID = strawberry.field(description="The team.")
    slots: int = strawberry.field(description="1 up to the demand's free slots.")
    respond_by: datetime | None = strawberry.field(default=None, description=(
        "The team assigns or returns before this (default a day from now, no later than the "
        "demand's start)."))
    note: str = strawberry.field(default="", description=f"≤ {teams.MAX_REASON} characters.")


@strawberry.input(description="The captain assigns members to a team offer's unassigned slots; "
                              "each gets an offer to accept or decline.")
class AssignTeamMembersInput:
    team_offer_id: strawberry.ID
    volunteer_ids: list[strawberry.ID] = strawberry.field(description=(
        f"Members of the team or a team beneath it, 1..{teams.MAX_ASSIGNED} and no more than "
        "the unassigned slots."))


@strawberry.input(description="The captain gives a team offer back: its unassigned slots "
                              "return to the dispatcher with the reason.")
class ReturnTeamOfferInput:
    team_offer_id: strawberry.ID
    reason: str = strawberry.field(description=f"2..{teams.MAX_REASON} characters.")


_C = Code


@payload(_C.INVALID, _C.NOT_FOUND, _C.DEMAND_CLOSED, _C.WINDOW_STARTED, _C.SLOTS_FULL,
         _C.DUPLICATE, _C.CONFLICT)
class OfferDemandToTeamPayload:
    team_offer: TeamOffer | None = None


@payload(_C.INVALID, _C.NOT_FOUND, _C.INVALID_TRANSITION, _C.OFFER_EXPIRED, _C.DEMAND_CLOSED,
         _C.WINDOW_STARTED, _C.SLOTS_FULL, _C.NOT_A_MEMBER, _C.DOUBLE_BOOKED,
         _C.VOLUNTEER_INACTIVE, _C.NOT_INSURED, _C.CONFLICT)
class AssignTeamMembersPayload:
    team_offer: TeamOffer | None = None
    dispatches: list[DispatchRef] = strawberry.field(default_factory=list, description=(
        "The members' offers, in the order given."))


@payload(_C.REASON_REQUIRED, _C.NOT_FOUND, _C.INVALID_TRANSITION, _C.CONFLICT)
class ReturnTeamOfferPayload:
    team_offer: TeamOffer | None = None


@strawberry.input(description="The dispatcher takes a team offer back: its unassigned slots "
                              "are free again (members already assigned keep theirs).")
class WithdrawTeamOfferInput:
    team_offer_id: strawberry.ID
    reason: str = strawberry.field(description=f"2..{teams.MAX_REASON} characters.")


@payload(_C.REASON_REQUIRED, _C.NOT_FOUND, _C.INVALID_TRANSITION, _C.CONFLICT)
class WithdrawTeamOfferPayload:
    team_offer: TeamOffer | None = None


def _offer_id(value: strawberry.ID) -> int:
    return decode_id(str(value), "TeamOffer", "teamOfferId")


@strawberry.type
class TeamMutation:
    @mutation("派单到队伍: offer some of a demand's slots to a team (a dispatcher of the "
              "demand's region); they are held for the team until it assigns members, returns "
              "them or its deadline passes.")
    async def offer_demand_to_team(self, info: Info, input: OfferDemandToTeamInput
                                   ) -> OfferDemandToTeamPayload:
        row = await teams.offer_to_team(
            info.context.db, info.context.caller,
            demand_id=decode_id(str(input.demand_id), "Demand", "demandId"),
            organization_id=decode_id(str(input.organization_id), "Organization",
                                      "organizationId"),
            slots=input.slots, respond_by=input.respond_by, note=input.note)
        return OfferDemandToTeamPayload(team_offer=TeamOffer.from_row(row))

    @mutation("The team's captain (or an admin of the team) assigns members to a team offer: "
              "each gets an ordinary offer to accept or decline (all of them or none).")
    async def assign_team_members(self, info: Info, input: AssignTeamMembersInput
                                  ) -> AssignTeamMembersPayload:
        ids = [decode_id(str(v), "Volunteer", f"volunteerIds[{n}]")
               for n, v in enumerate(input.volunteer_ids)]
        row, made = await teams.assign_members(
            info.context.db, info.context.caller, offer_id=_offer_id(input.team_offer_id),
            volunteer_ids=ids, ttl_s=info.context.settings.dispatch_offer_ttl_s)
        from hub.schema.workflow_types import Dispatch

        rows = {r["id"]: r for r in await teams.get_dispatches(info.context.db, ids=made)}
        return AssignTeamMembersPayload(team_offer=TeamOffer.from_row(row), dispatches=[
            Dispatch.from_row(rows[i]) for i in made])

    @mutation("The team's captain gives a team offer back with a reason: its unassigned slots "
              "return to the dispatcher (members already assigned keep theirs).")
    async def return_team_offer(self, info: Info, input: ReturnTeamOfferInput
                                ) -> ReturnTeamOfferPayload:
        row = await teams.return_offer(info.context.db, info.context.caller,
                                       offer_id=_offer_id(input.team_offer_id),
                                       reason=input.reason)
        return ReturnTeamOfferPayload(team_offer=TeamOffer.from_row(row))

    @mutation("The dispatcher takes an open team offer back with a reason (a dispatcher of "
              "the demand's region): its unassigned slots are free again.")
    async def withdraw_team_offer(self, info: Info, input: WithdrawTeamOfferInput
                                  ) -> WithdrawTeamOfferPayload:
        row = await teams.withdraw_offer(info.context.db, info.context.caller,
                                         offer_id=_offer_id(input.team_offer_id),
                                         reason=input.reason)
        return WithdrawTeamOfferPayload(team_offer=TeamOffer.from_row(row))


@strawberry.type
class TeamQuery:
    @strawberry.field(description=(
        "A team's incoming offers, newest first: for its captains (队长, 副队长), its org "
        "admins and admins. Without organizationId, those of every team the signed-in "
        "volunteer captains."))
    async def team_offers(self, info: Info, organization_id: strawberry.ID | None = None,
                          statuses: list[str] | None = None, first: int | None = None,
                          after: str | None = None) -> Connection[TeamOffer]:
        size, cursor = page_args(first, after)
        team = (decode_id(str(organization_id), "Organization", "organizationId")
                if organization_id is not None else None)
        wrong = sorted(set(statuses or ()) - set(OFFER_STATUSES))
        if wrong:
            raise BadUserInput("statuses", wrong[0], f"is not one of {', '.join(OFFER_STATUSES)}",
                               f"不是 {'、'.join(OFFER_STATUSES)} 之一")
        rows, total = await teams.list_offers(
            info.context.db, info.context.caller, organization_id=team,
            statuses=tuple(statuses or ()), first=size,
            after_id=cursor.id if cursor else None)

        async def count() -> int:
            return total

        return connection(rows, first=size, after=cursor, make=TeamOffer.from_row,
                          count_thunk=count)


__all__ = ["EscalationStep", "TeamMutation", "TeamOffer", "TeamQuery", "escalation_of",
           "team_offers_of"]
