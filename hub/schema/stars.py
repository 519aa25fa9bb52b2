"""GraphQL for stars (星级, seed 000): ``Organization.stars`` and ``Project.stars`` with the
figures that earned them, the rules in force (``starRules``), and the mutations that set rules
(``saveStarRules``) and volunteers' hour thresholds (``saveStarThresholds``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import strawberry
from strawberry.dataloader import DataLoader

from hub.office.stars import Rule
from hub.office.stars import Stars as Earned
from hub.schema.context import Context, Info, per_request
from hub.schema.messages import chosen
from hub.schema.payloads import mutation, payload
from hub.services import stars as service
from hub.services.workflow import Code
from hub.store.base import Row


@strawberry.type(description="What the next level still lacks.")
class StarGap:
    stars: int
    short: list[str] = strawberry.field(description="Each figure short, in the caller's "
                                                    "language.")
    short_zh: list[str]
    short_en: list[str]


@strawberry.type(description="星级 with its evidence: the confirmed figures that earned it.")
class StarRating:
    stars: int = strawberry.field(description="0..5: every threshold of each level met.")
    hours: Decimal = strawberry.field(description="Confirmed net hours served (its own and "
                                                  "every unit's beneath it).")
    activities: int = strawberry.field(description="Distinct activities and demands served.")
    volunteers: int = strawberry.field(description="Distinct volunteers who served.")
    rating: Decimal | None = strawberry.field(description="Average requesters' rating (评单).")
    rating_count: int
    next: StarGap | None = strawberry.field(description="The next level's gap (null at 5).")

    @classmethod
    def of(cls, found: Earned) -> StarRating:
        t, gap = found.tally, found.next
        return cls(stars=found.stars, hours=t.hours, activities=t.activities,
                   volunteers=t.volunteers, rating=t.rating, rating_count=t.rating_count,
                   next=None if gap is None else StarGap(
                       stars=gap.stars, short=[chosen(z, e) for z, e in
                                               zip(gap.short_zh, gap.short_en, strict=True)],
                       short_zh=list(gap.short_zh), short_en=list(gap.short_en)))


def _loader(info: Info, kind: str) -> DataLoader[int, Earned | None]:
    def make(context: Context) -> DataLoader[int, Earned | None]:
        async def load(ids: Sequence[int]) -> list[Earned | None]:
            got = await service.stars_of(context.db, subject_kind=kind, ids=list(ids))
            return [got.get(i) for i in ids]
        return DataLoader(load_fn=load)
    return per_request(info, f"stars_{kind}_loader", make)


async def _stars(info: Info, kind: str, key: int) -> StarRating:
    found = await _loader(info, kind).load(key)
    return StarRating.of(found) if found else StarRating(
        stars=0, hours=Decimal("0.00"), activities=0, volunteers=0, rating=None, rating_count=0,
        next=None)


@strawberry.type(description="A level an organisation or project reached, and when.")
class StarReached:
    stars: int
    reached_on: date | None = strawberry.field(description="The day (China time) its confirmed "
                                                          "figures first met this level under "
                                                          "the rules then in force; null: held "
                                                          "before the history began (sql/0041).")


def _history_loader(info: Info, kind: str) -> DataLoader[int, list[StarReached]]:
    def make(context: Context) -> DataLoader[int, list[StarReached]]:
        async def load(ids: Sequence[int]) -> list[list[StarReached]]:
            got = await service.reached_of(context.db, subject_kind=kind, ids=list(ids))
            return [[StarReached(stars=r["stars"], reached_on=r["reached_on"]) for r in got[i]]
                    for i in ids]
        return DataLoader(load_fn=load)
    return per_request(info, f"star_history_{kind}_loader", make)


_HISTORY = ("Every level reached, lowest first, with the day it was first reached (kept: a "
            "level lost again stays listed; public, as the stars are).")


@strawberry.type
class OrganizationStars:
    """The ``stars`` field of :class:`hub.schema.organizations.Organization`."""

    if TYPE_CHECKING:
        row: Row

    @strawberry.field(description="星级 of this organisation (rules of its province), with the "
                                  "figures of it and every unit beneath it.")
    async def stars(self, info: Info) -> StarRating:
        return await _stars(info, "organization", int(self.row["id"]))

    @strawberry.field(description=_HISTORY)
    async def star_history(self, info: Info) -> list[StarReached]:
        return await _history_loader(info, "organization").load(int(self.row["id"]))


@strawberry.type
class ProjectStars:
    """The ``stars`` field of :class:`hub.schema.organizations.Project`."""

    if TYPE_CHECKING:
        row: Row

    @strawberry.field(description="星级 of this project (rules of its owner's province), from "
                                  "its activities' confirmed service.")
    async def stars(self, info: Info) -> StarRating:
        return await _stars(info, "project", int(self.row["id"]))

    @strawberry.field(description=_HISTORY)
    async def star_history(self, info: Info) -> list[StarReached]:
        return await _history_loader(info, "project").load(int(self.row["id"]))


@strawberry.type(description="One level of star rules: every threshold must be met.")
class StarRule:
    stars: int
    hours: Decimal
    activities: int
    volunteers: int
    rating: Decimal | None

    @classmethod
    def of(cls, r: Rule) -> StarRule:
        return cls(stars=r.stars, hours=r.hours, activities=r.activities,
                   volunteers=r.volunteers, rating=r.rating)


@strawberry.type(description="The star rules in force for a subject in a region.")
class StarRules:
    subject: str
    scope: str = strawberry.field(description="The division-code prefix they come from "
                                              "('' national).")
    rules: list[StarRule]


@strawberry.type
class StarQuery:
    @strawberry.field(description="Star rules in force for organisations or projects in a "
                                  "region (the province's, else the national ones).")
    async def star_rules(self, info: Info, subject: str = "organization",
                         region_code: str | None = None) -> StarRules:
        scope, rules = await service.list_rules(info.context.db, subject_kind=subject,
                                                region_code=region_code)
        return StarRules(subject=subject, scope=scope, rules=[StarRule.of(r) for r in rules])


@strawberry.input(description="One level's thresholds (rating null: none asked).")
class StarRuleInput:
    stars: int
    hours: Decimal
    activities: int = 0
    volunteers: int = 0
    rating: Decimal | None = None


@strawberry.input(description="Replace a scope's star rules for organisations or projects "
                              "(levels 1..n, none lower than the one below; empty: inherit).")
class SaveStarRulesInput:
    scope: str = strawberry.field(description="'' national, '41' Henan, '4101' Zhengzhou…")
    subject: str = strawberry.field(description="organization | project")
    rules: list[StarRuleInput]


@strawberry.input(description="Replace volunteers' star thresholds of a scope: hours for "
                              "1★, 2★ … rising (empty: inherit the national 100/300/600/1000/"
                              "1500 h).")
class SaveStarThresholdsInput:
    scope: str
    hours: list[Decimal]


@payload(Code.INVALID)
class SaveStarRulesPayload:
    rules: StarRules | None = None


@payload(Code.INVALID)
class SaveStarThresholdsPayload:
    scope: str | None = None


@strawberry.type
class StarMutation:
    @mutation("Replace a scope's star rules (admins; a dispatcher for their region); every "
              "organisation's or project's stars follow at once.")
    async def save_star_rules(self, info: Info, input: SaveStarRulesInput
                              ) -> SaveStarRulesPayload:
        await service.save_rules(info.context.db, info.context.caller, scope=input.scope,
                                 subject_kind=input.subject, rules=[service.RuleInput(
                                     stars=x.stars, hours=x.hours, activities=x.activities,
                                     volunteers=x.volunteers, rating=x.rating)
                                     for x in input.rules])
        scope, rules = await service.list_rules(info.context.db, subject_kind=input.subject,
                                                region_code=input.scope.ljust(12, "0"))
        return SaveStarRulesPayload(rules=StarRules(subject=input.subject, scope=scope,
                                                    rules=[StarRule.of(r) for r in rules]))

    @mutation("Replace volunteers' star thresholds of a scope (admins; a dispatcher for their "
              "region).")
    async def save_star_thresholds(self, info: Info, input: SaveStarThresholdsInput
                                   ) -> SaveStarThresholdsPayload:
        await service.save_thresholds(info.context.db, info.context.caller, scope=input.scope,
                                      hours=input.hours)
        return SaveStarThresholdsPayload(scope=input.scope)
