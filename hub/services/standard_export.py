"""The export in the data elements of MZ/T 061 (《志愿服务信息系统基本规范》): volunteers,
organisations, projects, training, awards, service time, evaluations and certificates of a
region (and a year), as .xlsx (a sheet per section) or JSON.

Personal data: admins only (``report.standard_export``); a volunteer is named by the unified
number (:func:`hub.office.mzt061.unified_number`), never by an ID number, phone or birth date,
none of which is read. Each sheet holds at most :data:`MAX_ROWS` rows; a region with more is
refused with a coded error naming the section (export a smaller region).
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from hub.auth import Caller
from hub.auth.actions import Action, require
from hub.geo.divisions import subtree_prefix
from hub.office import mzt061
from hub.office.workbook import Sheet, workbook
from hub.pii import PiiCipher
from hub.services.recognition import AWARDS, CATEGORIES, LEVELS
from hub.services.recognition_lists import JSON, XLSX, Download
from hub.services.reports import check_region_year, label
from hub.services.workflow import Code, WorkflowError
from hub.store import recognition as recognition_store
from hub.store import reports as report_store
from hub.store import standard_export as store
from hub.store.base import Database, Row
from hub.vocabulary import vocabulary

MAX_ROWS = 100_000
_V = {g: vocabulary(g) for g in ("gender", "education", "cohort", "category", "organizationLevel",
                                 "organizationKind", "projectStatus", "volunteerStatus")}
_DIRECTION = {"requester_to_service": "群众评服务", "volunteer_to_organiser": "志愿者评组织方"}


def _labels(group: str, codes: Any) -> str:
    return "、".join(label(_V[group], c, "") for c in (codes or ()))


def _rows(section: str, rows: list[Row], uid: Any) -> list[tuple[Any, ...]]:
    if section == "volunteer":
        return [(uid(r["id"]), r["real_name"], label(_V["gender"], r["gender"], ""),
                 label(_V["education"], r["education"], ""), _labels("cohort", r["cohorts"]),
                 _labels("category", r["skill_codes"]), r["region_code"], r["registered_at"],
                 label(_V["volunteerStatus"], r["status"]), r["total_hours"], r["stars"])
                for r in rows]
    if section == "organization":
        return [(r["id"], r["name"], label(_V["organizationLevel"], r["level"]),
                 label(_V["organizationKind"], r["kind"]), r["parent_id"], r["region_code"],
                 r["created_at"], r["members"], r["status"]) for r in rows]
    if section == "project":
        return [(r["id"], r["name"], label(_V["category"], r["category"], ""), r["owner_id"],
                 r["starts"], r["ends"], r["funding_source"],
                 label(_V["projectStatus"], r["status"])) for r in rows]
    if section == "award":
        return [(CATEGORIES[r["category"]][0],
                 uid(r["subject_id"]) if r["category"] == "volunteer" else r["subject_id"],
                 r["subject_name"] or r["real_name"], AWARDS[r["award"]][0],
                 LEVELS[r["level"]][0], r["region_code"] or "全国", r["year"], r["place"],
                 r["published_at"]) for r in rows]
    if section == "service":
        return [(r["id"], uid(r["volunteer_id"]), r["organization_id"], r["project_id"],
                 r["title"], r["served_on"], r["region_code"], r["hours"], r["recorded_by"],
                 r["confirmed_at"]) for r in rows]
    if section == "evaluation":
        return [(r["id"], _DIRECTION[r["direction"]], r["demand_id"],
                 uid(r["volunteer_id"]) if r["volunteer_id"] else None, r["rating"],
                 r["comment"], r["created_at"]) for r in rows]
    if section == "certificate":
        return [(r["code"], uid(r["volunteer_id"]), r["starts"], r["ends"], r["issued_by"],
                 r["issued_at"], r["key_id"]) for r in rows]
    return []  # training: the hub records none


async def read(db: Database, cipher: PiiCipher, caller: Caller, *, region_code: str,
               year: int) -> dict[str, list[tuple[Any, ...]]]:
    """Every section's rows (columns in the order of :data:`hub.office.mzt061.ELEMENTS`)."""
    require(caller, Action.REPORT_STANDARD_EXPORT, what="export volunteer-service data")
    code = check_region_year(region_code, year)
    if await recognition_store.get_region(db, code=code) is None:
        raise WorkflowError(Code.UNKNOWN_REGION, "regionCode", f"no region {code}",
                            f"没有行政区划 {code}")
    values = {**report_store.params(region_code=code, prefix=subtree_prefix(code), child=12,
                                    year=year), "limit": MAX_ROWS + 1}

    def uid(volunteer_id: int) -> str:
        return mzt061.unified_number(cipher.blind_index(str(volunteer_id),
                                                        field=mzt061.UID_PURPOSE))

    out = {}
    for section in mzt061.ELEMENTS:
        rows = await store.list_section(db, section=section, values=values)
        if len(rows) > MAX_ROWS:
            zh = mzt061.SECTIONS[section][0]
            raise WorkflowError(Code.INVALID, "regionCode", f"{code} has more than {MAX_ROWS} "
                                f"{section} rows for {year}; export its cities or counties",
                                f"{code} 的{zh}超过 {MAX_ROWS} 行，请按下级地区分别导出")
        out[section] = _rows(section, rows, uid)
    return out


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def as_json(region_code: str, year: int, data: dict[str, list[tuple[Any, ...]]]) -> bytes:
    """The sections as JSON: each row an object keyed by the elements' Chinese names."""
    doc = {"standard": "MZ/T 061", "regionCode": region_code, "year": year, "sections": {
        s: {"name": mzt061.SECTIONS[s][0], "rows": [
            {e.zh: _json_value(v) for e, v in zip(mzt061.ELEMENTS[s], row, strict=True)}
            for row in rows]} for s, rows in data.items()}}
    return json.dumps(doc, ensure_ascii=False).encode()


async def export(db: Database, cipher: PiiCipher, caller: Caller, *, region_code: str,
                 year: int, fmt: str) -> Download:
    """The export as .xlsx or JSON."""
    if fmt not in ("xlsx", "json"):
        raise WorkflowError(Code.INVALID, "format", f"{fmt!r} is not xlsx or json",
                            f"{fmt!r} 不是可选的格式（xlsx、json）")
    data = await read(db, cipher, caller, region_code=region_code, year=year)
    code = check_region_year(region_code, year)
    stem = f"mzt061-{code}-{year}"
    if fmt == "json":
        return Download(stem + ".json", JSON, as_json(code, year, data))
    sheets = [Sheet(mzt061.SECTIONS[s][0], mzt061.headers(s), rows,
                    "本系统不记录培训 (the hub records no training)" if s == "training" else None)
              for s, rows in data.items()]
    return Download(stem + ".xlsx", XLSX, await asyncio.to_thread(workbook, sheets))
