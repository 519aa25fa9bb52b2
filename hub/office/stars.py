"""Stars (星级, seed 000) for organisations and projects from rules kept as data.

Pure: a subject's tally (confirmed hours, activities and demands served, volunteers who served,
ratings) and the rules in force (per level 1..5: the thresholds of each figure) in; the level
earned, the evidence and what the next level still lacks out. A level is earned when every
threshold of it is met, and every level below it is.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any


@dataclass(frozen=True)
class Rule:
    """The thresholds of one level (``rating`` None: no rating asked)."""

    stars: int
    hours: Decimal
    activities: int
    volunteers: int
    rating: Decimal | None = None


@dataclass(frozen=True)
class Tally:
    """The figures stars are earned by."""

    hours: Decimal = Decimal(0)
    activities: int = 0
    volunteers: int = 0
    rating_sum: int = 0
    rating_count: int = 0

    @property
    def rating(self) -> Decimal | None:
        """The average rating (None before any), rounded half up to 0.01 (as sql/0041's
        hub_subject_star_level does)."""
        if not self.rating_count:
            return None
        return (Decimal(self.rating_sum) / self.rating_count).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Gap:
    """What a level lacks: each figure short of its threshold (zh, en)."""

    stars: int
    short_zh: tuple[str, ...]
    short_en: tuple[str, ...]


@dataclass(frozen=True)
class Stars:
    """The level earned with its evidence, and the next level's gap (None at 5)."""

    stars: int
    tally: Tally
    next: Gap | None


def shortfall(tally: Tally, rule: Rule) -> Gap:
    """Each threshold of ``rule`` that ``tally`` does not meet, worded."""
    zh: list[str] = []
    en: list[str] = []
    if tally.hours < rule.hours:
        zh.append(f"服务时长 {tally.hours} 小时，需 {rule.hours}")
        en.append(f"{tally.hours} h served, needs {rule.hours}")
    if tally.activities < rule.activities:
        zh.append(f"服务活动 {tally.activities} 次，需 {rule.activities}")
        en.append(f"{tally.activities} activities, needs {rule.activities}")
    if tally.volunteers < rule.volunteers:
        zh.append(f"参与志愿者 {tally.volunteers} 人，需 {rule.volunteers}")
        en.append(f"{tally.volunteers} volunteers served, needs {rule.volunteers}")
    rating = tally.rating
    if rule.rating is not None and (rating is None or rating < rule.rating):
        shown = "无" if rating is None else str(rating)
        zh.append(f"平均评分 {shown}，需 {rule.rating}")
        en.append(f"average rating {rating if rating is not None else 'none'}, "
                  f"needs {rule.rating}")
    return Gap(stars=rule.stars, short_zh=tuple(zh), short_en=tuple(en))


def level(tally: Tally, rules: Sequence[Rule]) -> Stars:
    """The highest level whose thresholds, and every lower level's, are all met."""
    earned = 0
    for rule in sorted(rules, key=lambda r: r.stars):
        gap = shortfall(tally, rule)
        if gap.short_en or rule.stars != earned + 1:
            return Stars(stars=earned, tally=tally, next=gap if gap.short_en else None)
        earned = rule.stars
    return Stars(stars=earned, tally=tally, next=None)


def rules_for(region_code: str | None, subject: str,
              rows: Sequence[Mapping[str, Any]]) -> tuple[str, list[Rule]]:
    """The rules in force for a subject in a region: the longest scope (a division-code
    prefix, '' national) that has rules for it; (scope, rules)."""
    code = region_code or ""
    scopes = {str(r["scope"]) for r in rows if r["subject"] == subject
              and code.startswith(str(r["scope"]))}
    if not scopes:
        return "", []
    scope = max(scopes, key=len)
    return scope, [Rule(stars=int(r["stars"]), hours=Decimal(r["hours"]),
                        activities=int(r["activities"]), volunteers=int(r["volunteers"]),
                        rating=None if r["rating"] is None else Decimal(r["rating"]))
                   for r in rows if r["subject"] == subject and r["scope"] == scope]


def check_ladder(rules: Sequence[Rule]) -> list[tuple[int, str, str]]:
    """Problems of a ladder of rules: (index, zh, en). Levels run 1..n without gaps, and no
    threshold falls from one level to the next."""
    out: list[tuple[int, str, str]] = []
    for n, rule in enumerate(rules):
        if rule.stars != n + 1:
            out.append((n, f"第 {n + 1} 级应为 {n + 1} 星，而非 {rule.stars}",
                        f"level {n + 1} must be {n + 1} stars, not {rule.stars}"))
        if n and (rule.hours < rules[n - 1].hours or rule.activities < rules[n - 1].activities
                  or rule.volunteers < rules[n - 1].volunteers
                  or (rules[n - 1].rating or 0) > (rule.rating or 0)):
            out.append((n, f"{rule.stars} 星的门槛不能低于 {rules[n - 1].stars} 星",
                        f"{rule.stars} stars asks less than {rules[n - 1].stars} stars"))
    return out
