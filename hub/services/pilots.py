"""Pilots (试点, seed 001) and their quota sets, kept as data.

A pilot is a city or county region, funded on a date, judged against a quota set over the
set's period (Henan's ``henan_001`` ships as the default: one year from the funding date).
Admins manage every pilot and set; a dispatcher those of their region (``pilot.manage``), a
province's sets included; national sets (no province) are admins'.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import psycopg

from hub.auth import Caller
from hub.auth.actions import Action, actor, require, subject
from hub.office.scorecard import ITEMS
from hub.services import regions
from hub.services.workflow import Code, Refused, WorkflowError
from hub.store import scorecards as store
from hub.store.base import Database, Row

DEFAULT_QUOTA_SET = "henan_001"
"""The quota set a pilot gets when none is named (seed 001's)."""
PILOT_TYPES = {"city": "city", "county": "county"}
"""Region level → pilot type: only a city or a county runs a pilot."""
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
_PROVINCE = re.compile(r"^([0-9]{2})?$")


def _bad(field: str, en: str, zh: str) -> WorkflowError:
    return WorkflowError(Code.INVALID, field, en, zh)


@dataclass(frozen=True)
class PilotInput:
    """A pilot to create (``pilot_id`` None) or the fields of one to change (None: kept)."""

    pilot_id: int | None = None
    region_code: str | None = None
    name: str | None = None
    funded_on: date | None = None
    quota_set: str | None = None


async def _check_set(db: Database, code: str, region_code: str) -> list[WorkflowError]:
    found = {r["code"]: r for r in await store.list_quota_sets(db)}
    row = found.get(code)
    if row is None:
        return [WorkflowError(Code.NOT_FOUND, "quotaSet", f"quota set {code!r} does not exist",
                              f"指标集 {code!r} 不存在")]
    if not region_code.startswith(row["province_prefix"]):
        return [_bad("quotaSet", f"quota set {code!r} belongs to province "
                                 f"{row['province_prefix']}, not to {region_code}",
                     f"指标集 {code!r} 属于省份 {row['province_prefix']}，不适用于 {region_code}")]
    return []


def _check_common(value: PilotInput) -> list[WorkflowError]:
    out: list[WorkflowError] = []
    if value.name is not None and not 2 <= len(value.name.strip()) <= 100:
        out.append(_bad("name", f"{value.name!r} must be 2..100 characters",
                        f"名称 {value.name!r} 须为 2～100 个字"))
    if value.funded_on is not None and value.funded_on < date(2000, 1, 1):
        out.append(_bad("fundedOn", f"{value.funded_on.isoformat()} is before 2000-01-01",
                        f"立项资助日期 {value.funded_on.isoformat()} 早于 2000-01-01"))
    return out


async def create_pilot(db: Database, caller: Caller, value: PilotInput) -> int:
    """A new pilot of a city or county; every bad field refused at once."""
    code = value.region_code or ""
    found = (await regions.get_many(db, codes=[code]))
    if not found:
        raise WorkflowError(Code.UNKNOWN_REGION, "regionCode",
                            f"{code!r} is not a known division code",
                            f"{code!r} 不是已知的行政区划代码")
    region = found[0]
    require(caller, Action.PILOT_MANAGE, subject(region_code=code), what="run pilots here")
    errors = _check_common(value)
    kind = PILOT_TYPES.get(region["level"])
    if kind is None:
        errors.append(_bad("regionCode", f"{code} is a {region['level']}; a pilot is a city or "
                                         "a county",
                           f"{code} 是 {region['level']} 级，试点须为市级或县级"))
    if value.funded_on is None:
        errors.append(_bad("fundedOn", "the funding date is required", "须填写立项资助日期"))
    quota_set = value.quota_set or DEFAULT_QUOTA_SET
    errors += await _check_set(db, quota_set, code)
    if errors:
        raise Refused(errors)
    name = (value.name or f"{region['name']}科技志愿服务体系建设试点").strip()
    values = {"region_code": code, "pilot_type": kind, "name": name,
              "funded_on": value.funded_on, "quota_set": quota_set, "created_by": actor(caller)}
    async with db.transaction() as tx:
        try:
            async with tx.savepoint():
                return await store.create(tx, values=values)
        except psycopg.errors.UniqueViolation:
            raise WorkflowError(Code.CONFLICT, "fundedOn", f"{code} already has a pilot funded "
                                f"on {value.funded_on}", f"{code} 已有同日立项的试点") from None


async def update_pilot(db: Database, caller: Caller, value: PilotInput) -> int:
    """Change a pilot's name, funding date or quota set (its region stays)."""
    pilot_id = value.pilot_id or 0
    async with db.transaction() as tx:
        row = await store.get_locked(tx, pilot_id=pilot_id)
        if row is None:
            raise WorkflowError(Code.NOT_FOUND, "pilotId", f"pilot {pilot_id} does not exist",
                                f"试点 {pilot_id} 不存在")
        require(caller, Action.PILOT_MANAGE, subject(region_code=row["region_code"]),
                what="change this pilot")
        errors = _check_common(value)
        if value.quota_set is not None:
            errors += await _check_set(tx, value.quota_set, row["region_code"])
        if errors:
            raise Refused(errors)
        changes: dict[str, Any] = {k: v for k, v in (
            ("name", value.name.strip() if value.name else None), ("funded_on", value.funded_on),
            ("quota_set", value.quota_set)) if v is not None}
        if not changes:
            raise _bad("pilotId", "nothing to change", "没有要修改的内容")
        try:
            async with tx.savepoint():
                await store.update(tx, pilot_id=pilot_id, values=changes)
        except psycopg.errors.UniqueViolation:
            raise WorkflowError(Code.CONFLICT, "fundedOn", "the region already has a pilot "
                                "funded that day", "该地区已有同日立项的试点") from None
    return pilot_id


@dataclass(frozen=True)
class QuotaInput:
    """One item of a quota set."""

    pilot_type: str
    item: str
    target: int
    min_members: int | None = None
    six_standard: bool = False


@dataclass(frozen=True)
class QuotaSetInput:
    """A quota set to create or replace (its items replaced whole)."""

    code: str
    name: str
    province_prefix: str = ""
    period_months: int = 12
    source: str = ""
    quotas: Sequence[QuotaInput] = ()


def _check_quotas(value: QuotaSetInput) -> list[WorkflowError]:
    out: list[WorkflowError] = []
    if not _CODE.match(value.code):
        out.append(_bad("code", f"{value.code!r} is not 2..40 lower-case letters, digits, _",
                        f"代码 {value.code!r} 须为 2～40 位小写字母、数字或下划线"))
    if not 2 <= len(value.name.strip()) <= 100:
        out.append(_bad("name", f"{value.name!r} must be 2..100 characters",
                        f"名称 {value.name!r} 须为 2～100 个字"))
    if not _PROVINCE.match(value.province_prefix):
        out.append(_bad("provincePrefix", f"{value.province_prefix!r} is not a province's two "
                        "digits (or empty)", f"{value.province_prefix!r} 不是省级代码的前两位"))
    if not 1 <= value.period_months <= 60:
        out.append(_bad("periodMonths", f"{value.period_months} is outside 1..60",
                        f"周期 {value.period_months} 个月不在 1～60 之间"))
    if len(value.source) > 500:
        out.append(_bad("source", "at most 500 characters", "来源最多 500 个字"))
    seen: set[tuple[str, str]] = set()
    for n, x in enumerate(value.quotas):
        at = f"quotas[{n}]"
        if x.pilot_type not in PILOT_TYPES.values():
            out.append(_bad(f"{at}.pilotType", f"{x.pilot_type!r} is not city or county",
                            f"{x.pilot_type!r} 不是 city 或 county"))
        if x.item not in ITEMS:
            out.append(_bad(f"{at}.item", f"{x.item!r} is not one of {', '.join(ITEMS)}",
                            f"{x.item!r} 不是可选的指标：{'、'.join(ITEMS)}"))
        if not 1 <= x.target <= 100_000:
            out.append(_bad(f"{at}.target", f"{x.target} is outside 1..100000",
                            f"目标 {x.target} 不在 1～100000 之间"))
        if (x.item == "teams") != (x.min_members is not None):
            out.append(_bad(f"{at}.minMembers", "teams need minMembers; other items take none",
                            "队伍指标须填写每队最少人数，其他指标不填"))
        elif x.min_members is not None and not 1 <= x.min_members <= 100_000:
            out.append(_bad(f"{at}.minMembers", f"{x.min_members} is outside 1..100000",
                            f"每队最少人数 {x.min_members} 不在 1～100000 之间"))
        if x.six_standard and x.item != "stations":
            out.append(_bad(f"{at}.sixStandard", "only stations meet 六有",
                            "只有站点指标可要求六有"))
        if (x.pilot_type, x.item) in seen:
            out.append(_bad(f"{at}.item", f"{x.pilot_type} {x.item} is listed twice",
                            f"{x.pilot_type} 的 {x.item} 指标重复"))
        seen.add((x.pilot_type, x.item))
    if not value.quotas:
        out.append(_bad("quotas", "a quota set needs at least one item", "指标集至少要有一项指标"))
    return out


async def save_quota_set(db: Database, caller: Caller, value: QuotaSetInput) -> str:
    """Create a quota set or replace one (name, period, source, items) whole."""
    prefix = value.province_prefix
    require(caller, Action.PILOT_MANAGE,
            subject(region_code=prefix + "0" * 10) if _PROVINCE.match(prefix) and prefix
            else None, what="manage this quota set")
    errors = _check_quotas(value)
    if errors:
        raise Refused(errors)
    quotas = [{"pilot_type": x.pilot_type, "item": x.item, "target": x.target,
               "min_members": x.min_members, "six_standard": x.six_standard}
              for x in value.quotas]
    fields = {"name": value.name.strip(), "period_months": value.period_months,
              "source": value.source.strip()}
    async with db.transaction() as tx:
        found = await store.get_quota_set_locked(tx, code=value.code)
        if found is None:
            await store.create_quota_set(tx, values={**fields, "code": value.code,
                                                      "province_prefix": prefix,
                                                      "created_by": actor(caller)})
        elif found["province_prefix"] != prefix:
            raise _bad("provincePrefix", f"quota set {value.code!r} belongs to "
                       f"{found['province_prefix'] or 'the whole country'}; its province stays",
                       f"指标集 {value.code!r} 的适用省份不可更改")
        else:
            await store.update_quota_set(tx, code=value.code, values=fields)
        await store.update_quotas(tx, code=value.code, quotas=quotas)
    return value.code


async def list_quota_sets(db: Database) -> list[Row]:
    """Every quota set with its items (``quotas``)."""
    sets = await store.list_quota_sets(db)
    items = await store.list_quotas(db, codes=[s["code"] for s in sets])
    return [{**s, "quotas": [q for q in items if q["quota_set"] == s["code"]]} for s in sets]


async def get_many(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Pilots by id (with their region's name and their set's period)."""
    return await store.get_many(db, ids=ids)
