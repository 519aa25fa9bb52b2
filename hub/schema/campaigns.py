"""GraphQL for campaigns (主题活动 on key dates): ``campaigns``, ``campaignStats``;
``saveCampaign``, ``saveCampaignEdition``, ``tagCampaign``, ``untagCampaign``. Who may do what
is decided in hub.services.campaigns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.dataloader import DataLoader

from hub.schema.context import Context, Info, per_request
from hub.schema.messages import chosen
from hub.schema.node import decode_id, encode_id
from hub.schema.payloads import mutation, payload
from hub.schema.scorecards import asked
from hub.services import campaigns as service
from hub.services.workflow import Code
from hub.store.base import Row


@strawberry.type(description="A campaign's dates in one year.")
class CampaignEdition:
    id: strawberry.ID
    campaign: str
    year: int
    starts_on: date
    ends_on: date = strawberry.field(description="Its last day.")

    @classmethod
    def from_row(cls, row: Row) -> CampaignEdition:
        return cls(id=strawberry.ID(encode_id("CampaignEdition", row["id"])),
                   campaign=row["campaign_code"], year=row["year"], starts_on=row["starts_on"],
                   ends_on=row["ends_on"])


@strawberry.type(description="An activity's or demand's tag with a campaign edition.")
class CampaignTag:
    edition: CampaignEdition
    people_served: int | None = strawberry.field(description="Reach reported when tagging.")


def _tag_loader(info: Info, kind: str) -> DataLoader[int, list[CampaignTag]]:
    def make(context: Context) -> DataLoader[int, list[CampaignTag]]:
        async def load(ids: Sequence[int]) -> list[list[CampaignTag]]:
            got = await service.tags_of(context.db, kind=kind, ids=list(ids))
            return [[CampaignTag(edition=CampaignEdition.from_row(r),
                                 people_served=r["people_served"]) for r in got[i]]
                    for i in ids]
        return DataLoader(load_fn=load)
    return per_request(info, f"campaign_tags_{kind}_loader", make)


def _tags_field(kind: str) -> list[CampaignTag]:
    async def campaign_tags(self: Any, info: Info) -> list[CampaignTag]:
        return await _tag_loader(info, kind).load(int(self.row["id"]))
    field: list[CampaignTag] = strawberry.field(
        resolver=campaign_tags, description="The campaign editions it is tagged with (主题活动).")
    return field


@strawberry.type
class ActivityCampaignTags:
    """The ``campaignTags`` field of :class:`hub.schema.organizations.Activity`."""

    campaign_tags: list[CampaignTag] = _tags_field("activity")


@strawberry.type
class DemandCampaignTags:
    """The ``campaignTags`` field of :class:`hub.schema.places.Demand`."""

    campaign_tags: list[CampaignTag] = _tags_field("demand")


@strawberry.type(description="主题活动: a key date (学雷锋纪念日, 全国科普日 …) and its editions.")
class Campaign:
    code: str
    name: str
    name_zh: str
    name_en: str
    fixed_month: int | None
    fixed_day: int | None
    season: str = strawberry.field(description="When it falls, for campaigns set each year.")
    editions: list[CampaignEdition]

    @classmethod
    def from_row(cls, row: Row) -> Campaign:
        return cls(code=row["code"], name=chosen(row["name_zh"], row["name_en"]),
                   name_zh=row["name_zh"], name_en=row["name_en"],
                   fixed_month=row["fixed_month"], fixed_day=row["fixed_day"],
                   season=row["season"],
                   editions=[CampaignEdition.from_row(e) for e in row["editions"]])


@strawberry.type(description="An edition's figures in a region subtree.")
class CampaignStats:
    edition: CampaignEdition
    region_code: str | None
    activities: int = strawberry.field(description="Tagged activities (published or held).")
    demands: int = strawberry.field(description="Tagged demands (not cancelled or rejected).")
    volunteers: int = strawberry.field(description="Distinct volunteers whose records on them "
                                                   "were confirmed.")
    hours: Decimal = strawberry.field(description="Confirmed net hours on them.")
    people_served: int = strawberry.field(description="Reach reported when tagging.")
    unreported: int = strawberry.field(description="Tagged without a reported reach.")


@strawberry.type
class CampaignQuery:
    @strawberry.field(description="Campaigns with their editions (of a year, or all).")
    async def campaigns(self, info: Info, year: int | None = None) -> list[Campaign]:
        return [Campaign.from_row(r)
                for r in await service.list_campaigns(info.context.db, year=year)]

    @strawberry.field(description="An edition's figures in a region subtree (admins: any or "
                                  "none; dispatchers: their region's).")
    async def campaign_stats(self, info: Info, edition_id: strawberry.ID,
                             region_code: str | None = None) -> CampaignStats:
        key = decode_id(str(edition_id), "CampaignEdition", "editionId")
        edition, row = await asked(edition_id if region_code is None else region_code,
                                   service.stats(info.context.db, info.context.caller,
                                                 edition_id=key, region_code=region_code))
        return CampaignStats(edition=CampaignEdition.from_row(edition), region_code=region_code,
                             activities=row["activities"], demands=row["demands"],
                             volunteers=row["volunteers"], hours=row["hours"],
                             people_served=row["people_served"], unreported=row["unreported"])


@strawberry.input(description="A campaign to add or change (its code stays).")
class SaveCampaignInput:
    code: str
    name_zh: str
    name_en: str
    fixed_month: int | None = None
    fixed_day: int | None = None
    season: str = ""


@strawberry.input(description="A campaign's dates in a year (a fixed-date one: that day by "
                              "default).")
class SaveCampaignEditionInput:
    campaign: str
    year: int
    starts_on: date | None = None
    ends_on: date | None = None


@strawberry.input(description="Activities and demands to tag with an edition.")
class TagCampaignInput:
    edition_id: strawberry.ID
    activity_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    demand_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    people_served: int | None = strawberry.field(default=None, description=(
        "People reached by each, as the organiser reports (tagging only)."))


@strawberry.input(description="Activities and demands to untag from an edition.")
class UntagCampaignInput:
    edition_id: strawberry.ID
    activity_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    demand_ids: list[strawberry.ID] = strawberry.field(default_factory=list)


@payload(Code.INVALID)
class SaveCampaignPayload:
    code: str | None = None


@payload(Code.INVALID, Code.NOT_FOUND)
class SaveCampaignEditionPayload:
    edition: CampaignEdition | None = None


@payload(Code.INVALID, Code.NOT_FOUND)
class TagCampaignPayload:
    count: int = 0


@payload(Code.INVALID, Code.NOT_FOUND)
class UntagCampaignPayload:
    count: int = 0


async def _tag(info: Info, input: TagCampaignInput | UntagCampaignInput, *,
               remove: bool) -> int:
    return await service.tag(
        info.context.db, info.context.caller,
        edition_id=decode_id(str(input.edition_id), "CampaignEdition", "editionId"),
        activity_ids=[decode_id(str(x), "Activity", f"activityIds[{n}]")
                      for n, x in enumerate(input.activity_ids)],
        demand_ids=[decode_id(str(x), "Demand", f"demandIds[{n}]")
                    for n, x in enumerate(input.demand_ids)],
        people_served=getattr(input, "people_served", None), remove=remove)


@strawberry.type
class CampaignMutation:
    @mutation("Add a campaign or change its names and date (admins).")
    async def save_campaign(self, info: Info, input: SaveCampaignInput) -> SaveCampaignPayload:
        code = await service.save_campaign(info.context.db, info.context.caller,
                                           service.CampaignInput(
                                               code=input.code, name_zh=input.name_zh,
                                               name_en=input.name_en,
                                               fixed_month=input.fixed_month,
                                               fixed_day=input.fixed_day, season=input.season))
        return SaveCampaignPayload(code=code)

    @mutation("Set a campaign's dates of a year (admins), e.g. 全国科技活动周 2026.")
    async def save_campaign_edition(self, info: Info, input: SaveCampaignEditionInput
                                    ) -> SaveCampaignEditionPayload:
        key = await service.save_edition(info.context.db, info.context.caller,
                                         campaign_code=input.campaign, year=input.year,
                                         starts_on=input.starts_on, ends_on=input.ends_on)
        rows = await service.get_many_editions(info.context.db, ids=[key])
        return SaveCampaignEditionPayload(edition=CampaignEdition.from_row(rows[0]))

    @mutation(f"Tag activities and demands with a campaign edition (at most "
              f"{service.MAX_TAGS} at once; each must be the caller's to tag).")
    async def tag_campaign(self, info: Info, input: TagCampaignInput) -> TagCampaignPayload:
        return TagCampaignPayload(count=await _tag(info, input, remove=False))

    @mutation("Untag activities and demands from a campaign edition.")
    async def untag_campaign(self, info: Info, input: UntagCampaignInput
                             ) -> UntagCampaignPayload:
        return UntagCampaignPayload(count=await _tag(info, input, remove=True))
