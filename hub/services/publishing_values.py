"""What a station, an activity or a project may hold: input rules that need no database.

Each ``check_*`` turns the fields a caller gave (``None``: not given) into column values for
:mod:`hub.store.publishing`, collecting every refusal (field, value, Chinese and English)
instead of stopping at the first. ``creating`` makes the fields a new row needs required.
An optional link or value (a station's organisation, an activity's project or station, a
project's category, sub-programme or funding) given as :data:`CLEAR` is cleared (NULL).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum
from typing import Any

from hub.geo.divisions import DivisionCodeError, normalize_code
from hub.localization import current
from hub.pii import PiiCipher, mask_phone
from hub.registration.errors import FieldError
from hub.registration.phone import parse_mobile
from hub.registration.vocab import SKILLS
from hub.services.registration_values import MINUTES_PER_DAY, multirange
from hub.services.workflow_errors import Code, WorkflowError
from hub.vocabulary import Vocabulary, vocabulary

STATION_KINDS = vocabulary("stationKind", "station kind")
SUB_PROGRAMMES = vocabulary("subProgramme", "sub-programme")
SIX_HAS = ("place", "team", "projects", "facilities", "rules", "signage")
MAX_TEXT = 5000
MAX_CAPACITY = 10_000
MAX_WINDOWS = 70  # opening hours: ten windows a day
MAX_ACTIVITY_SPAN = timedelta(days=31)
MAX_LEAD = timedelta(days=366)
MAX_PROJECT_DAYS = 3660
MAX_FUNDING = Decimal("999999999999.99")


class Clear(Enum):
    """The caller cleared an optional field (GraphQL's explicit ``null``; left out: ``None``)."""

    CLEAR = "clear"


CLEAR = Clear.CLEAR


@dataclass(frozen=True)
class StationFields:
    """A station's fields; ``point`` in WGS-84 (lon, lat); ``contact_phone`` "" clears it."""

    name: str | None = None
    kind: str | None = None
    address: str | None = None
    point: tuple[float, float] | None = None
    region_code: str | None = None
    organization_id: int | Clear | None = None
    six_has: Mapping[str, bool] | None = None
    opening_hours: Sequence[tuple[int, int, int]] | None = None
    contact_name: str | None = None
    contact_phone: str | None = None


@dataclass(frozen=True)
class ActivityFields:
    """An activity's fields; ``organization_id`` only when creating."""

    title: str | None = None
    description: str | None = None
    organization_id: int | None = None
    project_id: int | Clear | None = None
    category: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    point: tuple[float, float] | None = None
    station_id: int | Clear | None = None
    region_code: str | None = None
    capacity: int | None = None
    required_skills: Sequence[str] | None = None
    safety_plan: str | None = None
    requires_insurance: bool | None = None


@dataclass(frozen=True)
class ProjectFields:
    """A project's fields; ``owner_id`` only when creating."""

    name: str | None = None
    description: str | None = None
    owner_id: int | None = None
    category: str | Clear | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    funding_yuan: Decimal | Clear | None = None
    funding_source: str | None = None
    sub_programme: str | Clear | None = None


def given(data: Any) -> set[str]:
    """The names of the fields given (not ``None``)."""
    return {f.name for f in fields(data) if getattr(data, f.name) is not None}


def camel(name: str) -> str:
    """A field's name as the API spells it (``starts_at`` → ``startsAt``, ``point`` →
    ``location``)."""
    head, *rest = ("location" if name in {"point", "lon", "lat"} else name).split("_")
    return head + "".join(p.title() for p in rest)


class Checks:
    """Refusals collected while turning fields into column values."""

    def __init__(self) -> None:
        self.errors: list[WorkflowError] = []
        self.values: dict[str, Any] = {}

    def bad(self, field: str, message: str, message_zh: str, code: Code = Code.INVALID) -> None:
        self.errors.append(WorkflowError(code, field, message, message_zh))

    def required(self, data: Any, names: Sequence[str]) -> None:
        for name in names:
            if getattr(data, name) is None:
                self.bad(camel(name), "is required", f"{camel(name)} 为必填项")

    def text(self, field: str, value: str | None, column: str, *, low: int = 0,
             high: int = MAX_TEXT) -> None:
        if value is None:
            return
        size = len(value.strip())
        if not low <= size <= high or len(value) > high:
            shown = value if len(value) <= 40 else value[:40] + "…"
            self.bad(field, f"{shown!r} must be {low}..{high} characters",
                     f"{shown!r} 须为 {low}～{high} 个字")
            return
        self.values[column] = value.strip() if low else value

    def choice(self, field: str, value: str | Clear | None, words: Vocabulary,
               column: str) -> None:
        if value is None:
            return
        if value is CLEAR:
            self.values[column] = None
            return
        code = words.lookup(value)
        if code is None:
            self.bad(field, f"{value!r} is not one of {words.allowed('en')}",
                     f"{value!r} 不是可选值，可选：{words.allowed('zh')}")
            return
        self.values[column] = code

    def link(self, column: str, value: int | Clear | None) -> None:
        """An optional link: the id given, or NULL where cleared."""
        if value is not None:
            self.values[column] = None if value is CLEAR else value

    def region(self, value: str | None) -> None:
        if value is None:
            return
        try:
            self.values["region_code"] = normalize_code(value)
        except DivisionCodeError:
            self.bad("regionCode", f"{value!r} is not a 6-, 9- or 12-digit division code",
                     f"{value!r} 不是 6、9 或 12 位行政区划代码", Code.UNKNOWN_REGION)

    def point(self, value: tuple[float, float] | None) -> None:
        if value is not None:
            self.values["lon"], self.values["lat"] = value


def _weekly(checks: Checks, spans: Sequence[tuple[int, int, int]]) -> None:
    if len(spans) > MAX_WINDOWS:
        checks.bad("openingHours", f"{len(spans)} windows given; at most {MAX_WINDOWS}",
                   f"填写了 {len(spans)} 个时段，最多 {MAX_WINDOWS} 个")
        return
    for n, (day, start, end) in enumerate(spans):
        if not (0 <= day <= 6 and 0 <= start < end <= MINUTES_PER_DAY):
            checks.bad(f"openingHours[{n}]",
                       f"weekday {day + 1} {start}–{end} is not a window of one day",
                       f"星期{day + 1} 的 {start}–{end} 不是一天之内的时段")
            return
    checks.values["opening_hours"] = multirange(list(spans))


def check_station(data: StationFields, cipher: PiiCipher, *, creating: bool) -> Checks:
    """A station's column values (WGS-84 point in ``lon``/``lat``)."""
    c = Checks()
    if creating:
        c.required(data, ("name", "kind", "point", "region_code"))
    c.text("name", data.name, "name", low=2, high=100)
    c.choice("kind", data.kind, STATION_KINDS, "kind")
    c.text("address", data.address, "address", high=200)
    c.point(data.point)
    c.region(data.region_code)
    c.link("organization_id", data.organization_id)
    for name, value in (data.six_has or {}).items():
        if name in SIX_HAS:
            c.values[f"has_{name}"] = bool(value)
    if data.opening_hours is not None:
        _weekly(c, data.opening_hours)
    c.text("contactName", data.contact_name, "contact_name", high=50)
    if data.contact_phone is not None:
        if not data.contact_phone.strip():
            c.values |= {"contact_phone_enc": None, "contact_phone_masked": None}
        else:
            try:
                phone = parse_mobile(data.contact_phone, field="contactPhone")
            except FieldError as exc:
                c.bad("contactPhone", f"{exc.value!r}: {exc.reason}",
                      f"{exc.value!r}：{exc.reason_zh}")
            else:
                c.values |= {"contact_phone_enc": cipher.encrypt(phone, field="phone"),
                             "contact_phone_masked": mask_phone(phone)}
    return c


def _window(c: Checks, starts: datetime, ends: datetime, *, now: datetime) -> None:
    if starts.tzinfo is None or ends.tzinfo is None:
        c.bad("startsAt", "times need a time zone (e.g. +08:00)", "时间须带时区（例如 +08:00）")
        return
    shown_start, shown_end = (current().local(t).isoformat() for t in (starts, ends))
    if starts <= now:
        c.bad("startsAt", f"{shown_start} is not in the future", f"开始时间 {shown_start} 已经过去",
              Code.WINDOW_STARTED)
    elif starts - now > MAX_LEAD:
        c.bad("startsAt", f"{shown_start} is more than {MAX_LEAD.days} days ahead",
              f"开始时间 {shown_start} 超过 {MAX_LEAD.days} 天以后")
    if ends <= starts:
        c.bad("endsAt", f"{shown_end} is not after startsAt {shown_start}",
              f"结束时间 {shown_end} 不晚于开始时间 {shown_start}")
    elif ends - starts > MAX_ACTIVITY_SPAN:
        c.bad("endsAt", f"{shown_end}: the activity lasts more than {MAX_ACTIVITY_SPAN.days} days",
              f"结束时间 {shown_end}：活动超过 {MAX_ACTIVITY_SPAN.days} 天")
    c.values["starts_at"], c.values["ends_at"] = starts, ends


def check_activity(data: ActivityFields, *, creating: bool, now: datetime,
                   window: tuple[datetime, datetime] | None = None) -> Checks:
    """An activity's column values; ``window``: the stored one, when only one end changes."""
    c = Checks()
    if creating:
        c.required(data, ("title", "organization_id", "category", "starts_at", "ends_at",
                          "capacity"))
    c.text("title", data.title, "title", low=2, high=200)
    c.text("description", data.description, "description")
    c.text("safetyPlan", data.safety_plan, "safety_plan")
    c.choice("category", data.category, SKILLS, "category")
    skills = []
    for n, skill in enumerate(data.required_skills or ()):
        code = SKILLS.lookup(skill)
        if code is None:
            c.bad(f"requiredSkills[{n}]", f"{skill!r} is not one of {SKILLS.allowed('en')}",
                  f"{skill!r} 不是可选的技能，可选：{SKILLS.allowed('zh')}")
        elif code in skills:
            c.bad(f"requiredSkills[{n}]", f"{skill!r} is named twice", f"{skill!r} 填写了两次")
        else:
            skills.append(code)
    if data.required_skills is not None:
        c.values["required_skills"] = skills
    if data.capacity is not None:
        if not 1 <= data.capacity <= MAX_CAPACITY:
            c.bad("capacity", f"{data.capacity} is outside 1..{MAX_CAPACITY}",
                  f"名额 {data.capacity} 不在 1～{MAX_CAPACITY} 之间")
        else:
            c.values["capacity"] = data.capacity
    if data.requires_insurance is not None:
        c.values["requires_insurance"] = data.requires_insurance
    starts = data.starts_at or (window[0] if window else None)
    ends = data.ends_at or (window[1] if window else None)
    if (data.starts_at or data.ends_at) and starts and ends:
        _window(c, starts, ends, now=now)
    c.point(data.point)
    c.region(data.region_code)
    c.link("organization_id", data.organization_id)
    c.link("project_id", data.project_id)
    c.link("station_id", data.station_id)
    return c


def check_project(data: ProjectFields, *, creating: bool,
                  period: tuple[date, date] | None = None) -> Checks:
    """A project's column values; ``period``: the stored one, when only one end changes."""
    c = Checks()
    if creating:
        c.required(data, ("name", "owner_id", "starts_on", "ends_on"))
    c.text("name", data.name, "name", low=2, high=200)
    c.text("description", data.description, "description")
    c.text("fundingSource", data.funding_source, "funding_source", high=200)
    c.choice("category", data.category, SKILLS, "category")
    c.choice("subProgramme", data.sub_programme, SUB_PROGRAMMES, "sub_programme")
    if data.funding_yuan is CLEAR:
        c.values["funding_yuan"] = None
    elif data.funding_yuan is not None:
        if not Decimal(0) <= data.funding_yuan <= MAX_FUNDING or (
                data.funding_yuan != data.funding_yuan.quantize(Decimal("0.01"))):
            c.bad("fundingYuan", f"{data.funding_yuan} is not an amount 0..{MAX_FUNDING} in fen",
                  f"资金 {data.funding_yuan} 须为 0～{MAX_FUNDING} 元，精确到分")
        else:
            c.values["funding_yuan"] = data.funding_yuan
    if data.owner_id is not None:
        c.values["owner_id"] = data.owner_id
    starts = data.starts_on or (period[0] if period else None)
    ends = data.ends_on or (period[1] if period else None)
    if (data.starts_on or data.ends_on) and starts and ends:
        if ends <= starts:
            c.bad("endsOn", f"{ends} is not after startsOn {starts}",
                  f"结束日期 {ends} 不晚于开始日期 {starts}")
        elif (ends - starts).days > MAX_PROJECT_DAYS:
            c.bad("endsOn", f"{ends}: the project lasts more than {MAX_PROJECT_DAYS} days",
                  f"结束日期 {ends}：项目超过 {MAX_PROJECT_DAYS} 天")
        else:
            c.values["starts_on"], c.values["ends_on"] = starts, ends
    return c
