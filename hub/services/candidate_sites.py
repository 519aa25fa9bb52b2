"""Candidate sites for new stations (``candidate_site``, sql/0028): existing public facilities
— schools, museums, 党群服务中心 … — imported from a CSV file (``hub coverage import-sites``)
or seeded for the demo. One file loads all-or-nothing: every row is checked first and each
bad one named (row, field, value) in Chinese and English; a site already kept under the same
(region, kind, name) gets the file's place and address. Takes ``candidate_site.manage`` on
each row's region (an admin, or a dispatcher of the region's subtree).

Columns: kind, name, lon, lat, region_code, address (optional). Kinds: KINDS.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Any

from hub.auth import Caller
from hub.auth.actions import Action, require, subject
from hub.geo.divisions import DivisionCodeError, normalize_code
from hub.store import coverage as store
from hub.store import regions
from hub.store.base import Database

KINDS = {
    "school": "学校", "museum": "博物馆", "science_museum": "科技馆",
    "party_service_center": "党群服务中心", "library": "图书馆", "cultural_center": "文化馆",
    "community_center": "社区服务中心", "hospital": "医院", "village_committee": "村委会",
    "other": "其他",
}
COLUMNS = ("kind", "name", "lon", "lat", "region_code", "address")
MAX_ROWS = 50_000


@dataclass(frozen=True)
class RowError:
    row: int  # 1-based data row (the header is row 0)
    field: str
    value: str
    message: str
    message_zh: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.value!r} {self.message} / {self.message_zh}"


class SitesRefused(ValueError):
    """The file was not loaded: every bad row, named."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(str(e) for e in errors[:20]))
        self.errors = errors


def _checked(n: int, raw: dict[str, Any]) -> tuple[dict[str, Any] | None, list[RowError]]:
    errors: list[RowError] = []

    def bad(field: str, message: str, zh: str) -> None:
        errors.append(RowError(n, field, str(raw.get(field, "")), message, zh))

    kind = (raw.get("kind") or "").strip()
    if kind not in KINDS:
        bad("kind", f"is not one of {', '.join(KINDS)}", "不是可用的场所类别")
    name = (raw.get("name") or "").strip()
    if not 2 <= len(name) <= 100:
        bad("name", "must have 2 to 100 characters", "须为 2 至 100 个字")
    point = []
    for field, lo, hi in (("lon", -180, 180), ("lat", -90, 90)):
        try:
            value = float(raw.get(field) or "nan")
        except ValueError:
            value = math.nan
        if not lo <= value <= hi:
            bad(field, f"is not a number in {lo}..{hi} (WGS-84)", f"不是 {lo} 到 {hi} 之间的数")
        point.append(value)
    try:
        code = normalize_code((raw.get("region_code") or "").strip())
    except DivisionCodeError:
        code = ""
        bad("region_code", "is not a 6-, 9- or 12-digit division code", "不是行政区划代码")
    address = (raw.get("address") or "").strip()
    if errors:
        return None, errors
    return {"kind": kind, "name": name, "lon": point[0], "lat": point[1], "region_code": code,
            "address": address}, []


async def import_sites(db: Database, caller: Caller, text: str, *, source: str) -> int:
    """Load a CSV of candidate sites; how many were written (SitesRefused: none were)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS[:5] if c not in (reader.fieldnames or [])]
    if missing:
        raise SitesRefused([RowError(0, c, "", "column is missing", "缺少此列")
                            for c in missing])
    rows, errors = [], []
    for n, raw in enumerate(reader, start=1):
        if n > MAX_ROWS:
            raise SitesRefused([RowError(n, "row", str(n), f"the file has more than {MAX_ROWS} "
                                         "rows", f"文件超过 {MAX_ROWS} 行")])
        row, found = _checked(n, raw)
        errors.extend(found)
        if row is not None:
            rows.append((n, row))
    known = await regions.list_known(db, codes={r["region_code"] for _, r in rows})
    for n, row in rows:
        if row["region_code"] not in known:
            errors.append(RowError(n, "region_code", row["region_code"],
                                   "is not a known division code", "不是已知的行政区划代码"))
        else:
            require(caller, Action.CANDIDATE_SITE_MANAGE, subject(region_code=row["region_code"]),
                    what=f"add candidate sites in {row['region_code']}")
    if errors:
        raise SitesRefused(errors)
    async with db.transaction() as tx:
        return await store.create_sites(tx, rows=[r for _, r in rows], source=source)
