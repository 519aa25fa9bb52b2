"""Demand priority rules (老少边贫 first, seed 003), kept as data in demand_priority_rule.

The database applies them as each demand is created (migration 0021's trigger), so a rule
added or ended here changes the demands raised afterwards only. Admins manage them
(``priority_rule.manage``); anyone may read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.auth import Caller
from hub.auth.actions import Action, actor, require
from hub.registration.vocab import SKILLS
from hub.services.workflow import Code, Refused, WorkflowError
from hub.store import demand_intake as store
from hub.store.base import Database, Row

FLAGS = ("remote", "poor", "border", "ethnic", "revolutionary")
"""The region flags of 老少边贫 (region.is_remote …), as a rule names them."""
_PREFIX = re.compile(r"^[0-9]{2,12}$")


@dataclass(frozen=True)
class NewRule:
    """A rule to add: which demands (flags, code prefix, category) and by how much."""

    name: str
    flags: tuple[str, ...] = ()
    region_prefix: str | None = None
    category: str | None = None
    multiplier: float = 1.0
    floor: float | None = None
    active_from: datetime | None = None
    active_until: datetime | None = None


def _check(rule: NewRule) -> list[WorkflowError]:
    out: list[WorkflowError] = []

    def bad(field: str, message: str, message_zh: str) -> None:
        out.append(WorkflowError(Code.INVALID, field, message, message_zh))

    if not 2 <= len(rule.name.strip()) <= 200:
        bad("name", f"{rule.name!r} must be 2..200 characters",
            f"名称 {rule.name!r} 须为 2～200 个字")
    for n, flag in enumerate(rule.flags):
        if flag not in FLAGS:
            bad(f"flags[{n}]", f"{flag!r} is not one of {', '.join(FLAGS)}",
                f"{flag!r} 不是可选的地区标志：{'、'.join(FLAGS)}")
    if rule.region_prefix is not None and not _PREFIX.match(rule.region_prefix):
        bad("regionPrefix", f"{rule.region_prefix!r} is not 2..12 digits of a division code",
            f"{rule.region_prefix!r} 不是 2～12 位的行政区划代码前缀")
    if rule.category is not None and rule.category not in SKILLS.codes:
        bad("category", f"{rule.category!r} is not one of {SKILLS.allowed('en')}",
            f"{rule.category!r} 不是可选的服务类别，可选：{SKILLS.allowed('zh')}")
    if not 1 <= rule.multiplier <= 100:
        bad("multiplier", f"{rule.multiplier} is outside 1..100",
            f"倍数 {rule.multiplier} 不在 1～100 之间")
    if rule.floor is not None and not 0 < rule.floor <= 100:
        bad("floor", f"{rule.floor} is outside (0, 100]",
            f"下限 {rule.floor} 须大于 0 且不超过 100")
    if rule.multiplier == 1 and rule.floor is None:
        bad("multiplier", "a rule raises nothing without a multiplier above 1 or a floor",
            "倍数为 1 且没有下限：此规则不会提高优先级")
    if rule.active_from and rule.active_until and rule.active_until <= rule.active_from:
        bad("activeUntil", f"{rule.active_until.isoformat()} is not after activeFrom",
            "结束时间须晚于开始时间")
    return out


async def add_rule(db: Database, caller: Caller, rule: NewRule) -> int:
    """Add a rule (in force from ``active_from``, default now); :class:`Refused` lists every
    bad field."""
    require(caller, Action.PRIORITY_RULE_MANAGE, what="manage demand priority rules")
    errors = _check(rule)
    if errors:
        raise Refused(errors)
    values: dict[str, Any] = {
        "name": rule.name.strip(), "flags": list(dict.fromkeys(rule.flags)),
        "region_prefix": rule.region_prefix, "category": rule.category,
        "multiplier": rule.multiplier, "floor": rule.floor, "active_from": rule.active_from,
        "active_until": rule.active_until, "created_by": actor(caller)}
    async with db.transaction() as tx:
        return await store.create_priority_rule(tx, values=values)


async def end_rule(db: Database, caller: Caller, *, rule_id: int) -> bool:
    """End a rule now; one that has not begun is removed. False when it was removed."""
    require(caller, Action.PRIORITY_RULE_MANAGE, what="manage demand priority rules")
    async with db.transaction() as tx:
        found = await store.lock_priority_rule(tx, rule_id=rule_id)
        if found is None:
            raise WorkflowError(Code.NOT_FOUND, "ruleId", f"priority rule {rule_id} does not "
                                                          "exist", f"优先级规则 {rule_id} 不存在")
        if found["ended"]:
            raise WorkflowError(Code.INVALID_TRANSITION, "ruleId",
                                f"priority rule {rule_id} has ended already",
                                f"优先级规则 {rule_id} 已经结束")
        if found["not_begun"]:
            await store.delete_priority_rule(tx, rule_id=rule_id)
            return False
        await store.update_priority_rule_ended(tx, rule_id=rule_id)
        return True


async def list_rules(db: Database) -> list[Row]:
    """Every priority rule, oldest first, with whether it is in force now."""
    return await store.list_priority_rules(db)


async def get_many(db: Database, *, ids: list[int]) -> list[Row]:
    """Priority rules by id."""
    return await store.get_many_priority_rules(db, ids=ids)
