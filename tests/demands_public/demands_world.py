"""Callers and documents of the public 点单 tests (station 1 lies in Zhengzhou)."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any

from openpyxl import load_workbook

from hub.auth import Caller, Role
from hub.auth.ids import encode_global_id
from hub.registration.templates import write_template
from hub.schema.node import encode_id

RESIDENT = Caller(Role.RESIDENT, encode_global_id("Account", 9001))
NEIGHBOUR = Caller(Role.RESIDENT, encode_global_id("Account", 9002))
STAFF_1 = Caller(Role.STATION_STAFF, encode_global_id("Account", 9003), claims={"station": 1})
STAFF_2 = Caller(Role.STATION_STAFF, encode_global_id("Account", 9004), claims={"station": 2})
PARTNER = Caller(Role.PARTNER, "partner-platform-1")

DEMAND_FIELDS = """id status priority basePriority raisedByKind
  approval { status decidedBy decidedAt reason }"""
RAISE = f"""mutation($input: RaiseDemandInput!) {{ raiseDemand(input: $input) {{
  demand {{ {DEMAND_FIELDS} }} errors {{ field code message }} }} }}"""
APPROVE = f"""mutation($id: ID!) {{ approveDemand(input: {{demandId: $id}}) {{
  demand {{ {DEMAND_FIELDS} }} errors {{ field code message messageZh }} }} }}"""
REJECT = f"""mutation($id: ID!, $reason: String!) {{
  rejectDemand(input: {{demandId: $id, reason: $reason}}) {{
  demand {{ {DEMAND_FIELDS} }} errors {{ field code message messageZh }} }} }}"""
NODE = f"""query($id: ID!) {{ node(id: $id) {{ ... on Demand {{ {DEMAND_FIELDS} }} }} }}"""
TO_APPROVE = """query($region: String) { demandsToApprove(regionCode: $region, first: 100) {
  totalCount edges { node { id status } } } }"""
MINE = f"""{{ myDemands(first: 50) {{ totalCount edges {{ node {{ {DEMAND_FIELDS} }} }} }} }}"""


def demand_input(station_id: int | None = 1, **extra: Any) -> dict[str, Any]:
    """A demand two days ahead (at a station, or wherever ``extra`` says)."""
    starts = datetime.now().astimezone() + timedelta(days=2)
    out: dict[str, Any] = {
        "title": "社区老年人健康讲座", "category": "health", "needed": 1,
        "requiredSkills": ["health"], "startsAt": starts.isoformat(),
        "endsAt": (starts + timedelta(hours=2)).isoformat()}
    if station_id is not None:
        out["stationId"] = encode_id("Station", station_id)
    return out | extra


STATION = "中原区新时代文明实践中心"  # station 1, in 郑州市中原区 (410102)


def when(days: int, hour: int) -> str:
    """A time in Beijing time as a spreadsheet holds it, ``days`` ahead."""
    day = datetime.now().astimezone() + timedelta(days=days)
    return f"{day:%Y-%m-%d} {hour:02d}:00"


def demand_row(ref: str, **overrides: object) -> dict[str, object]:
    """A good row of the demand template (at station 1), headers as in the template."""
    row: dict[str, object] = {
        "需求编号": ref, "需求标题": "社区老年人慢性病防治讲座", "服务类别": "医疗健康",
        "所需技能": "医疗健康", "需要人数": 2, "开始时间": when(3, 9), "结束时间": when(3, 11),
        "行政区划代码": "410102", "站点名称": STATION, "需求来源": "站点", "需要保险": "否"}
    row.update(overrides)
    return row


def demand_file(rows: list[dict[str, object]]) -> bytes:
    """The demand template with ``rows`` filled in below its example row."""
    template = io.BytesIO()
    write_template("demands", template)
    book = load_workbook(io.BytesIO(template.getvalue()))
    sheet = book["需求信息"]
    columns = {cell.value: cell.column for cell in sheet[1]}
    for n, row in enumerate(rows, start=3):
        for header, value in row.items():
            sheet.cell(row=n, column=columns[header], value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
