"""GraphQL for pilots (试点) and their scorecards (seed 001): ``scorecard``, ``scorecards``
(drill-down), ``pilotQuotaSets``; ``createPilot``, ``updatePilot``, ``savePilotQuotaSet``.
Who may read and change them is decided in hub.services.scorecards / pilots."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import date
from typing import TypeVar

import strawberry
from strawberry.dataloader import DataLoader

from hub.office.scorecard import Entry, ItemResult
from hub.schema.context import Info
from hub.schema.errors import BadUserInput
from hub.schema.messages import chosen
from hub.schema.node import decode_id, encode_id
from hub.schema.payloads import mutation, payload
from hub.services import pilots as pilot_service
from hub.services import scorecards as service
from hub.services.workflow import Code, WorkflowError
from hub.store.base import Row

T = TypeVar("T")
MAX_ENTRIES = 1000
_KINDS = {"organization": "Organization", "project": "Project", "activity": "Activity",
          "station": "Station"}


async def asked(value: object, work: Awaitable[T]) -> T:
    """A query's service call: a refused argument becomes BAD_USER_INPUT naming it."""
    try:
        return await work
    except WorkflowError as exc:
        raise BadUserInput(exc.field, value, exc.message, exc.message_zh) from None


@strawberry.type(description="One item of a quota set.")
class PilotQuota:
    pilot_type: str = strawberry.field(description="city | county")
    item: str = strawberry.field(description="teams | projects | activities | stations")
    target: int
    min_members: int | None = strawberry.field(description="Teams: members each needs.")
    six_standard: bool = strawberry.field(description="Stations: only those with all of 六有.")


@strawberry.type(description="指标集: what a pilot of each type must reach over its period.")
class PilotQuotaSet:
    code: str
    name: str
    province_prefix: str = strawberry.field(description="'' anywhere; '41' Henan's only.")
    period_months: int
    source: str
    quotas: list[PilotQuota]

    @classmethod
    def from_row(cls, row: Row) -> PilotQuotaSet:
        return cls(code=row["code"], name=row["name"], province_prefix=row["province_prefix"],
                   period_months=row["period_months"], source=row["source"],
                   quotas=[PilotQuota(pilot_type=q["pilot_type"], item=q["item"],
                                      target=q["target"], min_members=q["min_members"],
                                      six_standard=q["six_standard"]) for q in row["quotas"]])


@strawberry.type(description="试点: a city or county funded on a date, judged on a quota set.")
class Pilot:
    id: strawberry.ID
    name: str
    region_code: str
    region_name: str
    pilot_type: str = strawberry.field(description="city | county")
    funded_on: date = strawberry.field(description="立项资助之日: the period starts here.")
    quota_set: str

    @classmethod
    def from_row(cls, row: Row) -> Pilot:
        return cls(id=strawberry.ID(encode_id("Pilot", row["id"])), name=row["name"],
                   region_code=row["region_code"], region_name=row["region_name"],
                   pilot_type=row["pilot_type"], funded_on=row["funded_on"],
                   quota_set=row["quota_set"])


@strawberry.type(description="A candidate behind a number: counted, or why not.")
class ScorecardEntry:
    id: strawberry.ID = strawberry.field(description="Its global ID (Organization, Project, "
                                                     "Activity or Station).")
    kind: str
    name: str
    counts: bool
    figure: float | None = strawberry.field(description="A team's members on the date.")
    reason: str | None = strawberry.field(description="Why it does not count, in the "
                                                      "caller's language.")
    reason_zh: str | None
    reason_en: str | None

    @classmethod
    def of(cls, e: Entry) -> ScorecardEntry:
        return cls(id=strawberry.ID(encode_id(_KINDS[e.kind], e.id)), kind=e.kind, name=e.name,
                   counts=e.counts, figure=e.figure,
                   reason=chosen(e.reason_zh, e.reason_en) if e.reason_zh and e.reason_en else None,
                   reason_zh=e.reason_zh, reason_en=e.reason_en)


class EntryLoader:
    """The entries of a response's items, read when a client asks for them: the asks made
    together are one statement per quota item (and ``first``, ``counts``) for every card."""

    def __init__(self, info: Info, cards: list[service.PilotScorecard]) -> None:
        self.db, self.cards = info.context.db, cards
        self.loader: DataLoader[tuple[int, str, int, bool | None], list[Entry]] = DataLoader(
            load_fn=self._load)

    async def _load(self, keys: list[tuple[int, str, int, bool | None]]) -> list[list[Entry]]:
        groups: dict[tuple[int, bool | None], list[int]] = {}
        for n, (_, _, first, counts) in enumerate(keys):
            groups.setdefault((first, counts), []).append(n)
        out: list[list[Entry]] = [[] for _ in keys]
        for (first, counts), members in groups.items():
            got = await service.entries(self.db, [(self.cards[keys[n][0]], keys[n][1])
                                                  for n in members], first=first, counts=counts)
            for n, found in zip(members, got, strict=True):
                out[n] = found
        return out

    def cards_of(self) -> list[Scorecard]:
        return [Scorecard.of(c, self, k) for k, c in enumerate(self.cards)]


@strawberry.type(description="One quota item: target, actual, pass/fail and the list behind.")
class ScorecardItem:
    item: str
    label: str
    label_zh: str
    label_en: str
    target: int
    actual: int
    passed: bool
    min_members: int | None
    six_standard: bool
    result: strawberry.Private[ItemResult]
    card: strawberry.Private[tuple[EntryLoader, int]]

    @strawberry.field(description="Candidates: counted first, then those that do not count "
                                  f"with why (at most {MAX_ENTRIES}).")
    async def entries(self, first: int = 100, counts: bool | None = None
                      ) -> list[ScorecardEntry]:
        if not 0 <= first <= MAX_ENTRIES:
            raise BadUserInput("first", first, f"is outside 0..{MAX_ENTRIES}")
        loader, k = self.card
        found = await loader.loader.load((k, self.item, first, counts))
        return [ScorecardEntry.of(e) for e in found]

    @strawberry.field(description="How many candidates (with `counts`, of that kind).")
    def entry_count(self, counts: bool | None = None) -> int:
        r = self.result
        return r.candidates if counts is None else r.actual if counts else r.candidates - r.actual

    @classmethod
    def of(cls, r: ItemResult, loader: EntryLoader, k: int) -> ScorecardItem:
        return cls(item=r.item, label=chosen(r.label_zh, r.label_en), label_zh=r.label_zh,
                   label_en=r.label_en, target=r.target, actual=r.actual, passed=r.passed,
                   min_members=r.min_members, six_standard=r.six_standard, result=r,
                   card=(loader, k))


@strawberry.type(description="A pilot judged as of a date.")
class Scorecard:
    pilot: Pilot
    as_of: date = strawberry.field(description="The date asked for.")
    judged_on: date = strawberry.field(description="The date judged: asOf, or the period's "
                                                   "last day once it has ended.")
    starts_on: date
    ends_on: date = strawberry.field(description="The day after the period's last day.")
    passed: bool
    items: list[ScorecardItem]

    @classmethod
    def of(cls, c: service.PilotScorecard, loader: EntryLoader, k: int) -> Scorecard:
        return cls(pilot=Pilot.from_row(c.pilot), as_of=c.period.as_of,
                   judged_on=c.period.judged_on, starts_on=c.period.starts_on,
                   ends_on=c.period.ends_on, passed=c.passed,
                   items=[ScorecardItem.of(i, loader, k) for i in c.items])


@strawberry.type(description="A region's pilots in one line.")
class RegionScorecardSummary:
    region_code: str
    region_name: str
    level: str
    pilots: int
    pilots_passed: int
    items: int
    items_passed: int

    @classmethod
    def of(cls, s: service.RegionSummary) -> RegionScorecardSummary:
        return cls(region_code=s.region["code"], region_name=s.region["name"],
                   level=s.region["level"], pilots=s.pilots, pilots_passed=s.pilots_passed,
                   items=s.items, items_passed=s.items_passed)


@strawberry.type(description="A region's scorecards summed, its children's (a province's "
                             "cities, a city's counties) and each pilot's.")
class ScorecardDrillDown:
    as_of: date
    total: RegionScorecardSummary
    children: list[RegionScorecardSummary]
    scorecards: list[Scorecard]


@strawberry.type
class ScorecardQuery:
    @strawberry.field(description="Scorecards as of a date (default today, China time): one "
                                  "pilot's (pilotId) or every pilot's in a region's subtree "
                                  "(regionCode). Admins: all; dispatchers: their region's.")
    async def scorecard(self, info: Info, pilot_id: strawberry.ID | None = None,
                        region_code: str | None = None,
                        as_of: date | None = None) -> list[Scorecard]:
        key = decode_id(str(pilot_id), "Pilot", "pilotId") if pilot_id is not None else None
        cards = await asked(pilot_id or region_code, service.scorecards(
            info.context.db, info.context.caller, pilot_id=key, region_code=region_code,
            as_of=as_of))
        return EntryLoader(info, cards).cards_of()

    @strawberry.field(description="Drill-down: a region's pilots passed, and its children's.")
    async def scorecards(self, info: Info, region_code: str,
                         as_of: date | None = None) -> ScorecardDrillDown:
        found = await asked(region_code, service.drill_down(
            info.context.db, info.context.caller, region_code=region_code, as_of=as_of))
        return ScorecardDrillDown(as_of=found.as_of, total=RegionScorecardSummary.of(found.total),
                                  children=[RegionScorecardSummary.of(c) for c in found.children],
                                  scorecards=EntryLoader(info, list(found.scorecards))
                                  .cards_of())

    @strawberry.field(description="Every pilot quota set (Henan's henan_001 is the default).")
    async def pilot_quota_sets(self, info: Info) -> list[PilotQuotaSet]:
        return [PilotQuotaSet.from_row(r)
                for r in await pilot_service.list_quota_sets(info.context.db)]


@strawberry.input(description="A new pilot: a city or county, its funding date.")
class CreatePilotInput:
    region_code: str
    funded_on: date
    name: str | None = strawberry.field(
        default=None, description="Default: the region's name + 科技志愿服务体系建设试点.")
    quota_set: str | None = strawberry.field(default=None, description="Default: henan_001.")


@strawberry.input(description="Change a pilot (fields left out stay).")
class UpdatePilotInput:
    pilot_id: strawberry.ID
    name: str | None = None
    funded_on: date | None = None
    quota_set: str | None = None


@strawberry.input(description="One item of a quota set.")
class PilotQuotaInput:
    pilot_type: str
    item: str
    target: int
    min_members: int | None = None
    six_standard: bool = False


@strawberry.input(description="A quota set, created or replaced whole (its items too).")
class SavePilotQuotaSetInput:
    code: str
    name: str
    quotas: list[PilotQuotaInput]
    province_prefix: str = ""
    period_months: int = 12
    source: str = ""


@payload(Code.INVALID, Code.NOT_FOUND, Code.CONFLICT, Code.UNKNOWN_REGION)
class CreatePilotPayload:
    pilot: Pilot | None = None


@payload(Code.INVALID, Code.NOT_FOUND, Code.CONFLICT)
class UpdatePilotPayload:
    pilot: Pilot | None = None


@payload(Code.INVALID)
class SavePilotQuotaSetPayload:
    quota_set: PilotQuotaSet | None = None


async def _pilot(info: Info, pilot_id: int) -> Pilot:
    rows = await pilot_service.get_many(info.context.db, ids=[pilot_id])
    return Pilot.from_row(rows[0])


@strawberry.type
class ScorecardMutation:
    @mutation("Create a pilot (试点) of a city or county (admins; dispatchers in their region).")
    async def create_pilot(self, info: Info, input: CreatePilotInput) -> CreatePilotPayload:
        pilot_id = await pilot_service.create_pilot(
            info.context.db, info.context.caller, pilot_service.PilotInput(
                region_code=input.region_code, name=input.name, funded_on=input.funded_on,
                quota_set=input.quota_set))
        return CreatePilotPayload(pilot=await _pilot(info, pilot_id))

    @mutation("Change a pilot's name, funding date or quota set.")
    async def update_pilot(self, info: Info, input: UpdatePilotInput) -> UpdatePilotPayload:
        key = decode_id(str(input.pilot_id), "Pilot", "pilotId")
        await pilot_service.update_pilot(info.context.db, info.context.caller,
                                         pilot_service.PilotInput(
                                             pilot_id=key, name=input.name,
                                             funded_on=input.funded_on,
                                             quota_set=input.quota_set))
        return UpdatePilotPayload(pilot=await _pilot(info, key))

    @mutation("Create or replace a pilot quota set (admins; a province's dispatchers for its "
              "own sets).")
    async def save_pilot_quota_set(self, info: Info, input: SavePilotQuotaSetInput
                                   ) -> SavePilotQuotaSetPayload:
        code = await pilot_service.save_quota_set(
            info.context.db, info.context.caller, pilot_service.QuotaSetInput(
                code=input.code, name=input.name, province_prefix=input.province_prefix,
                period_months=input.period_months, source=input.source,
                quotas=[pilot_service.QuotaInput(pilot_type=q.pilot_type, item=q.item,
                                                 target=q.target, min_members=q.min_members,
                                                 six_standard=q.six_standard)
                        for q in input.quotas]))
        sets = await pilot_service.list_quota_sets(info.context.db)
        return SavePilotQuotaSetPayload(quota_set=next(
            PilotQuotaSet.from_row(s) for s in sets if s["code"] == code))
