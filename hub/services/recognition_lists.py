"""Reading recognition rounds and their lists, and exporting a published list (.xlsx, JSON).

Who may read is :func:`hub.services.recognition.readable`'s (``recognition.read``). A published
list shows each volunteer's name as the caller may see it (the field policy); teams, projects
and stations by the name they had when the list was published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hub.auth import Caller
from hub.auth.actions import Action, require, subject
from hub.auth.ids import encode_global_id
from hub.auth.tokens import Role
from hub.geo.divisions import subtree_prefix
from hub.office.workbook import Sheet, workbook
from hub.services.recognition import (
    AWARDS,
    CATEGORIES,
    LEVELS,
    MAX_PAGE,
    Code,
    _bad,
    _region,
    names,
    readable,
)
from hub.store import recognition as store
from hub.store.base import Database, Row

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JSON = "application/json"
NODE_TYPE = {"volunteer": "Volunteer", "team": "Organization", "project": "Project",
             "station": "Station"}
"""The GraphQL type each category's subject is a node of."""


@dataclass(frozen=True)
class Download:
    """A file to hand over: its name, media type and bytes."""

    file_name: str
    content_type: str
    content: bytes


async def get_round(db: Database, caller: Caller, *, round_id: int) -> Row:
    return await readable(db, caller, round_id)


async def list_rounds(db: Database, caller: Caller, *, region_code: str | None,
                      year: int | None, first: int = 20, offset: int = 0) -> list[Row]:
    """Rounds under ``region_code`` (a dispatcher: their region by default), newest first."""
    if not 1 <= first <= MAX_PAGE or offset < 0:
        raise _bad(Code.INVALID, "first", f"first must be 1..{MAX_PAGE} and offset ≥ 0, got "
                   f"{first} and {offset}", f"每页条数须为 1～{MAX_PAGE}，偏移不得为负")
    code = _region(region_code)
    if caller.role is Role.DISPATCHER and code is None:
        code = caller.region
    paths: list[str] = []
    if caller.role is Role.ORG_ADMIN and caller.org is not None:
        # Rounds over their team's region: by default that region; elsewhere, none.
        org = await store.get_many_subjects(db, category="team", ids=[caller.org])
        code = code or (org[0]["region_code"] if org else None)
        if org and code and str(org[0]["region_code"]).startswith(subtree_prefix(code)):
            paths = list(org[0]["org_paths"])
    require(caller, Action.RECOGNITION_READ, subject(region_code=code, org_paths=paths),
            what="list recognition rounds")
    return await store.list_rounds(db, region_prefix=subtree_prefix(code) if code else None,
                                   year=year, limit=first, offset=offset)


async def nominations(db: Database, caller: Caller, *, round_id: int) -> list[Row]:
    """A round's nominations (each with ``name`` as the caller may see it)."""
    await readable(db, caller, round_id)
    rows = await store.list_nominations(db, round_id=round_id)
    return await _named(db, caller, rows)


async def awards(db: Database, caller: Caller, *, round_id: int) -> tuple[Row, list[Row]]:
    """A round and its published list (each award with ``name``)."""
    row = await readable(db, caller, round_id)
    return row, await _named(db, caller, await store.list_awards(db, round_ids=[round_id]))


async def _named(db: Database, caller: Caller, rows: list[Row]) -> list[Row]:
    """``rows`` (nominations or awards) each with its subject's ``name``, in their order."""
    shown: dict[tuple[str, int], str | None] = {}
    for category in CATEGORIES:
        ids = [r["subject_id"] for r in rows if r["category"] == category]
        shown |= {(category, k): v[0] for k, v in (await names(db, caller, category, ids)).items()}
    return [{**r, "name": r.get("subject_name") or shown.get((r["category"], r["subject_id"]))}
            for r in rows]


def _award_json(row: Row, a: Row) -> dict[str, Any]:
    zh, en = CATEGORIES[a["category"]]
    return {"category": a["category"], "categoryZh": zh, "categoryEn": en, "place": a["place"],
            "subjectId": encode_global_id(NODE_TYPE[a["category"]], a["subject_id"]),
            "name": a["name"], "regionCode": a["region_code"], "score": str(a["score"]),
            "evidence": a["evidence"]}


def round_json(row: Row) -> dict[str, Any]:
    """A round's header as exported."""
    return {"id": row["id"], "award": row["award"], "awardZh": AWARDS[row["award"]][0],
            "level": row["level"], "levelZh": LEVELS[row["level"]][0],
            "regionCode": row["region_code"], "year": row["year"],
            "categories": list(row["categories"]), "places": row["places"],
            "status": row["status"],
            "publishedAt": row["published_at"].isoformat() if row["published_at"] else None}


async def export_list(db: Database, caller: Caller, *, round_id: int, fmt: str) -> Download:
    """A published list as .xlsx (one sheet per category, Chinese headers) or JSON."""
    if fmt not in ("xlsx", "json"):
        raise _bad(Code.INVALID, "format", f"{fmt!r} is not xlsx or json",
                   f"{fmt!r} 不是可选的格式（xlsx、json）")
    row, listed = await awards(db, caller, round_id=round_id)
    if row["status"] != "published":
        raise _bad(Code.INVALID_TRANSITION, "roundId", f"round {round_id} is not published",
                   "评选尚未发布，没有名单可导出")
    stem = f"recognition-{row['year']}-{row['region_code'] or 'national'}-{row['award']}"
    if fmt == "json":
        doc = {"round": round_json(row), "awards": [_award_json(row, a) for a in listed]}
        return Download(stem + ".json", JSON, json.dumps(doc, ensure_ascii=False,
                                                         indent=1).encode())
    sheets = []
    for category in row["categories"]:
        mine = [a for a in listed if a["category"] == category]
        sheets.append(Sheet(
            CATEGORIES[category][0],
            ("名次 Place", "名称 Name", "地区代码 Region", "得分 Score", "服务时长（小时） Hours",
             "服务次数 Occasions", "老少边贫时长占比 Priority share", "平均评分 Rating",
             "参与志愿者 Volunteers", "依据记录数 Records"),
            [(a["place"], a["name"], a["region_code"], a["score"],
              float(a["evidence"].get("hours", 0)), a["evidence"].get("occasions"),
              float(a["evidence"].get("priorityShare", 0)), a["evidence"].get("rating"),
              a["evidence"].get("volunteers"), a["evidence"].get("recordCount"))
             for a in mine],
            note=f"{row['year']} 年度{LEVELS[row['level']][0]}{AWARDS[row['award']][0]}"
                 f"（{row['region_code'] or '全国'}）"))
    return Download(stem + ".xlsx", XLSX, workbook(sheets))
