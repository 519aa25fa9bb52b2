"""Validate collective registration rows (科技志愿者集体注册信息表, seeds 002 and 004).

:func:`validate_volunteer_rows` turns a :class:`~hub.registration.table.Table` into frozen
:class:`VolunteerRow` values — ID and phone numbers in clear, for the caller to encrypt — and
a :class:`~hub.registration.results.RowError` for every bad field of every row. Rules (002):
real name, valid ID number, age ≥ 18 on ``today``, education high school or above, a valid
mainland mobile. A repeated ID number in one file rejects each later row, naming the first.
Organisation rows are in :mod:`hub.registration.org_rows` and re-exported here.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

from hub.registration.availability import weekly_spans
from hub.registration.columns import VOLUNTEER_COLUMNS
from hub.registration.errors import FieldError, show
from hub.registration.fields import (
    RowChecker,
    checked_rows,
    parse_choice,
    parse_choices,
    parse_email,
    parse_org_name,
    parse_person_name,
    parse_region_code,
)
from hub.registration.idcard import IdNumber, age_on, parse_id_number
from hub.registration.normalize import is_blank, parse_optional_date, split_multi
from hub.registration.org_rows import OrganizationRow, validate_organization_rows
from hub.registration.phone import parse_mobile
from hub.registration.results import RowError, RowReference, RowResults, RowWarning
from hub.registration.table import Table
from hub.registration.vocab import (
    BELOW_HIGH_SCHOOL,
    COHORTS,
    DEFAULT_SKILL_LEVEL,
    DEFAULT_TEAM_ROLE,
    EDUCATION,
    GENDERS,
    SKILL_LEVEL_LABELS,
    SKILL_LEVEL_MAX,
    SKILL_LEVEL_MIN,
    SKILLS,
    TEAM_ROLES,
    lookup_key,
)

__all__ = [
    "OrganizationRow",
    "RowError",
    "RowResults",
    "RowWarning",
    "Skill",
    "VolunteerRow",
    "validate_organization_rows",
    "validate_volunteer_rows",
]

MIN_AGE = 18
_LEVEL_WORDS = {
    **{str(n): n for n in SKILL_LEVEL_LABELS},
    **{f"{n}级": n for n in SKILL_LEVEL_LABELS},
    **dict(zip("一二三四五", SKILL_LEVEL_LABELS, strict=True)),
    **{f"{c}级": n for c, n in zip("一二三四五", SKILL_LEVEL_LABELS, strict=True)},
    **{label: n for n, label in SKILL_LEVEL_LABELS.items()},
}


@dataclass(frozen=True, slots=True)
class Skill:
    """A service skill (a :data:`~hub.registration.vocab.SKILLS` code) and its level 1–5."""

    code: str
    level: int


@dataclass(frozen=True, slots=True)
class VolunteerRow:
    """One accepted volunteer. ``id_number`` and ``mobile`` are in clear: encrypt them.

    ``gender`` and ``birth_date`` come from the ID number. Coordinates are as written, in
    ``crs`` (WGS84, GCJ02 or BD09); convert before storing. ``team_name`` is the team's name as
    written (``None``: the uploader's own team).
    """

    row_number: int
    name: str
    id_number: str
    birth_date: date
    gender: str
    mobile: str
    education: str
    cohorts: tuple[str, ...] = ()
    skills: tuple[Skill, ...] = ()
    specialty: str | None = None
    employer: str | None = None
    title: str | None = None
    email: str | None = None
    region_code: str | None = None
    address: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    crs: str | None = None
    availability: str | None = None
    team_name: str | None = None
    team_role: str = DEFAULT_TEAM_ROLE
    insurance_until: date | None = None
    note: str | None = None

    def __repr__(self) -> str:  # keep personal numbers out of logs and tracebacks
        return f"VolunteerRow(row_number={self.row_number}, name={self.name!r}, ...)"


def parse_education(value: object, *, field: str) -> str:
    """An :data:`~hub.registration.vocab.EDUCATION` code; below high school is refused (002)."""
    text = show(value)
    if lookup_key(text) in BELOW_HIGH_SCHOOL:
        raise FieldError(
            field,
            text,
            "education must be high school or above",
            "学历须为高中（中专）及以上",
        )
    code = parse_choice(value, EDUCATION, field=field, required=True)
    assert code is not None  # required=True never returns None
    return code


def parse_skill_levels(value: object, count: int, *, field: str) -> tuple[int, ...]:
    """Levels for ``count`` skills: blank → the default, one level for all, or one per skill."""
    parts = split_multi(value)
    if not parts:
        return (DEFAULT_SKILL_LEVEL,) * count
    levels: list[int] = []
    for part in parts:
        level = _LEVEL_WORDS.get(part.removesuffix(".0"))
        if level is None:
            raise FieldError(
                field,
                show(value),
                f"a skill level is a whole number {SKILL_LEVEL_MIN}–{SKILL_LEVEL_MAX}",
                f"技能等级应为{SKILL_LEVEL_MIN}至{SKILL_LEVEL_MAX}的整数",
            )
        levels.append(level)
    if count == 0:
        raise FieldError(
            field, show(value), "a level is given but no skill", "填写了等级但未填写技能"
        )
    if len(levels) == 1:
        return (levels[0],) * count
    if len(levels) != count:
        raise FieldError(
            field,
            show(value),
            f"{len(levels)} levels for {count} skills; give one level, or one per skill",
            f"等级个数（{len(levels)}）与技能个数（{count}）不一致",
        )
    return tuple(levels)


def validate_volunteer_rows(table: Table, *, today: date) -> RowResults[VolunteerRow]:
    """Check every row of a volunteer registration table; see the module docstring."""
    results: RowResults[VolunteerRow] = RowResults()
    first_row_of: dict[str, int] = {}
    for check in checked_rows(table, VOLUNTEER_COLUMNS, results):
        volunteer, reference = _volunteer(check, today=today, first_row_of=first_row_of)
        results.errors.extend(check.errors)
        if volunteer is not None and check.ok:
            results.good.append(volunteer)
            results.row_warnings.extend(check.warnings)
        elif reference.team_name or reference.region_code:
            results.rejected_references.append(reference)
    return results


def _id(value: object, field: str, *, today: date) -> IdNumber:
    return parse_id_number(value, today=today, field=field)


def _volunteer(
    check: RowChecker, *, today: date, first_row_of: dict[str, int]
) -> tuple[VolunteerRow | None, RowReference]:
    name = check.take("name", lambda v, f: parse_person_name(v, field=f))
    ident = check.take("id_number", lambda v, f: _id(v, f, today=today))
    if ident is not None:
        _check_person(check, ident, today=today, first_row_of=first_row_of)
    mobile = check.take("mobile", lambda v, f: parse_mobile(v, field=f))
    education = check.take("education", lambda v, f: parse_education(v, field=f), memo=True)
    cohorts = (
        check.take("cohorts", lambda v, f: parse_choices(v, COHORTS, field=f), memo=True) or ()
    )
    no_skills: tuple[str, ...] = ()
    skill_codes = check.take(
        "skills", lambda v, f: parse_choices(v, SKILLS, field=f), no_skills, memo=True
    )
    levels: tuple[int, ...] | None = ()
    if skill_codes is not None:  # a bad 技能 cell already explains itself
        levels = check.take(
            "skill_levels",
            lambda v, f: parse_skill_levels(v, len(skill_codes), field=f),
            (DEFAULT_SKILL_LEVEL,) * len(skill_codes),
        )
    texts = {
        key: check.text(key, limit)
        for key, limit in (
            ("specialty", 200),
            ("employer", 100),
            ("title", 50),
            ("address", 200),
            ("availability", 200),
            ("note", 500),
        )
    }
    team = check.take("team", lambda v, f: parse_org_name(v, field=f, required=False), memo=True)
    email = check.take("email", lambda v, f: parse_email(v, field=f))
    region = check.take("region_code", lambda v, f: parse_region_code(v, field=f, required=False))
    where = check.coordinates()
    role = check.take(
        "role", lambda v, f: parse_choice(v, TEAM_ROLES, field=f, required=False), memo=True
    )
    insured = check.take("insurance_until", lambda v, f: parse_optional_date(v, field=f), memo=True)
    if insured is not None and insured < today:
        check.warn(
            "insurance_until", insured.isoformat(), "the insurance has expired", "保险已过期"
        )
    reference = RowReference(check.row.row_number, team, region)
    if not check.ok or name is None or ident is None or mobile is None or education is None:
        return None, reference
    _warn_unusable(check, where, texts["availability"])
    return VolunteerRow(
        row_number=check.row.row_number,
        name=name,
        id_number=ident.number,
        birth_date=ident.birth_date,
        gender=ident.gender,
        mobile=mobile,
        education=education,
        cohorts=cohorts,
        skills=_skills(skill_codes or (), levels or ()),
        specialty=texts["specialty"],
        employer=texts["employer"],
        title=texts["title"],
        email=email,
        region_code=region,
        address=texts["address"],
        longitude=where[0] if where else None,
        latitude=where[1] if where else None,
        crs=where[2] if where else None,
        availability=texts["availability"],
        team_name=team,
        team_role=role or DEFAULT_TEAM_ROLE,
        insurance_until=insured,
        note=texts["note"],
    ), reference


def _warn_unusable(check: RowChecker, where: object, availability: str | None) -> None:
    """Warn about an accepted row the dispatcher cannot use fully: no home (no distance to
    any demand), or a 可服务时间 that names no period the hub knows."""
    if where is None:
        check.warn(
            "longitude",
            "",
            "no home location (longitude and latitude): the volunteer is not matched to "
            "demands by distance until one is added",
            "未填写居住地经纬度：补充之前无法按距离为其派单",
        )
    if availability and not weekly_spans(availability):
        check.warn(
            "availability",
            availability,
            "names no period the hub knows (e.g. 周末, 工作日晚上, 周三下午): kept as written, "
            "no weekly availability set",
            "未识别出服务时段（可填：周末、工作日晚上、周三下午等）：原文保留，未设置每周可服务时间",
        )


@functools.lru_cache(maxsize=4096)
def _skills(codes: tuple[str, ...], levels: tuple[int, ...]) -> tuple[Skill, ...]:
    """The skills of a row; rows repeat the same few combinations, and the result is frozen,
    so one tuple serves them all (building frozen dataclasses is a good part of a row's cost).
    """
    return tuple(Skill(c, lv) for c, lv in zip(codes, levels, strict=False))


def _check_person(
    check: RowChecker, ident: IdNumber, *, today: date, first_row_of: dict[str, int]
) -> None:
    """Age, gender column against the ID, and duplicates of the ID inside the file."""
    age = age_on(ident.birth_date, today)
    if age < MIN_AGE:
        check.error(
            "id_number",
            ident.masked,
            f"must be at least {MIN_AGE} years old on {today.isoformat()} (is {age})",
            f"未满{MIN_AGE}周岁（截至{today.isoformat()}为{age}岁）",
        )
    gender_raw = check.raw("gender")
    if not is_blank(gender_raw):
        gender = check.take(
            "gender", lambda v, f: parse_choice(v, GENDERS, field=f, required=True), memo=True
        )
        if gender is not None and gender != ident.gender:
            said = GENDERS.label(ident.gender)
            check.error(
                "gender",
                show(gender_raw),
                f"does not match the ID number (which says {said})",
                f"与身份证号不符（身份证号显示为{said}）",
            )
    first = first_row_of.setdefault(ident.number, check.row.row_number)
    if first != check.row.row_number:
        check.error(
            "id_number",
            ident.masked,
            f"duplicate ID number: the same as row {first}",
            f"身份证号与第{first}行重复",
        )
