"""Validate organisation rows (科技志愿服务组织集体注册信息表, seed 004; naming rules, seed 002).

A team names its level (总队/队/支队/分队) and, below the corps, usually its parent team by
name. Checks here: required fields, the naming rules (:func:`~hub.registration.naming.
check_name`: contradictions are errors, style deviations warnings with a suggested name), a
总队 has no parent, a child sits strictly below a parent listed in the same file, and one
(name, parent) pair appears once. Parents not in the file are the caller's to resolve.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from hub.registration.columns import ORGANIZATION_COLUMNS
from hub.registration.errors import FieldError
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
from hub.registration.naming import LEVEL_SUFFIX, check_name, infer_level
from hub.registration.normalize import is_blank, parse_optional_date
from hub.registration.phone import parse_mobile
from hub.registration.results import RowResults
from hub.registration.table import Table
from hub.registration.vocab import ORG_KINDS, ORG_LEVEL_RANK, ORG_LEVELS, SKILLS


@dataclass(frozen=True, slots=True)
class OrganizationRow:
    """One accepted team. ``parent_name`` is the parent's name as written (``None``: top level).

    ``captain_mobile``/``admin_mobile`` are in clear: encrypt them. Coordinates are as written,
    in ``crs``. Insert in ascending :attr:`level_rank` so parents exist before children.
    """

    row_number: int
    name: str
    level: str
    parent_name: str | None
    region_code: str
    captain_name: str
    captain_mobile: str
    kind: str | None = None
    service_categories: tuple[str, ...] = ()
    admin_name: str | None = None
    admin_mobile: str | None = None
    email: str | None = None
    founded_on: date | None = None
    address: str | None = None
    longitude: float | None = None
    latitude: float | None = None
    crs: str | None = None
    description: str | None = None
    note: str | None = None

    @property
    def level_rank(self) -> int:
        """1 for 总队 … 4 for 分队."""
        return ORG_LEVEL_RANK[self.level]

    def __repr__(self) -> str:  # keep phone numbers out of logs and tracebacks
        return f"OrganizationRow(row_number={self.row_number}, name={self.name!r}, ...)"


def validate_organization_rows(table: Table, *, today: date) -> RowResults[OrganizationRow]:
    """Check every row of an organisation registration table; see the module docstring."""
    results: RowResults[OrganizationRow] = RowResults()
    candidates: list[tuple[OrganizationRow, RowChecker]] = []
    first_row_of: dict[tuple[str, str], int] = {}
    for check in checked_rows(table, ORGANIZATION_COLUMNS, results):
        org, key = _organization(check, today=today)
        if key is not None:
            first = first_row_of.setdefault(key, check.row.row_number)
            if first != check.row.row_number:
                check.error(
                    "name",
                    key[0],
                    f"the same team (name and parent) as row {first}",
                    f"与第{first}行为同一队伍（名称和上级队伍均相同）",
                )
        if org is not None and check.ok:
            candidates.append((org, check))
        else:
            results.errors.extend(check.errors)
    _check_parents_in_file(candidates)
    for org, check in candidates:
        results.errors.extend(check.errors)
        if check.ok:
            results.good.append(org)
            results.row_warnings.extend(check.warnings)
    results.errors.sort(key=lambda e: e.row_number)
    return results


def _organization(
    check: RowChecker, *, today: date
) -> tuple[OrganizationRow | None, tuple[str, str] | None]:
    """The row (``None`` if any field is bad) and its (name, parent) key when readable."""
    name = check.take("name", lambda v, f: parse_org_name(v, field=f, required=True))
    level = check.take(
        "level", lambda v, f: parse_choice(v, ORG_LEVELS, field=f, required=True), memo=True
    )
    parent = check.take(
        "parent", lambda v, f: parse_org_name(v, field=f, required=False), memo=True
    )
    region = check.take(
        "region_code", lambda v, f: parse_region_code(v, field=f, required=True), memo=True
    )
    kind = check.take(
        "kind", lambda v, f: parse_choice(v, ORG_KINDS, field=f, required=False), memo=True
    )
    categories = check.take(
        "service_categories", lambda v, f: parse_choices(v, SKILLS, field=f), memo=True
    )
    captain = check.take("captain_name", lambda v, f: parse_person_name(v, field=f))
    captain_mobile = check.take("captain_mobile", lambda v, f: parse_mobile(v, field=f))
    admin, admin_mobile = _admin(check)
    email = check.take("email", lambda v, f: parse_email(v, field=f))
    founded = check.take("founded_on", lambda v, f: parse_optional_date(v, field=f), memo=True)
    if founded is not None and founded > today:
        check.error("founded_on", founded.isoformat(), "is in the future", "成立日期晚于今天")
    texts = {
        key: check.text(key, limit)
        for key, limit in (("address", 200), ("description", 2000), ("note", 500))
    }
    where = check.coordinates()
    if name is not None and level is not None:
        _check_naming(check, name, level, parent, kind)
    key = (name, parent or "") if name is not None else None
    if not check.ok or None in (name, level, region, captain, captain_mobile):
        return None, key
    assert name and level and region and captain and captain_mobile  # narrowed above
    org = OrganizationRow(
        row_number=check.row.row_number,
        name=name,
        level=level,
        parent_name=parent,
        region_code=region,
        captain_name=captain,
        captain_mobile=captain_mobile,
        kind=kind,
        service_categories=categories or (),
        admin_name=admin,
        admin_mobile=admin_mobile,
        email=email,
        founded_on=founded,
        address=texts["address"],
        longitude=where[0] if where else None,
        latitude=where[1] if where else None,
        crs=where[2] if where else None,
        description=texts["description"],
        note=texts["note"],
    )
    return org, key


def _admin(check: RowChecker) -> tuple[str | None, str | None]:
    """管理员姓名 and 管理员手机号: both or neither."""
    name_blank, mobile_blank = (
        is_blank(check.raw("admin_name")),
        is_blank(check.raw("admin_mobile")),
    )
    if name_blank and mobile_blank:
        return None, None
    if name_blank or mobile_blank:
        missing, other = (
            ("admin_name", "admin_mobile") if name_blank else ("admin_mobile", "admin_name")
        )
        check.fail(
            FieldError(
                check.header(missing),
                "",
                f"required when {check.header(other)} is filled",
                f"填写了{check.header(other)}时必须同时填写",
            )
        )
        return None, None
    name = check.take("admin_name", lambda v, f: parse_person_name(v, field=f))
    mobile = check.take("admin_mobile", lambda v, f: parse_mobile(v, field=f))
    return name, mobile


def _check_naming(
    check: RowChecker, name: str, level: str, parent: str | None, kind: str | None
) -> None:
    if level == "corps" and parent:
        check.error("parent", parent, "a 总队 has no parent team", "总队没有上级队伍")
        return
    if parent == name:
        check.error("parent", parent, "a team cannot be its own parent", "上级队伍不能是自己")
        return
    claimed = infer_level(parent) if parent else None
    if claimed is not None and ORG_LEVEL_RANK[claimed] >= ORG_LEVEL_RANK[level]:
        check.error(
            "parent",
            parent or "",
            f"a {LEVEL_SUFFIX[level]} cannot sit under a {LEVEL_SUFFIX[claimed]}",
            f"“{LEVEL_SUFFIX[level]}”不能隶属于“{LEVEL_SUFFIX[claimed]}”",
        )
        return
    result = check_name(name, level, parent, kind=kind)
    if result.ok:
        return
    reason = result.reason or ""
    reason_zh = result.reason_zh or reason
    if result.suggestion:
        reason += f"; suggested name: {result.suggestion}"
        reason_zh += f"；建议名称：{result.suggestion}"
    if result.is_error:
        check.error("name", name, reason, reason_zh)
    else:
        check.warn("name", name, reason, reason_zh)


def _check_parents_in_file(candidates: list[tuple[OrganizationRow, RowChecker]]) -> None:
    """A parent listed in this file must rank above its child, and be named once only."""
    by_name: dict[str, list[OrganizationRow]] = defaultdict(list)
    for org, _ in candidates:
        by_name[org.name].append(org)
    for org, check in candidates:
        parents = by_name.get(org.parent_name or "", [])
        if len(parents) > 1:
            rows = "、".join(str(p.row_number) for p in parents)
            check.error(
                "parent",
                org.parent_name or "",
                f"ambiguous: rows {rows} all have this name",
                f"上级队伍不明确：第{rows}行均为此名称",
            )
        elif parents and parents[0].level_rank >= org.level_rank:
            parent = parents[0]
            check.error(
                "parent",
                parent.name,
                f"a {LEVEL_SUFFIX[org.level]} cannot sit under a {LEVEL_SUFFIX[parent.level]} "
                f"(row {parent.row_number})",
                f"“{LEVEL_SUFFIX[org.level]}”不能隶属于“{LEVEL_SUFFIX[parent.level]}”"
                f"（第{parent.row_number}行）",
            )
