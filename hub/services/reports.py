"""The yearly summary a region sends upward (年度工作总结, seed 003: 各全国学会、省级科协 … 将本年度
科技志愿服务工作总结报送中国科协): a spreadsheet of teams, members by cohort, projects,
activities, hours, people served, stations, the 老少边贫 share and the year's recognitions.

``report.annual``: admins, and dispatchers for their region subtree. Figures are of confirmed
records only (net of corrections), served in the year (China Standard Time) inside the region;
counts of teams, volunteers and stations are as they stood at the year's end. The hub keeps no
audience counts, so "people served" is reported as service person-times (人次: one volunteer
serving once) and the demands and activities served (服务场次). Every sheet has Chinese headers
with the English beside; the 概况 sheet's totals equal the sums of the sheets behind them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from hub.auth import Caller
from hub.auth.actions import Action, require, subject
from hub.geo.divisions import DivisionCodeError, level_of, normalize_code, subtree_prefix
from hub.office.workbook import Sheet, workbook
from hub.services.recognition import AWARDS, CATEGORIES, LEVELS
from hub.services.recognition_lists import XLSX, Download
from hub.services.workflow import Code, WorkflowError
from hub.store import recognition as recognition_store
from hub.store import reports as store
from hub.store.base import Database, Row
from hub.vocabulary import vocabulary

_CHILD_DIGITS = {"province": 4, "city": 6, "county": 9, "township": 12, "village": 12}
_COHORT, _KIND = vocabulary("cohort"), vocabulary("stationKind")
_LEVEL, _CATEGORY = vocabulary("organizationLevel"), vocabulary("category")
_ORG_KIND = vocabulary("organizationKind")
_PROJECT_STATUS = vocabulary("projectStatus")


def label(vocab: Any, code: str | None, blank: str = "未标注 (none)") -> str:
    """A code's label as "中文 (English)"; ``blank`` for none, the code itself if unknown."""
    if not code:
        return blank
    try:
        return f"{vocab.label(code)} ({vocab.label(code, 'en')})"
    except KeyError:
        return code


_FIGURES = ("person_times", "hours", "priority_hours", "volunteers", "demands_served",
            "activities_served", "priority_demands_served", "stations_serving", "registered",
            "registered_in_year")


@dataclass(frozen=True)
class AnnualReport:
    """The report's parts as read, and the workbook made of them."""

    region_code: str
    region_name: str
    year: int
    parts: dict[str, list[Row]]

    def service(self, dimension: str) -> dict[str | None, Row]:
        """The service figures of one dimension (area, team, project, station_kind, category,
        cohort, total) by key, the statement's partial rows merged."""
        out: dict[str | None, Row] = {}
        for row in self.parts["service"]:
            if row["dimension"] == dimension:
                mine = out.setdefault(row["key"], dict.fromkeys(_FIGURES, 0))
                mine.update({k: row[k] for k in _FIGURES if row[k] is not None})
        return out

    def total(self) -> Row:
        """The region's service figures in total."""
        return self.service("total").get(None) or dict.fromkeys(_FIGURES, 0)


def check_region_year(region_code: str, year: int) -> str:
    """The 12-digit code of ``region_code``, or a coded refusal; ``year`` 2000..this year."""
    try:
        code = normalize_code(region_code)
    except DivisionCodeError as exc:
        raise WorkflowError(Code.INVALID, "regionCode", str(exc),
                            f"行政区划代码 {region_code!r} 无效") from None
    if not 2000 <= year <= date.today().year:
        raise WorkflowError(Code.INVALID, "year", f"{year} is not a year from 2000 to this one",
                            f"年度 {year} 须在 2000 年至今年之间")
    return code


async def read(db: Database, caller: Caller, *, region_code: str, year: int) -> AnnualReport:
    """Every part of the region's report for ``year``, one statement each, in one transaction
    (read committed: each statement sees its own snapshot; every service figure, and so every
    total checked against a sheet, comes from the one statement)."""
    code = check_region_year(region_code, year)
    require(caller, Action.REPORT_ANNUAL, subject(region_code=code),
            what="report on this region")
    found = await recognition_store.get_region(db, code=code)
    if found is None:
        raise WorkflowError(Code.UNKNOWN_REGION, "regionCode", f"no region {code}",
                            f"没有行政区划 {code}")
    values = store.params(region_code=code, prefix=subtree_prefix(code),
                          child=_CHILD_DIGITS[level_of(code)], year=year)
    async with db.transaction() as tx:
        await store.update_work_mem(tx)
        parts = {p: await store.list_part(tx, part=p, values=values) for p in store.STATEMENTS}
    return AnnualReport(code, found["name"], year, parts)


def _f(value: Any) -> float:
    return float(value or 0)


def _share(part: Any, whole: Any) -> float:
    return round(_f(part) / _f(whole), 4) if _f(whole) else 0.0


def summary_rows(r: AnnualReport) -> list[tuple[str, Any]]:
    """(指标 Measure, value) of the 概况 sheet."""
    p, t = r.parts, r.total()
    demands = p["demands_by_category"]
    return [
        ("队伍数 Teams", len(p["teams"])),
        ("注册志愿者（年末） Registered volunteers (year end)", t["registered"]),
        ("本年新注册志愿者 Registered in the year", t["registered_in_year"]),
        ("参与服务志愿者 Volunteers who served", t["volunteers"]),
        ("项目数 Projects", len(p["projects"])),
        ("活动数 Activities", sum(x["activities"] for x in p["activities_by_category"])),
        ("群众需求（点单） Demands raised", sum(x["raised"] for x in demands)),
        ("已服务需求 Demands served", sum(x["served"] for x in demands)),
        ("服务时长（小时） Hours served", _f(t["hours"])),
        ("服务人次 Service person-times", t["person_times"]),
        ("服务场次（需求+活动） Demands and activities served",
         t["demands_served"] + t["activities_served"]),
        ("站点数 Stations", sum(x["stations"] for x in p["stations_by_kind"])),
        ("老少边贫地区服务时长 Hours in priority areas", _f(t["priority_hours"])),
        ("老少边贫时长占比 Priority-area share of hours", _share(t["priority_hours"], t["hours"])),
        ("表彰（入选名单） Recognitions (places on published lists)", len(p["recognitions"])),
    ]


def sheets(r: AnnualReport) -> list[Sheet]:
    """The workbook's sheets."""
    p = r.parts
    by_team, by_project = r.service("team"), r.service("project")
    by_area = r.service("area")
    hours_by_cohort, served_by_kind = r.service("cohort"), r.service("station_kind")
    served_by_category = r.service("category")
    demands = {x["category"]: x for x in p["demands_by_category"]}
    activities = {x["category"]: x for x in p["activities_by_category"]}
    t = r.total()
    note = f"{r.region_name}（{r.region_code}）{r.year} 年度科技志愿服务工作总结"
    empty: Row = {}
    return [
        Sheet("概况", ("指标 Measure", "数值 Value"), list(summary_rows(r)), note),
        Sheet("队伍", ("队伍名称 Team", "层级 Level", "类型 Kind", "地区代码 Region",
                     "成员数 Members", "服务人次 Person-times", "服务时长（小时） Hours"),
              [(x["name"], label(_LEVEL, x["level"]), label(_ORG_KIND, x["kind"]), x["region_code"],
                x["members"], by_team.get(str(x["id"]), empty).get("person_times", 0),
                _f(by_team.get(str(x["id"]), empty).get("hours"))) for x in p["teams"]]),
        Sheet("志愿者人群", ("人群 Cohort", "注册志愿者 Volunteers", "本年新注册 New",
                        "参与服务 Served", "服务时长（小时） Hours"),
              [(label(_COHORT, k), x["registered"], x["registered_in_year"], x["volunteers"],
                _f(x["hours"])) for k, x in hours_by_cohort.items()],
              "本地区年末注册志愿者按人群统计；一名志愿者可属多个人群，各行之和可大于总数 (the "
              "region's volunteers at the year's end; one may be in several cohorts)"),
        Sheet("项目", ("项目名称 Project", "类别 Category", "状态 Status", "承办队伍 Owner",
                     "地区代码 Region", "本年活动 Activities", "服务人次 Person-times",
                     "服务时长（小时） Hours"),
              [(x["name"], label(_CATEGORY, x["category"]),
                label(_PROJECT_STATUS, x["status"]), x["owner"], x["region_code"],
                by_project.get(str(x["id"]), empty).get("activities_served", 0),
                by_project.get(str(x["id"]), empty).get("person_times", 0),
                _f(by_project.get(str(x["id"]), empty).get("hours"))) for x in p["projects"]]),
        Sheet("服务类别", ("类别 Category", "活动数 Activities", "需求数 Demands raised",
                       "已服务需求 Demands served", "服务人次 Person-times",
                       "服务时长（小时） Hours"),
              [(label(_CATEGORY, c), activities.get(c, empty).get("activities", 0),
                demands.get(c, empty).get("raised", 0), demands.get(c, empty).get("served", 0),
                served_by_category.get(c, empty).get("person_times", 0),
                _f(served_by_category.get(c, empty).get("hours")))
               for c in sorted({*activities, *demands, *served_by_category})]),
        Sheet("站点", ("类型 Kind", "站点数 Stations", "六有站点 Meeting 六有",
                     "有服务的站点 Serving", "服务人次 Person-times", "服务时长（小时） Hours"),
              [(label(_KIND, x["kind"]), x["stations"], x["six_haves"],
                served_by_kind.get(x["kind"], empty).get("stations_serving", 0),
                served_by_kind.get(x["kind"], empty).get("person_times", 0),
                _f(served_by_kind.get(x["kind"], empty).get("hours")))
               for x in p["stations_by_kind"]]),
        Sheet("下级地区", ("地区 Area", "地区代码 Code", "注册志愿者 Volunteers",
                       "服务人次 Person-times", "服务时长（小时） Hours",
                       "老少边贫时长 Priority hours", "老少边贫占比 Priority share"),
              [(x["name"], x["code"], by_area.get(x["area"], empty).get("registered", 0),
                by_area.get(x["area"], empty).get("person_times", 0),
                _f(by_area.get(x["area"], empty).get("hours")),
                _f(by_area.get(x["area"], empty).get("priority_hours")),
                _share(by_area.get(x["area"], empty).get("priority_hours"),
                       by_area.get(x["area"], empty).get("hours"))) for x in p["areas"]]),
        Sheet("老少边贫", ("指标 Measure", "老少边贫地区 Priority areas", "其他地区 Elsewhere",
                       "合计 Total", "占比 Share"),
              _priority_rows(t, p["demands_by_category"])),
        Sheet("表彰", ("评选 Award", "层级 Level", "地区代码 Region", "类别 Category",
                     "名次 Place", "名称 Name", "所在地区 Subject region"),
              [(AWARDS[x["award"]][0], LEVELS[x["level"]][0], x["region_code"],
                CATEGORIES[x["category"]][0], x["place"],
                x["subject_name"] or "（志愿者，姓名见名单 volunteer: see the list）",
                x["subject_region"]) for x in p["recognitions"]]),
    ]


def _priority_rows(t: Row, demands: Sequence[Row]) -> list[tuple[Any, ...]]:
    raised = sum(x["raised"] for x in demands)
    prio_raised = sum(x["priority_raised"] for x in demands)
    hours, prio = Decimal(t["hours"] or 0), Decimal(t["priority_hours"] or 0)
    return [
        ("服务时长（小时） Hours", float(prio), float(hours - prio), float(hours),
         _share(prio, hours)),
        ("有服务记录的需求 Demands with service records", t["priority_demands_served"],
         t["demands_served"] - t["priority_demands_served"], t["demands_served"],
         _share(t["priority_demands_served"], t["demands_served"])),
        ("群众需求（点单） Demands raised", prio_raised, raised - prio_raised, raised,
         _share(prio_raised, raised)),
    ]


async def annual(db: Database, caller: Caller, *, region_code: str, year: int) -> Download:
    """The region's yearly summary as an .xlsx file."""
    report = await read(db, caller, region_code=region_code, year=year)
    content = await asyncio.to_thread(workbook, sheets(report))
    return Download(f"annual-report-{report.region_code}-{year}.xlsx", XLSX, content)
