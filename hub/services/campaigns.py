"""Campaigns (主题活动) on key dates (seeds 001, 002, 003): 学雷锋纪念日 5 March, 全国科技工作者日
30 May, 全国科技活动周 (a week in May), 全国科普日 (September), 国际志愿者日 5 December, 三下乡.

A campaign is data; each year's edition has its dates (a fixed-date campaign's edition is that
day unless set otherwise). Activities and demands are tagged with an edition; an edition's
figures (activities, demands, volunteers, confirmed hours, people served) are read for any
region subtree. Admins manage campaigns and editions (``campaign.manage``); whoever may tag
(``campaign.tag``: admins, the region's dispatchers, the organising team's admins) tags; the
figures are ``scorecard.read``'s (admins everywhere, dispatchers in their region).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from hub.auth import Caller
from hub.auth.actions import Action, actor, require, subject
from hub.auth.ids import region_prefix
from hub.services import regions
from hub.services.workflow import Code, Refused, WorkflowError
from hub.store import campaigns as store
from hub.store.base import Database, Row

MAX_TAGS = 500
_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


def _bad(field: str, en: str, zh: str) -> WorkflowError:
    return WorkflowError(Code.INVALID, field, en, zh)


@dataclass(frozen=True)
class CampaignInput:
    """A campaign to add or change (its code stays)."""

    code: str
    name_zh: str
    name_en: str
    fixed_month: int | None = None
    fixed_day: int | None = None
    season: str = ""


async def save_campaign(db: Database, caller: Caller, value: CampaignInput) -> str:
    """Add a campaign or change its names and date."""
    require(caller, Action.CAMPAIGN_MANAGE, what="manage campaigns")
    errors = []
    if not _CODE.match(value.code):
        errors.append(_bad("code", f"{value.code!r} is not 2..40 lower-case letters, digits, _",
                           f"代码 {value.code!r} 须为 2～40 位小写字母、数字或下划线"))
    for field, text in (("nameZh", value.name_zh), ("nameEn", value.name_en)):
        if not 2 <= len(text.strip()) <= 100:
            errors.append(_bad(field, f"{text!r} must be 2..100 characters",
                               f"名称 {text!r} 须为 2～100 个字"))
    if (value.fixed_month is None) != (value.fixed_day is None):
        errors.append(_bad("fixedDay", "a fixed date needs both month and day",
                           "固定日期须同时填写月和日"))
    elif value.fixed_month is not None and value.fixed_day is not None:
        try:
            date(2024, value.fixed_month, value.fixed_day)  # a leap year: 29 February exists
        except ValueError:
            errors.append(_bad("fixedDay", f"{value.fixed_month}-{value.fixed_day} is no date",
                               f"{value.fixed_month} 月 {value.fixed_day} 日不是有效日期"))
    if len(value.season) > 100:
        errors.append(_bad("season", "at most 100 characters", "时段说明最多 100 个字"))
    if errors:
        raise Refused(errors)
    async with db.transaction() as tx:
        await store.create_campaign(tx, values={
            "code": value.code, "name_zh": value.name_zh.strip(),
            "name_en": value.name_en.strip(), "fixed_month": value.fixed_month,
            "fixed_day": value.fixed_day, "season": value.season.strip(),
            "created_by": actor(caller)})
    return value.code


async def save_edition(db: Database, caller: Caller, *, campaign_code: str, year: int,
                       starts_on: date | None, ends_on: date | None) -> int:
    """Set a campaign's dates of a year (a fixed-date campaign: that day by default)."""
    require(caller, Action.CAMPAIGN_MANAGE, what="manage campaigns")
    found = {r["code"]: r for r in await store.list_campaigns(db)}.get(campaign_code)
    if found is None:
        raise WorkflowError(Code.NOT_FOUND, "campaign", f"campaign {campaign_code!r} does not "
                            "exist", f"主题活动 {campaign_code!r} 不存在")
    if not 2000 <= year <= 2100:
        raise _bad("year", f"{year} is outside 2000..2100", f"年份 {year} 不在 2000～2100 之间")
    if starts_on is None and found["fixed_month"] is not None:
        starts_on = date(year, found["fixed_month"], found["fixed_day"])
    if starts_on is None:
        raise _bad("startsOn", f"{campaign_code} has no fixed date: give its first day",
                   f"{found['name_zh']} 没有固定日期，须填写开始日期")
    last = ends_on or starts_on
    errors = []
    if starts_on.year != year:
        errors.append(_bad("startsOn", f"{starts_on.isoformat()} is not in {year}",
                           f"开始日期 {starts_on.isoformat()} 不在 {year} 年"))
    if last < starts_on or last - starts_on > timedelta(days=183):
        errors.append(_bad("endsOn", f"{last.isoformat()} is not 0..183 days after "
                           f"{starts_on.isoformat()}", "结束日期须在开始日期之后 0～183 天内"))
    if errors:
        raise Refused(errors)
    async with db.transaction() as tx:
        return await store.create_edition(tx, values={
            "campaign_code": campaign_code, "year": year, "created_by": actor(caller)},
            first=starts_on, last=last)


async def _edition(db: Database, edition_id: int) -> Row:
    found = await store.get_many_editions(db, ids=[edition_id])
    if not found:
        raise WorkflowError(Code.NOT_FOUND, "editionId", f"campaign edition {edition_id} does "
                            "not exist", f"主题活动届次 {edition_id} 不存在")
    return found[0]


async def tag(db: Database, caller: Caller, *, edition_id: int, activity_ids: list[int],
              demand_ids: list[int], people_served: int | None, remove: bool = False) -> int:
    """Tag (or untag) activities and demands with an edition; each must be the caller's to
    tag. How many were tagged (or untagged)."""
    if len(activity_ids) + len(demand_ids) > MAX_TAGS:
        raise _bad("activityIds", f"{len(activity_ids) + len(demand_ids)} at once; at most "
                   f"{MAX_TAGS}", f"一次最多 {MAX_TAGS} 项")
    if not activity_ids and not demand_ids:
        raise _bad("activityIds", "name at least one activity or demand",
                   "请至少指定一项活动或需求")
    if people_served is not None and not 0 <= people_served <= 10_000_000:
        raise _bad("peopleServed", f"{people_served} is outside 0..10000000",
                   f"服务人数 {people_served} 不在 0～10000000 之间")
    await _edition(db, edition_id)
    done = 0
    async with db.transaction() as tx:
        for kind, ids, field in (("activity", activity_ids, "activityIds"),
                                 ("demand", demand_ids, "demandIds")):
            rows = {r["id"]: r for r in await store.list_tag_subjects(tx, kind=kind, ids=ids)}
            for n, key in enumerate(ids):
                row = rows.get(key)
                if row is None:
                    raise WorkflowError(Code.NOT_FOUND, f"{field}[{n}]",
                                        f"{kind} {key} does not exist", f"{key} 不存在")
                require(caller, Action.CAMPAIGN_TAG, subject(
                    region_code=row["region_code"], org_paths=[row.get("org_path")],
                    station_id=row.get("station_id")), what=f"tag this {kind}")
            if remove:
                done += await store.delete_tags(tx, kind=kind, edition_id=edition_id, ids=ids)
            else:
                await store.create_tags(tx, kind=kind, edition_id=edition_id, ids=ids,
                                        people_served=people_served, by=actor(caller))
                done += len(set(ids))
    return done


async def stats(db: Database, caller: Caller, *, edition_id: int,
                region_code: str | None) -> tuple[Row, Row]:
    """An edition and its figures in a region subtree (none: everywhere, admins)."""
    if region_code is not None and not await regions.get_many(db, codes=[region_code]):
        raise WorkflowError(Code.UNKNOWN_REGION, "regionCode", f"{region_code!r} is not a known "
                            "division code", f"{region_code!r} 不是已知的行政区划代码")
    require(caller, Action.SCORECARD_READ,
            subject(region_code=region_code) if region_code else None,
            what="read campaign figures here")
    edition = await _edition(db, edition_id)
    prefix = region_prefix(region_code) if region_code else ""
    return edition, await store.get_stats(db, edition_id=edition_id, region_prefix=prefix)


async def list_campaigns(db: Database, *, year: int | None) -> list[Row]:
    """Every campaign with its editions (of a year, or all) as ``editions``."""
    editions = await store.list_editions(db, year=year)
    return [{**c, "editions": [e for e in editions if e["campaign_code"] == c["code"]]}
            for c in await store.list_campaigns(db)]


async def get_many_editions(db: Database, *, ids: list[int]) -> list[Row]:
    """Editions by id."""
    return await store.get_many_editions(db, ids=ids)


async def tags_of(db: Database, *, kind: str, ids: list[int]) -> dict[int, list[Row]]:
    """Per activity or demand (``kind``), the editions it is tagged with."""
    out: dict[int, list[Row]] = {i: [] for i in ids}
    for row in await store.list_tags(db, kind=kind, ids=ids):
        out[int(row["subject_id"])].append(row)
    return out
