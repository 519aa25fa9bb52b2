"""GraphQL for 学会–县区 pairings (seed 002), kept as data with a validity period: escalation's
third step offers a demand to the 学会 teams paired with its county on its date
(:mod:`hub.services.escalation` decides everything; ``team.pairing``: an admin, or a
dispatcher of the region paired)."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from hub.schema.context import Info
from hub.schema.node import decode_id, encode_id
from hub.schema.payloads import mutation, payload
from hub.schema.teams import OrganizationRef
from hub.services import escalation
from hub.services.workflow import Code
from hub.store.base import Row


@strawberry.type(description="A 学会 team paired with a county (or another region) for a "
                             "period: escalation offers the county's short demands to it.")
class TeamPairing:
    id: strawberry.ID
    region_code: str
    valid_from: date
    valid_to: date | None = strawberry.field(description="The last day (null: no end).")
    note: str
    created_by: str
    created_at: datetime
    ended_by: str | None
    ended_at: datetime | None
    row: strawberry.Private[Row]

    @classmethod
    def from_row(cls, row: Row) -> TeamPairing:
        return cls(id=strawberry.ID(encode_id("TeamPairing", row["id"])),
                   region_code=row["region_code"], valid_from=row["valid_from"],
                   valid_to=row["valid_to"], note=row["note"], created_by=row["created_by"],
                   created_at=row["created_at"], ended_by=row["ended_by"],
                   ended_at=row["ended_at"], row=row)

    @strawberry.field(description="The 学会 team.")
    async def team(self, info: Info) -> OrganizationRef | None:
        from hub.schema.organizations import load_organization

        return await load_organization(info, self.row["organization_id"])


@strawberry.input(description="Pair a 学会 team with a county for a period.")
class AddTeamPairingInput:
    organization_id: strawberry.ID = strawberry.field(description="A 学会 (society) team.")
    region_code: str = strawberry.field(description="The county's 12-digit division code.")
    valid_from: date
    valid_to: date | None = strawberry.field(default=None, description="The last day; null: "
                                                                         "no end.")
    note: str = strawberry.field(default="", description=f"≤ {escalation.MAX_NOTE} characters.")


@strawberry.input(description="End a pairing today (one not yet begun is removed).")
class EndTeamPairingInput:
    pairing_id: strawberry.ID


@payload(Code.INVALID, Code.NOT_FOUND, Code.UNKNOWN_REGION, Code.DUPLICATE, Code.CONFLICT)
class AddTeamPairingPayload:
    pairing: TeamPairing | None = None


@payload(Code.NOT_FOUND, Code.CONFLICT)
class EndTeamPairingPayload:
    pairing: TeamPairing | None = strawberry.field(default=None, description=(
        "The pairing as it now stands; null when it had not begun and was removed."))
    removed: bool = False


@strawberry.type
class PairingMutation:
    @mutation("Pair a 学会 team with a county for a period (an admin or the county's "
              "dispatcher); escalation's third step reaches it.")
    async def add_team_pairing(self, info: Info, input: AddTeamPairingInput
                               ) -> AddTeamPairingPayload:
        row = await escalation.add_pairing(
            info.context.db, info.context.caller,
            organization_id=decode_id(str(input.organization_id), "Organization",
                                      "organizationId"),
            region_code=input.region_code, valid_from=input.valid_from,
            valid_to=input.valid_to, note=input.note)
        return AddTeamPairingPayload(pairing=TeamPairing.from_row(row))

    @mutation("End a pairing: it was valid through yesterday, so no demand from today on is "
              "offered to the team through it (a pairing not yet begun is removed).")
    async def end_team_pairing(self, info: Info, input: EndTeamPairingInput
                               ) -> EndTeamPairingPayload:
        row = await escalation.end_pairing(
            info.context.db, info.context.caller,
            pairing_id=decode_id(str(input.pairing_id), "TeamPairing", "pairingId"))
        return EndTeamPairingPayload(pairing=TeamPairing.from_row(row) if row else None,
                                     removed=row is None)
