"""Templates written and read back; the error report."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from registration_ids import MakeId

from hub.registration.columns import ORGANIZATION_COLUMNS, VOLUNTEER_COLUMNS
from hub.registration.results import FileIssue, RowError, RowWarning
from hub.registration.rows import validate_organization_rows, validate_volunteer_rows
from hub.registration.table import read_table
from hub.registration.templates import write_report, write_template

TODAY = date(2026, 5, 1)


def _validations(ws: Worksheet) -> dict[str, str]:
    """Header of the validated column → the list formula."""
    headers = {get_column_letter(n): cell.value for n, cell in enumerate(ws[1], start=1)}
    found = {}
    for validation in ws.data_validations.dataValidation:
        letter = str(validation.sqref).split(":")[0].rstrip("0123456789")
        found[str(headers[letter])] = str(validation.formula1)
    return found


def test_volunteer_template_structure(tmp_path: Path) -> None:
    path = tmp_path / "科技志愿者集体注册信息表.xlsx"
    write_template("volunteers", str(path))
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["志愿者信息", "填写说明"]
    ws = workbook["志愿者信息"]
    assert [c.value for c in ws[1]] == [c.header for c in VOLUNTEER_COLUMNS]
    assert ws["A2"].value == "示例" and ws["A2"].comment is not None
    validations = _validations(ws)
    assert validations["学历"] == '"高中/中专,大专,本科,硕士,博士"'
    assert validations["性别"] == '"男,女"'
    assert validations["坐标系"] == '"WGS84,GCJ02,BD09"'
    assert validations["技能等级"] == '"1,2,3,4,5"'
    assert "科技馆讲解员" in validations["人群类别"] and "科学辟谣" in validations["技能"]
    assert "队长" in validations["队伍内角色"]
    headers = [c.value for c in ws[1]]
    for header in ("身份证号", "手机号", "居住地行政区划代码"):
        letter = get_column_letter(headers.index(header) + 1)
        assert ws[f"{letter}3"].number_format == "@"
        assert ws.column_dimensions[letter].width and ws.column_dimensions[letter].width > 10
    assert ws["B1"].font.bold
    notes = " ".join(
        str(c.value) for row in workbook["填写说明"].iter_rows() for c in row if c.value
    )
    assert "示例" in notes and "18周岁" in notes and "WGS84" in notes and "、" in notes


def test_template_reads_back_with_the_example_skipped(tmp_path: Path, make_id: MakeId) -> None:
    path = tmp_path / "v.xlsx"
    write_template("volunteers", str(path))
    empty = validate_volunteer_rows(read_table(path), today=TODAY)
    assert empty.ok and empty.example_rows == [2] and not empty.good and not empty.warnings

    workbook = load_workbook(path)
    ws = workbook["志愿者信息"]
    headers = [c.value for c in ws[1]]
    entries: dict[str, str | int] = {
        "序号": 1,
        "姓名": "赵敏",
        "身份证号": make_id(seq="224"),
        "手机号": "13700001111",
        "学历": "高中/中专",
        "技能": "应急安全、生物安全",
        "技能等级": "5",
    }
    for header, value in entries.items():
        ws.cell(row=3, column=headers.index(header) + 1, value=value)
    workbook.save(path)
    results = validate_volunteer_rows(read_table(path), today=TODAY)
    assert results.ok and results.example_rows == [2]
    (row,) = results.good
    assert row.row_number == 3 and row.gender == "female" and row.education == "high_school"

    # The example itself is valid data: unmarked, it would be accepted.
    ws["A2"] = 0
    workbook.save(path)
    assert len(validate_volunteer_rows(read_table(path), today=TODAY).good) == 2


def test_organization_template(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    write_template("organizations", buffer)
    workbook = load_workbook(io.BytesIO(buffer.getvalue()))
    assert workbook.sheetnames == ["队伍信息", "填写说明"]
    ws = workbook["队伍信息"]
    assert [c.value for c in ws[1]] == [c.header for c in ORGANIZATION_COLUMNS]
    assert _validations(ws)["层级"] == '"总队,队,支队,分队"'
    results = validate_organization_rows(read_table(buffer.getvalue(), "o.xlsx"), today=TODAY)
    assert results.ok and results.example_rows == [2]
    ws["A2"] = None
    unmarked = io.BytesIO()
    workbook.save(unmarked)
    results = validate_organization_rows(read_table(unmarked.getvalue(), "o.xlsx"), today=TODAY)
    assert results.ok and not results.row_warnings and results.good[0].level == "detachment"


def test_unknown_template_kind(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown template kind"):
        write_template("stations", str(tmp_path / "x.xlsx"))  # type: ignore[arg-type]


def test_report_lists_every_rejected_field(tmp_path: Path, make_id: MakeId) -> None:
    text = (
        "姓名,身份证号,手机号,学历\n张,4.10102E+17,12812345678,初中\n王小明,{},13912345678,本科\n"
    )
    results = validate_volunteer_rows(
        read_table(text.format(make_id()).encode(), "a.csv"), today=TODAY
    )
    assert len(results.errors) == 4
    path = tmp_path / "错误报告.xlsx"
    extra = RowError(9, "备注", '=HYPERLINK("http://x")', "bad", "坏")
    leaked = RowError(10, "身份证号", "11010519491231002X", "bad", "坏")
    write_report(
        [*results.errors, extra, leaked],
        str(path),
        file_errors=[FileIssue("required columns are missing: 性别", "缺少必填列：性别")],
        warnings=[RowWarning(3, "保险有效期至", "2025-01-01", "expired", "保险已过期")],
    )
    workbook = load_workbook(path)
    assert workbook.sheetnames == ["错误明细", "提示"]
    rows = [[c.value for c in row] for row in workbook["错误明细"].iter_rows()]
    assert rows[0] == ["行号", "列名", "填写内容", "原因", "Reason"]
    assert rows[1][0] == "文件" and rows[1][3] == "缺少必填列：性别"
    body = rows[2:]
    assert [(r[0], r[1]) for r in body] == [
        (2, "姓名"),
        (2, "身份证号"),
        (2, "手机号"),
        (2, "学历"),
        (9, "备注"),
        (10, "身份证号"),
    ]
    assert body[2][2] == "128****5678"
    assert body[3][3] == "学历须为高中（中专）及以上"
    assert body[3][4] == "education must be high school or above"
    assert body[4][2] == '=HYPERLINK("http://x")'
    assert workbook["错误明细"]["C7"].data_type == "s"
    assert body[5][2] == "110***********002X"
    assert workbook["提示"]["D2"].value == "保险已过期"
