"""Stars (星级, seed 000) of organisations and projects, and the rules of every star.

The figures are kept by the database as service is confirmed, corrected and rated (sql/0027's
triggers on service_record_confirmation, service_record and review); the level is worked out
from them and the rules in force when read (hub.office.stars), so a change of rules re-rates
at once. Rules are data per province (``star_rule``: scope '' national, '41' Henan …); so are
volunteers' hour thresholds (``star_threshold``, national 100/300/600/1000/1500 h). Admins set
any scope's; a dispatcher their own region's (``star_rule.manage``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from hub.auth import Caller
from hub.auth.actions import Action, ActionSubject, actor, require, subject
from hub.office.stars import Rule, Stars, Tally, check_ladder, level, rules_for
from hub.services.workflow import Code, Refused, WorkflowError
from hub.store import stars as store
from hub.store.base import Database, Row

SUBJECTS = ("organization", "project")
_SCOPE = re.compile(r"^([0-9]{2}){0,6}$")


async def stars_of(db: Database, *, subject_kind: str, ids: Sequence[int]) -> dict[int, Stars]:
    """Stars with their evidence, per organisation or project id."""
    rules = await store.list_rules(db)
    out: dict[int, Stars] = {}
    for row in await store.list_tallies(db, subject=subject_kind, ids=ids):
        _, ladder = rules_for(row["region_code"], subject_kind, rules)
        out[int(row["id"])] = level(Tally(
            hours=Decimal(row["hours"]), activities=int(row["activities"]),
            volunteers=int(row["volunteers"]), rating_sum=int(row["rating_sum"]),
            rating_count=int(row["rating_count"])), ladder)
    return out


async def list_rules(db: Database, *, subject_kind: str,
                     region_code: str | None) -> tuple[str, list[Rule]]:
    """The rules in force for a subject in a region: (scope, ladder)."""
    return rules_for(region_code, subject_kind, await store.list_rules(db))


@dataclass(frozen=True)
class RuleInput:
    """One level's thresholds."""

    stars: int
    hours: Decimal
    activities: int = 0
    volunteers: int = 0
    rating: Decimal | None = None


def _scope_subject(scope: str) -> ActionSubject | None:
    return subject(region_code=scope.ljust(12, "0")) if scope else None


def _bad(field: str, en: str, zh: str) -> WorkflowError:
    return WorkflowError(Code.INVALID, field, en, zh)


def _check_scope(scope: str) -> None:
    if not _SCOPE.match(scope):
        raise _bad("scope", f"{scope!r} is not a division-code prefix of whole levels "
                   "(2, 4, 6 … digits; '' national)", f"{scope!r} 不是行政区划代码前缀")


async def save_rules(db: Database, caller: Caller, *, scope: str, subject_kind: str,
                     rules: Sequence[RuleInput]) -> None:
    """Replace a scope's star rules for organisations or projects (an empty list: the scope
    inherits the rules above it again; the national ones cannot be emptied)."""
    _check_scope(scope)
    require(caller, Action.STAR_RULE_MANAGE, _scope_subject(scope),
            what="set star rules here")
    errors: list[WorkflowError] = []
    if subject_kind not in SUBJECTS:
        errors.append(_bad("subject", f"{subject_kind!r} is not organization or project",
                           f"{subject_kind!r} 不是 organization 或 project"))
    for n, x in enumerate(rules):
        if x.hours < 0 or x.hours > Decimal("99999999"):
            errors.append(_bad(f"rules[{n}].hours", f"{x.hours} is outside 0..99999999",
                               f"时长 {x.hours} 超出范围"))
        if not 0 <= x.activities <= 10_000_000 or not 0 <= x.volunteers <= 10_000_000:
            errors.append(_bad(f"rules[{n}]", "activities and volunteers are 0..10000000",
                               "活动次数与人数须在 0～10000000 之间"))
        if x.rating is not None and not 1 <= x.rating <= 5:
            errors.append(_bad(f"rules[{n}].rating", f"{x.rating} is outside 1..5",
                               f"评分 {x.rating} 不在 1～5 之间"))
    ladder = [Rule(stars=x.stars, hours=x.hours, activities=x.activities,
                   volunteers=x.volunteers, rating=x.rating) for x in rules]
    errors += [_bad(f"rules[{n}]", en, zh) for n, zh, en in check_ladder(ladder)]
    if len(rules) > 5:
        errors.append(_bad("rules", f"{len(rules)} levels; at most 5", "最多 5 个星级"))
    if not rules and not scope:
        errors.append(_bad("rules", "the national rules cannot be emptied", "全国规则不能为空"))
    if errors:
        raise Refused(errors)
    values = [{"stars": x.stars, "hours": x.hours, "activities": x.activities,
               "volunteers": x.volunteers, "rating": x.rating, "updated_by": actor(caller)}
              for x in rules]
    async with db.transaction() as tx:
        await store.lock_scope(tx, scope=scope)
        await store.update_rules(tx, scope=scope, subject=subject_kind, rules=values)
        await store.create_reached(tx, scope=scope, subject=subject_kind)


async def save_thresholds(db: Database, caller: Caller, *, scope: str,
                          hours: Sequence[Decimal]) -> None:
    """Replace volunteers' star thresholds of a scope (level n+1 at ``hours[n]``, rising; an
    empty list: the scope inherits again; the national ones cannot be emptied)."""
    _check_scope(scope)
    require(caller, Action.STAR_RULE_MANAGE, _scope_subject(scope),
            what="set star thresholds here")
    errors: list[WorkflowError] = []
    if len(hours) > 5:
        errors.append(_bad("hours", f"{len(hours)} levels; at most 5", "最多 5 个星级"))
    for n, h in enumerate(hours):
        if not 0 < h <= Decimal("999999"):
            errors.append(_bad(f"hours[{n}]", f"{h} is outside (0, 999999]",
                               f"时长 {h} 须大于 0 且不超过 999999"))
        elif n and h <= hours[n - 1]:
            errors.append(_bad(f"hours[{n}]", f"{h} h is not above {hours[n - 1]} h",
                               f"{h} 小时须高于上一级的 {hours[n - 1]} 小时"))
    if not hours and not scope:
        errors.append(_bad("hours", "the national thresholds cannot be emptied",
                           "全国门槛不能为空"))
    if errors:
        raise Refused(errors)
    async with db.transaction() as tx:
        await store.lock_scope(tx, scope=scope)
        await store.update_thresholds(tx, scope=scope, hours=hours)


async def reached_of(db: Database, *, subject_kind: str,
                     ids: Sequence[int]) -> dict[int, list[Row]]:
    """Per organisation or project id, the levels reached with the day each was first
    reached (``reached_on`` None: held before the history began)."""
    out: dict[int, list[Row]] = {i: [] for i in ids}
    for row in await store.list_reached(db, subject=subject_kind, ids=ids):
        out[int(row["subject_id"])].append(row)
    return out


async def list_tallies(db: Database, *, subject_kind: str, ids: Sequence[int]) -> list[Row]:
    """The raw tallies (for tests and reports)."""
    return await store.list_tallies(db, subject=subject_kind, ids=ids)
