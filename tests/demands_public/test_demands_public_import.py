"""点单导入: a dispatcher imports the demands stations collected, from the demand template, with
the volunteers' import's per-row report; nothing half-applied; importing again adds nothing."""

from __future__ import annotations

import base64
import io
from typing import Any

import psycopg
from openpyxl import load_workbook
from starlette.datastructures import UploadFile

from hub.auth import Caller, Role
from tests.demands_public.demands_world import demand_file, when
from tests.demands_public.demands_world import demand_row as _row
from tests.seeded import Gql, errors_of
from tests.workflow.workflow_world import ADMIN, ZHENGZHOU, one

IMPORT = """mutation($file: Upload!, $all: Boolean!) { importDemands(input: {file: $file,
  allOrNothing: $all}) { rowsRead imported skipped rejected loaded reportXlsxBase64
  rowErrors { row column value reason reasonZh } rowNotes { row column value reasonZh }
  errors { field code message } } }"""
async def _import(gql: Gql, data: bytes, caller: Caller = ZHENGZHOU,
                  all_or_nothing: bool = False) -> dict[str, Any]:
    upload = UploadFile(io.BytesIO(data), filename="点单.xlsx")
    out = await gql.data(IMPORT, {"file": upload, "all": all_or_nothing}, caller=caller)
    return dict(out["importDemands"])


MIXED = [
    _row("ZY-001"),
    _row("ZY-002", 站点名称=None, 服务地点经度=113.62, 服务地点纬度=34.75, 需求来源=None),
    _row("ZY-003", 服务类别="占卜"),
    _row("ZY-004", 需要人数=0),
    _row("ZY-005", 行政区划代码="620102", 站点名称=None, 服务地点经度=103.83,
         服务地点纬度=36.06),
    _row("ZY-006", 结束时间=when(3, 8)),
    _row("ZY-007", 站点名称="不存在的站点"),
    _row("ZY-001", 需求标题="重复编号"),
]


async def test_good_rows_load_and_bad_rows_are_reported_row_by_row(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    out = await _import(gql, demand_file(MIXED))
    assert out["errors"] == [] and out["loaded"]
    assert (out["rowsRead"], out["imported"], out["skipped"], out["rejected"]) == (8, 2, 0, 6)
    by_row = {e["row"]: e for e in out["rowErrors"]}
    assert sorted(by_row) == [5, 6, 7, 8, 9, 10]  # the file's rows (header 1, example 2)
    assert by_row[5]["column"] == "服务类别" and by_row[5]["value"] == "占卜"
    assert by_row[6]["column"] == "需要人数" and "1～500" in by_row[6]["reasonZh"]
    assert by_row[7]["column"] == "行政区划代码" and "管辖" in by_row[7]["reasonZh"]
    assert by_row[8]["column"] == "结束时间" and "not after" in by_row[8]["reason"]
    assert by_row[9]["column"] == "站点名称" and by_row[9]["value"] == "不存在的站点"
    assert by_row[10]["column"] == "需求编号" and "第3行" in by_row[10]["reasonZh"]
    report = load_workbook(io.BytesIO(base64.b64decode(out["reportXlsxBase64"])))
    assert report["错误明细"].max_row == 1 + 6
    rows = await (await aconn.execute(
        "SELECT external_ref, status, raised_by, raised_by_kind, station_id, external_scope, "
        "import_batch_id IS NOT NULL FROM demand WHERE external_ref LIKE 'ZY-%' "
        "ORDER BY external_ref")).fetchall()
    assert rows == [("ZY-001", "open", "dispatcher:d-zz", "station", 1, "410100000000", True),
                    ("ZY-002", "open", "dispatcher:d-zz", "community", None, "410100000000",
                     True)]


async def test_importing_the_same_file_again_adds_nothing(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    data = demand_file(MIXED)
    await _import(gql, data)
    again = await _import(gql, data)
    assert (again["imported"], again["skipped"], again["rejected"]) == (0, 2, 6)
    notes = {n["row"]: n for n in again["rowNotes"]}
    assert sorted(notes) == [3, 4] and notes[3]["column"] == "需求编号"
    assert "已导入" in notes[3]["reasonZh"]
    assert await one(aconn, "SELECT count(*) FROM demand WHERE external_ref LIKE 'ZY-%'") == 2


async def test_all_or_nothing_loads_nothing_when_a_row_is_bad(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    before = await one(aconn, "SELECT count(*) FROM demand")
    batches = await one(aconn, "SELECT count(*) FROM import_batch")
    out = await _import(gql, demand_file(MIXED), all_or_nothing=True)
    assert not out["loaded"] and out["imported"] == 0 and out["rejected"] == 6
    assert len(out["rowErrors"]) == 6
    assert await one(aconn, "SELECT count(*) FROM demand") == before
    assert await one(aconn, "SELECT count(*) FROM import_batch") == batches
    good = await _import(gql, demand_file(MIXED[:2]), all_or_nothing=True)
    assert good["loaded"] and good["imported"] == 2 and good["reportXlsxBase64"] is None


async def test_an_imported_demand_in_a_poor_county_gets_the_raised_priority(
        gql: Gql, aconn: psycopg.AsyncConnection[Any]):
    lon, lat = await one(aconn, "SELECT ST_X(centroid_geom), ST_Y(centroid_geom) FROM region "
                                "WHERE code = '410225000000'")
    out = await _import(gql, demand_file([_row("LK-1", 行政区划代码="410225", 站点名称=None,
                                         服务地点经度=lon, 服务地点纬度=lat, 优先级=1.5)]),
                        caller=ADMIN)
    assert out["imported"] == 1, out["rowErrors"]
    row = await (await aconn.execute(
        "SELECT priority, base_priority, priority_rule_id IS NOT NULL, external_scope "
        "FROM demand WHERE external_ref = 'LK-1'")).fetchone()
    assert row == (3.0, 1.5, True, "")


async def test_who_may_import_demands(gql: Gql):
    data = demand_file(MIXED[:1])
    for caller in (Caller(Role.ORG_ADMIN, "o", org=1), Caller(Role.PARTNER, "p"),
                   Caller(Role.RESIDENT, "r")):
        result = await gql(IMPORT, {"file": UploadFile(io.BytesIO(data), filename="a.xlsx"),
                                    "all": False}, caller=caller)
        [(code, _)] = errors_of(result)
        assert code == "FORBIDDEN", caller


async def test_an_unreadable_file_and_the_template(gql: Gql):
    out = await _import(gql, b"not a spreadsheet")
    assert not out["loaded"] and out["errors"][0]["field"] == "file"
    assert out["errors"][0]["code"] == "INVALID"
    template = (await gql.data("{ demandImportTemplate }"))["demandImportTemplate"]
    book = load_workbook(io.BytesIO(base64.b64decode(template)))
    assert book.sheetnames == ["需求信息", "填写说明"]
    headers = [c.value for c in book["需求信息"][1]]
    assert headers[:3] == ["序号", "需求编号", "需求标题"]
    missing = demand_file([{"需求编号": "X"}])
    out = await _import(gql, missing)
    assert out["rejected"] == 1 and {e["column"] for e in out["rowErrors"]} >= {
        "需求标题", "服务类别", "需要人数", "开始时间", "结束时间", "行政区划代码"}
