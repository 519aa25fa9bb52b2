"""Validate demand rows (群众需求导入表, public 点单): the template's columns and each cell.

Demands are collected through 新时代文明实践中心 and 党群服务中心 (seed 004); a dispatcher
gathers them in a spreadsheet and imports it. Each row names its own reference (外部编号: a
re-import skips the rows already imported), what is wanted (title, category, skills, how many
volunteers), when (start and end in China Standard Time), and where: a division code and a
station by name, or coordinates (or both). Checks here are the cell's own (required, types,
vocabularies, coordinates, a reference once per file); the rules a demand obeys wherever it
comes from (times in the future, a window of at most 72 hours, the point in its division) and
what only the database knows (divisions, stations, the caller's region) are the importer's.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hub.registration.columns import SEQ_KEY, Column
from hub.registration.errors import FieldError, show
from hub.registration.fields import (
    RowChecker,
    checked_rows,
    parse_choice,
    parse_choices,
    parse_region_code,
    parse_text,
)
from hub.registration.normalize import clean_text, is_blank, parse_int, parse_number
from hub.registration.results import RowResults
from hub.registration.table import Table
from hub.registration.vocab import CRS, SKILLS
from hub.vocabulary import vocabulary

CHINA = ZoneInfo("Asia/Shanghai")
SOURCES = vocabulary("raisedByKind", "demand source")
IMPORTED_SOURCES = ("station", "community", "grassroots")
YES = ("是", "需要", "y", "yes", "true", "1")
NO = ("否", "不需要", "n", "no", "false", "0")
MAX_REF_CHARS = 64
_EXCEL_EPOCH = datetime(1899, 12, 30)
_WHEN = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*[T ]?\s*(\d{1,2})[:时](\d{1,2})"
                   r"(?:[:分](\d{1,2})秒?)?$")


DEMAND_COLUMNS: tuple[Column, ...] = (
    Column(SEQ_KEY, "序号", width=8, help="可不填；填“示例”的行为示例，导入时跳过"),
    Column("external_ref", "需求编号", True, ("外部编号", "需求单号", "单号"), 16,
            text_format=True,
            help=f"本单位的需求编号，1–{MAX_REF_CHARS}字；重复导入时已导入的编号跳过",
            example="CG-2026-001"),
    Column("title", "需求标题", True, ("标题", "需求名称", "需求内容"), 26,
            help="2–200字", example="社区老年人慢性病防治讲座"),
    Column("category", "服务类别", True, ("类别", "需求类别", "服务领域"), 16,
            vocabulary=SKILLS, example="医疗健康"),
    Column("skills", "所需技能", False, ("技能", "所需专业"), 22, vocabulary=SKILLS,
            multi=True, help="可多选，用“、”分隔；不填则不限", example="医疗健康"),
    Column("needed", "需要人数", True, ("人数", "所需人数", "志愿者人数"), 10,
            help="1–500", example=2),
    Column("starts_at", "开始时间", True, ("服务开始时间", "开始"), 18,
            help="北京时间，如 2026-12-20 09:00", example="2026-12-20 09:00"),
    Column("ends_at", "结束时间", True, ("服务结束时间", "结束"), 18,
            help="北京时间，晚于开始时间，最长72小时", example="2026-12-20 11:30"),
    Column("region_code", "行政区划代码", True, ("区划代码", "所在地区代码"), 16,
            text_format=True, help="服务地点所在的区划，6、9或12位，如 620102",
            example="620102"),
    Column("station", "站点名称", False, ("站点", "服务站点", "需求收集站点"), 28,
            help="新时代文明实践中心（所、站）、党群服务中心等站点全称；填写后可不填坐标",
            example="城关区新时代文明实践中心"),
    Column("longitude", "服务地点经度", False, ("经度",), 12, help="十进制度；不填则用站点位置"),
    Column("latitude", "服务地点纬度", False, ("纬度",), 12, help="十进制度"),
    Column("crs", "坐标系", False, ("坐标系统", "坐标类型"), 12, vocabulary=CRS,
            choices=tuple(CRS.codes), help="WGS84、GCJ02 或 BD09；不填按 WGS84 处理"),
    Column("source", "需求来源", False, ("来源", "提出方"), 12,
            choices=tuple(SOURCES.labels[c] for c in IMPORTED_SOURCES),
            help="站点、社区群众或基层组织；不填时填写了站点为“站点”，否则为“社区群众”",
            example="站点"),
    Column("priority", "优先级", False, ("优先程度",), 8,
            help="大于0、不超过100，不填为1；老少边贫地区按规则自动提高", example=1),
    Column("requires_insurance", "需要保险", False, ("是否需要保险", "需投保"), 10,
            choices=("是", "否"), help="志愿者须持有效意外险时填“是”", example="否"),
    Column("description", "需求描述", False, ("描述", "详细说明", "备注"), 30,
            help="不超过2000字"),
)


@dataclass(frozen=True, slots=True)
class DemandRow:
    """One readable demand row; times are aware (China Standard Time when written without)."""

    row_number: int
    external_ref: str
    title: str
    category: str
    skills: tuple[str, ...]
    needed: int
    starts_at: datetime
    ends_at: datetime
    region_code: str
    station_name: str | None
    longitude: float | None
    latitude: float | None
    crs: str | None
    source: str | None
    priority: float
    requires_insurance: bool
    description: str


def parse_local_time(value: object, *, field: str) -> datetime:
    """A time of day on a date, in China Standard Time unless it names its zone."""
    if is_blank(value):
        raise FieldError(field, "", "required", "必填")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=CHINA)
    if isinstance(value, date):
        raise FieldError(field, show(value), "needs a time of day, e.g. 2026-12-20 09:00",
                         "须填写具体时间，如 2026-12-20 09:00")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not 1 <= value < 2_958_466:  # Excel's serial days: 1900-01-01 … 9999-12-31
            raise FieldError(field, show(value), "is not a date and time", "不是有效的日期时间")
        return (_EXCEL_EPOCH + timedelta(days=float(value))).replace(tzinfo=CHINA, microsecond=0)
    text = unicodedata.normalize("NFKC", clean_text(value) or "")
    found = _WHEN.match(text)
    if found is None:
        raise FieldError(field, show(value), "write a date and time, e.g. 2026-12-20 09:00",
                         "日期时间格式应为 2026-12-20 09:00")
    year, month, day, hour, minute, second = (int(x) if x else 0 for x in found.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=CHINA)
    except ValueError:
        raise FieldError(field, show(value), "no such date or time", "日期或时间不存在") from None


def parse_yes_no(value: object, *, field: str) -> bool:
    """是 / 否 (or yes/no, 1/0)."""
    text = (clean_text(value) or "").lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise FieldError(field, show(value), "write 是 or 否", "请填写“是”或“否”")


def _source(value: object, field: str) -> str | None:
    code = parse_choice(value, SOURCES, field=field, required=False)
    if code is not None and code not in IMPORTED_SOURCES:
        labels = "、".join(SOURCES.labels[c] for c in IMPORTED_SOURCES)
        raise FieldError(field, show(value), f"use one of: {labels}", f"可选：{labels}")
    return code


def _positive_priority(value: object, field: str) -> float:
    number = parse_number(value, field=field)
    if not 0 < number <= 100:
        raise FieldError(field, show(value), "must be above 0 and at most 100",
                         "须大于0且不超过100")
    return number


def _reference(value: object, field: str) -> str:
    text = parse_text(value, field=field, max_chars=MAX_REF_CHARS, required=True)
    assert text is not None  # required
    return text


def validate_demand_rows(table: Table) -> RowResults[DemandRow]:
    """Read every row of a demand table; see the module docstring."""
    results: RowResults[DemandRow] = RowResults()
    first_row_of: dict[str, int] = {}
    for check in checked_rows(table, DEMAND_COLUMNS, results):
        demand = _demand(check)
        if demand is not None:
            first = first_row_of.setdefault(demand.external_ref, check.row.row_number)
            if first != check.row.row_number:
                check.error("external_ref", demand.external_ref, f"the same as row {first}",
                            f"与第{first}行的需求编号相同")
        if demand is not None and check.ok:
            results.good.append(demand)
            results.row_warnings.extend(check.warnings)
        else:
            results.errors.extend(check.errors)
    return results


def _demand(check: RowChecker) -> DemandRow | None:
    """The row, or ``None`` when any cell is bad (its errors are on ``check``)."""
    ref = check.take("external_ref", _reference)
    title = check.take("title", lambda v, f: parse_text(v, field=f, max_chars=200,
                                                        required=True))
    category = check.take("category", lambda v, f: parse_choice(v, SKILLS, field=f,
                                                                required=True), memo=True)
    skills = check.take("skills", lambda v, f: parse_choices(v, SKILLS, field=f), memo=True)
    needed = check.take("needed", lambda v, f: parse_int(v, field=f))
    starts = check.take("starts_at", lambda v, f: parse_local_time(v, field=f), memo=True)
    ends = check.take("ends_at", lambda v, f: parse_local_time(v, field=f), memo=True)
    region = check.take("region_code", lambda v, f: parse_region_code(v, field=f,
                                                                      required=True), memo=True)
    station = check.text("station", 100)
    where = check.coordinates()
    source = check.take("source", _source, memo=True)
    priority = check.take("priority", _positive_priority, 1.0)
    insurance = check.take("requires_insurance", lambda v, f: parse_yes_no(v, field=f), False,
                           memo=True)
    description = check.text("description", 2000) or ""
    if station is None and where is None and check.ok:
        check.error("station", "", "fill 站点名称 or the coordinates (经度, 纬度)",
                    "请填写站点名称，或填写服务地点的经度和纬度")
    if not check.ok or None in (ref, title, category, needed, starts, ends, region):
        return None
    assert ref and title and category and needed is not None and starts and ends and region
    return DemandRow(
        row_number=check.row.row_number, external_ref=ref, title=title, category=category,
        skills=skills or (), needed=needed, starts_at=starts, ends_at=ends, region_code=region,
        station_name=station, longitude=where[0] if where else None,
        latitude=where[1] if where else None, crs=where[2] if where else None, source=source,
        priority=priority if priority is not None else 1.0,
        requires_insurance=bool(insurance), description=description)
