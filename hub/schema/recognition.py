"""GraphQL for recognition rounds, 优秀 and 四个十佳 (seed 003; :mod:`hub.services.recognition`):
open a round, rank and nominate candidates with their evidence, review with reasons, publish
(frozen from then on), and export the published list."""

from __future__ import annotations

import base64
from collections.abc import Awaitable
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.scalars import JSON

from hub.schema.context import Info
from hub.schema.errors import BadUserInput, NotFound
from hub.schema.node import decode_id
from hub.schema.payloads import mutation, payload
from hub.schema.regions import load_region
from hub.services import recognition, recognition_lists
from hub.services.recognition import Candidate as FoundCandidate
from hub.services.workflow import Code, WorkflowError
from hub.store.base import Row

NODE_TYPE = recognition_lists.NODE_TYPE
T = TypeVar("T")


@strawberry.enum(description="优秀 (excellent) or 四个十佳 (top ten; 10 places).")
class RecognitionAward(Enum):
    EXCELLENT = "excellent"
    TOP_TEN = "top_ten"


@strawberry.enum(description="The level a round runs at: county → city → province → national.")
class RecognitionLevel(Enum):
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"
    NATIONAL = "national"


@strawberry.enum(description="What is recognised: volunteers, teams (organisations), projects, "
                             "service points (stations).")
class RecognitionCategory(Enum):
    VOLUNTEER = "volunteer"
    TEAM = "team"
    PROJECT = "project"
    STATION = "station"


@strawberry.enum(description="The format of an export.")
class ExportFormat(Enum):
    XLSX = "xlsx"
    JSON = "json"


@strawberry.type(description="A file to download: its name, media type and bytes as base64.")
class Download:
    file_name: str
    content_type: str
    content_base64: str

    @classmethod
    def of(cls, found: recognition_lists.Download) -> Download:
        return cls(file_name=found.file_name, content_type=found.content_type,
                   content_base64=base64.b64encode(found.content).decode())


def subject_gid(category: str, key: int) -> strawberry.ID:
    """The global ID of a recognised subject."""
    return strawberry.ID(recognition_lists.encode_global_id(NODE_TYPE[category], key))


@strawberry.type(description="A candidate's place among the round's pool, score and the "
                             "confirmed figures and records it rests on.")
class RecognitionCandidate:
    rank: int
    score: Decimal = strawberry.field(description="0..1: 0.4 hours + 0.2 occasions + 0.2 "
                                                  "rating + 0.2 priority-area share.")
    category: RecognitionCategory
    subject_id: strawberry.ID = strawberry.field(description="The volunteer, team, project or "
                                                             "station (global ID).")
    name: str | None = strawberry.field(description="Volunteers' names as the field policy lets "
                                                    "the caller see them.")
    region_code: str | None
    evidence: JSON = strawberry.field(description="hours, occasions, priorityHours, "
                                                  "priorityShare, rating, ratingCount, "
                                                  "volunteers, recordCount, recordIds, parts.")
    lower_lists: JSON = strawberry.field(description="The published lists below it names it "
                                                     "on (rounds above county).")
    nomination_id: int | None = strawberry.field(description="Its nomination, if nominated.")

    @classmethod
    def of(cls, c: FoundCandidate) -> RecognitionCandidate:
        return cls(rank=c.ranked.rank, score=c.ranked.score,
                   category=RecognitionCategory(c.category),
                   subject_id=subject_gid(c.category, c.subject_id), name=c.name,
                   region_code=c.region_code, evidence=JSON(c.ranked.evidence()),
                   lower_lists=JSON(list(c.lower)), nomination_id=c.nomination_id)


@strawberry.type(description="A page of a round's candidates, best first.")
class RecognitionCandidatePage:
    total: int
    candidates: list[RecognitionCandidate]


@strawberry.type(description="A nomination: who, with which evidence, and the review.")
class RecognitionNomination:
    id: int
    category: RecognitionCategory
    subject_id: strawberry.ID
    name: str | None
    rank: int
    score: Decimal
    evidence: JSON
    statement: str = strawberry.field(description="推荐理由")
    nominated_by: str
    nominated_at: datetime
    decision: str = strawberry.field(description="pending | accepted | rejected")
    reason: str | None
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, row: Row) -> RecognitionNomination:
        return cls(id=row["id"], category=RecognitionCategory(row["category"]),
                   subject_id=subject_gid(row["category"], row["subject_id"]),
                   name=row.get("name"), rank=row["rank"], score=row["score"],
                   evidence=row["evidence"], statement=row["statement"],
                   nominated_by=row["nominated_by"], nominated_at=row["nominated_at"],
                   decision=row["decision"], reason=row["reason"],
                   decided_by=row["decided_by"], decided_at=row["decided_at"])


@strawberry.type(description="A place on a published list (frozen).")
class RecognitionAwardEntry:
    category: RecognitionCategory
    place: int
    subject_id: strawberry.ID
    name: str | None
    region_code: str | None
    score: Decimal
    evidence: JSON

    @classmethod
    def of(cls, row: Row) -> RecognitionAwardEntry:
        return cls(category=RecognitionCategory(row["category"]), place=row["place"],
                   subject_id=subject_gid(row["category"], row["subject_id"]),
                   name=row.get("name"), region_code=row["region_code"], score=row["score"],
                   evidence=row["evidence"])


@strawberry.type(description="A yearly recognition round (优秀 or 四个十佳) of one level and "
                             "region.")
class RecognitionRound:
    id: int
    award: RecognitionAward
    award_zh: str
    level: RecognitionLevel
    region_code: str | None = strawberry.field(description="Null for a national round.")
    year: int
    categories: list[RecognitionCategory]
    places: int = strawberry.field(description="Places per category.")
    status: str = strawberry.field(description="open | published (frozen)")
    opened_by: str
    opened_at: datetime
    published_at: datetime | None

    @classmethod
    def of(cls, row: Row) -> RecognitionRound:
        return cls(id=row["id"], award=RecognitionAward(row["award"]),
                   award_zh=recognition.AWARDS[row["award"]][0],
                   level=RecognitionLevel(row["level"]), region_code=row["region_code"],
                   year=row["year"], categories=[RecognitionCategory(c)
                                                 for c in row["categories"]],
                   places=row["places"], status=row["status"], opened_by=row["opened_by"],
                   opened_at=row["opened_at"], published_at=row["published_at"])

    @strawberry.field(description="Candidates of one category ranked from confirmed data (org "
                                  "admins: their subtree's); at most 100 a page.")
    async def candidates(self, info: Info, category: RecognitionCategory, first: int = 20,
                         offset: int = 0) -> RecognitionCandidatePage:
        page = await answered(recognition.candidates(
            info.context.db, info.context.caller, round_id=self.id, category=category.value,
            first=first, offset=offset))
        return RecognitionCandidatePage(total=page.total, candidates=[
            RecognitionCandidate.of(c) for c in page.candidates])

    @strawberry.field(description="The division's name (null for a national round).")
    async def region_name(self, info: Info) -> str | None:
        if self.region_code is None:
            return None
        region = await load_region(info, self.region_code)
        return None if region is None else region.name

    @strawberry.field(description="Every nomination, by category and score.")
    async def nominations(self, info: Info) -> list[RecognitionNomination]:
        return [RecognitionNomination.of(r) for r in await recognition_lists.nominations(
            info.context.db, info.context.caller, round_id=self.id)]

    @strawberry.field(description="The published list (empty while open).")
    async def awards(self, info: Info) -> list[RecognitionAwardEntry]:
        _, rows = await recognition_lists.awards(info.context.db, info.context.caller,
                                                 round_id=self.id)
        return [RecognitionAwardEntry.of(r) for r in rows]


@strawberry.input
class OpenRecognitionRoundInput:
    award: RecognitionAward
    level: RecognitionLevel
    region_code: str | None = strawberry.field(default=None, description=(
        "The county, city or province (6, 9 or 12 digits); null for a national round."))
    year: int
    categories: list[RecognitionCategory]
    places: int | None = strawberry.field(default=None, description="Per category, 1..100; "
                                                                    "十佳: 10 (the default).")


@strawberry.input
class NominateForRecognitionInput:
    round_id: int
    category: RecognitionCategory
    subject_id: strawberry.ID = strawberry.field(description="The candidate's global ID.")
    statement: str = strawberry.field(default="", description="推荐理由, ≤ 2000 characters.")


@strawberry.input
class ReviewRecognitionNominationInput:
    nomination_id: int
    accept: bool
    reason: str = strawberry.field(description="Why, 2..1000 characters (required).")


@strawberry.input
class PublishRecognitionRoundInput:
    round_id: int


@strawberry.input
class ExportRecognitionListInput:
    round_id: int
    format: ExportFormat = ExportFormat.XLSX


@payload(Code.INVALID, Code.UNKNOWN_REGION, Code.CONFLICT)
class OpenRecognitionRoundPayload:
    round: RecognitionRound | None = None


@payload(Code.INVALID, Code.NOT_FOUND, Code.NOT_ELIGIBLE, Code.CONFLICT, Code.INVALID_TRANSITION)
class NominateForRecognitionPayload:
    nomination: RecognitionNomination | None = None


@payload(Code.NOT_FOUND, Code.REASON_REQUIRED, Code.SLOTS_FULL, Code.INVALID_TRANSITION)
class ReviewRecognitionNominationPayload:
    nomination: RecognitionNomination | None = None


@payload(Code.INVALID, Code.NOT_FOUND, Code.INVALID_TRANSITION)
class PublishRecognitionRoundPayload:
    round: RecognitionRound | None = None
    awards: list[RecognitionAwardEntry] = strawberry.field(default_factory=list)


@payload(Code.INVALID, Code.NOT_FOUND, Code.INVALID_TRANSITION)
class ExportRecognitionListPayload:
    download: Download | None = None


async def answered(pending: Awaitable[T]) -> T:
    """A query's answer, with a service's refusal as a coded top-level error (NOT_FOUND, or
    BAD_USER_INPUT naming the field)."""
    try:
        return await pending
    except WorkflowError as exc:
        if exc.code is Code.NOT_FOUND:
            raise NotFound(exc.message, field=exc.field) from None
        raise BadUserInput(exc.field, exc.code.value, exc.message, exc.message_zh) from None


def _subject_key(category: str, value: strawberry.ID) -> int:
    return decode_id(str(value), NODE_TYPE[category], "subjectId")


async def _open(info: Info, input: OpenRecognitionRoundInput) -> OpenRecognitionRoundPayload:
    row = await recognition.open_round(info.context.db, info.context.caller, recognition.NewRound(
        award=input.award.value, level=input.level.value, region_code=input.region_code,
        year=input.year, categories=tuple(c.value for c in input.categories),
        places=input.places))
    return OpenRecognitionRoundPayload(round=RecognitionRound.of(row))


async def _nominate(info: Info, input: NominateForRecognitionInput
                    ) -> NominateForRecognitionPayload:
    category = input.category.value
    row = await recognition.nominate(info.context.db, info.context.caller,
                                     round_id=input.round_id, category=category,
                                     subject_id=_subject_key(category, input.subject_id),
                                     statement=input.statement)
    return NominateForRecognitionPayload(nomination=RecognitionNomination.of(row))


async def _review(info: Info, input: ReviewRecognitionNominationInput
                  ) -> ReviewRecognitionNominationPayload:
    row = await recognition.review(info.context.db, info.context.caller,
                                   nomination_id=input.nomination_id, accept=input.accept,
                                   reason=input.reason)
    return ReviewRecognitionNominationPayload(nomination=RecognitionNomination.of(row))


async def _publish(info: Info, input: PublishRecognitionRoundInput
                   ) -> PublishRecognitionRoundPayload:
    row, _ = await recognition.publish(info.context.db, info.context.caller,
                                       round_id=input.round_id)
    _, listed = await recognition_lists.awards(info.context.db, info.context.caller,
                                               round_id=input.round_id)
    return PublishRecognitionRoundPayload(round=RecognitionRound.of(row),
                                          awards=[RecognitionAwardEntry.of(a) for a in listed])


async def _export(info: Info, input: ExportRecognitionListInput) -> ExportRecognitionListPayload:
    found = await recognition_lists.export_list(info.context.db, info.context.caller,
                                                round_id=input.round_id, fmt=input.format.value)
    return ExportRecognitionListPayload(download=Download.of(found))


@strawberry.type
class RecognitionMutation:
    open_recognition_round: OpenRecognitionRoundPayload = mutation(
        "Open a yearly 优秀 or 四个十佳 round for a region (admins; the region's dispatchers).",
        _open)
    nominate_for_recognition: NominateForRecognitionPayload = mutation(
        "Nominate a candidate with its evidence (admins, the region's dispatchers; org admins "
        "from their subtree).", _nominate)
    review_recognition_nomination: ReviewRecognitionNominationPayload = mutation(
        "Accept or reject a nomination with a reason (no more acceptances than places).",
        _review)
    publish_recognition_round: PublishRecognitionRoundPayload = mutation(
        "Publish the accepted nominations as the round's list; frozen from then on.", _publish)
    export_recognition_list: ExportRecognitionListPayload = mutation(
        "A published list as .xlsx (a sheet per category, Chinese headers) or JSON.", _export)


@strawberry.type
class RecognitionQuery:
    @strawberry.field(description="Recognition rounds under a region (dispatchers: theirs by "
                                  "default), newest year first; at most 100 a page.")
    async def recognition_rounds(self, info: Info, region_code: str | None = None,
                                 year: int | None = None, first: int = 20,
                                 offset: int = 0) -> list[RecognitionRound]:
        rows = await answered(recognition_lists.list_rounds(
            info.context.db, info.context.caller, region_code=region_code, year=year,
            first=first, offset=offset))
        return [RecognitionRound.of(r) for r in rows]

    @strawberry.field(description="One recognition round.")
    async def recognition_round(self, info: Info, id: int) -> RecognitionRound:
        return RecognitionRound.of(await answered(recognition_lists.get_round(
            info.context.db, info.context.caller, round_id=id)))


