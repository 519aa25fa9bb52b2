"""Write the collective-registration templates (.xlsx) and the error report for an upload.

The templates follow seed 004's 《科技志愿者集体注册信息表》/《科技志愿服务组织集体注册信息表》: a
data sheet with Chinese headers (required ones in red), an example row marked 示例 that the
validators skip, drop-down lists for the vocabularies, ID/phone/code columns formatted as text
(``@``) so Excel keeps every digit, and a 填写说明 sheet.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import BinaryIO, Literal

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from hub.registration.columns import (
    EXAMPLE_MARK,
    ORGANIZATION_COLUMNS,
    SEQ_KEY,
    VOLUNTEER_COLUMNS,
    Column,
)
from hub.registration.demand_rows import DEMAND_COLUMNS
from hub.registration.errors import mask_middle
from hub.registration.results import FileIssue, RowError, RowWarning
from hub.registration.table import DATA_SHEET_NAMES, INSTRUCTIONS_SHEET_NAME
from hub.registration.vocab import DEFAULT_CRS

TemplateKind = Literal["volunteers", "organizations", "demands"]
Target = str | BinaryIO
#: Rows below the header that get text formats and drop-downs.
TEMPLATE_ROWS = 2000
REPORT_SHEET_NAME = "错误明细"
WARNING_SHEET_NAME = "提示"

_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_EXAMPLE_FONT = Font(italic=True, color="808080")
_LONG_DIGITS = re.compile(r"\d{11,}[\dXx]?")

_COMMON_NOTES = (
    "第2行为示例（“序号”列为“示例”），导入时自动跳过，可删除或保留；请从第3行起填写。",
    "表头为红色的列为必填项；列的顺序可以调整，但请勿修改表头文字。",
    "身份证号、手机号、行政区划代码列已设为文本格式。若显示为 4.10102E+17 之类的科学计数，"
    "说明已被 Excel 存成数字、末几位已丢失，须重新录入。",
    "可多选的列（人群类别、技能、服务领域）用“、”分隔多个值；下拉列表一次只能选一个，多选时请直接输入。",
    "坐标系：WGS84（GPS、天地图、北斗）、GCJ02（高德、腾讯）、BD09（百度）；"
    f"不填按 {DEFAULT_CRS} 处理。",
    "日期写成 2026-12-05 的形式（也接受 2026/12/5、2026年12月5日）。",
    "也可另存为 CSV（UTF-8 或 GBK 编码）后上传。",
)
_VOLUNTEER_NOTES = (
    "每行填写一名科技志愿者；同一文件中身份证号不能重复。",
    "注册条件：年满18周岁、高中（中专）及以上文化程度、实名注册（甘科协发〔2023〕11号）。",
    *_COMMON_NOTES,
)
_ORGANIZATION_NOTES = (
    "每行填写一支队伍；层级依次为 总队—队—支队—分队，下级层级须低于上级队伍。",
    "上级队伍须已在平台注册，或在本表中同时填写；同一上级下队伍名称不能重复。",
    "命名规则：省科协为“**省科技志愿服务总队”；学会、协会、研究会为“**学会科技志愿服务队”；"
    "专委会为“**学会科技志愿服务队**专委会支队”；市州为“**市（州）科技志愿服务队”；"
    "县区为“**县（区）科技志愿服务队”；其他单位为“**单位科技志愿服务队”。",
    *_COMMON_NOTES,
)
_DEMAND_NOTES = (
    "每行填写一条群众需求（点单），由新时代文明实践中心、党群服务中心等站点收集后汇总导入。",
    "需求编号在本单位内唯一；再次导入同一文件时，已导入的编号自动跳过，不会重复。",
    "时间按北京时间填写，如 2026-12-20 09:00；开始时间须晚于导入时间，服务时段最长72小时。",
    "服务地点：填写站点名称（须与平台上的站点全称一致），或填写经纬度；坐标须在所填行政区划内。",
    "调度员只能导入本辖区的需求；导入后需求直接进入待派单状态（无需再审核）。",
    "老少边贫地区的需求，优先级按平台规则自动提高。",
    *_COMMON_NOTES[:2],
    "可多选的列（所需技能）用“、”分隔多个值。",
    "也可另存为 CSV（UTF-8 或 GBK 编码）后上传。",
)


def write_template(kind: TemplateKind, path: Target) -> None:
    """Write the ``"volunteers"``, ``"organizations"`` or ``"demands"`` template to ``path``
    (or a file)."""
    notes: tuple[str, ...]
    if kind == "volunteers":
        columns, sheet_name, notes = VOLUNTEER_COLUMNS, DATA_SHEET_NAMES[0], _VOLUNTEER_NOTES
    elif kind == "organizations":
        columns, sheet_name, notes = ORGANIZATION_COLUMNS, DATA_SHEET_NAMES[1], _ORGANIZATION_NOTES
    elif kind == "demands":
        columns, sheet_name, notes = DEMAND_COLUMNS, DATA_SHEET_NAMES[2], _DEMAND_NOTES
    else:
        raise ValueError(f"unknown template kind {kind!r}; use 'volunteers', 'organizations' "
                         "or 'demands'")
    workbook = Workbook()
    data = workbook.active
    assert data is not None  # a new workbook always has one sheet
    data.title = sheet_name
    _write_data_sheet(data, columns)
    _write_instructions(workbook.create_sheet(INSTRUCTIONS_SHEET_NAME), columns, notes)
    workbook.save(path)


def _write_data_sheet(ws: Worksheet, columns: tuple[Column, ...]) -> None:
    for number, column in enumerate(columns, start=1):
        letter = get_column_letter(number)
        header = ws.cell(row=1, column=number, value=column.header)
        header.font = Font(bold=True, color="C00000" if column.required else "000000")
        header.fill = _HEADER_FILL
        header.border = _BORDER
        header.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if column.help:
            header.comment = Comment(column.help, "科技志愿服务")
        ws.column_dimensions[letter].width = column.width + 2
        number_format = "@" if column.text_format else "yyyy-mm-dd" if column.date_format else None
        if number_format:
            ws.column_dimensions[letter].number_format = number_format
            for row in range(2, TEMPLATE_ROWS + 2):
                ws.cell(row=row, column=number).number_format = number_format
        _write_example(ws.cell(row=2, column=number), column)
        if column.dropdown:
            ws.add_data_validation(_dropdown(column, f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"))
    ws.row_dimensions[1].height = 30
    ws.freeze_panes = "B2"


def _write_example(cell: Cell | MergedCell, column: Column) -> None:
    value: str | float | None = EXAMPLE_MARK if column.key == SEQ_KEY else column.example
    if column.date_format and isinstance(value, str):
        cell.value = date.fromisoformat(value)
    elif value is not None:
        cell.value = value
    cell.font = _EXAMPLE_FONT
    if column.key == SEQ_KEY:
        cell.comment = Comment("示例行：导入时自动跳过，可删除。", "科技志愿服务")


def _dropdown(column: Column, cells: str) -> DataValidation:
    formula = '"' + ",".join(column.dropdown) + '"'
    if len(formula) > 255:  # Excel's limit for an inline list
        raise ValueError(f"drop-down list of {column.header} is too long for Excel")
    validation = DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=not column.multi,
        showInputMessage=bool(column.help),
        errorTitle=column.header[:32],
        error="请从下拉列表中选择",
        promptTitle=column.header[:32],
        prompt=column.help[:255] or None,
    )
    validation.add(cells)
    return validation


def _write_instructions(ws: Worksheet, columns: tuple[Column, ...], notes: tuple[str, ...]) -> None:
    ws.cell(row=1, column=1, value="填写说明").font = Font(bold=True, size=14)
    row = 2
    for number, note in enumerate(notes, start=1):
        ws.cell(row=row, column=1, value=f"{number}. {note}").alignment = Alignment(wrap_text=True)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
        ws.row_dimensions[row].height = 32
        row += 1
    row += 1
    for number, title in enumerate(("列名", "是否必填", "可选值", "填写说明"), start=1):
        cell = ws.cell(row=row, column=number, value=title)
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BORDER
    for column in columns:
        row += 1
        values = (
            column.header,
            "必填" if column.required else "选填",
            "、".join(column.dropdown),
            column.help,
        )
        for number, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=number, value=value)
            cell.border, cell.alignment = _BORDER, Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCD", (20, 10, 40, 60), strict=True):
        ws.column_dimensions[letter].width = width


def write_report(
    errors: Iterable[RowError],
    path: Target,
    *,
    file_errors: Iterable[FileIssue] = (),
    warnings: Iterable[RowWarning] = (),
) -> None:
    """Write an .xlsx listing every rejected field: 行号, 列名, 填写内容 (masked), 原因.

    File-level errors come first (行号 ``文件``); row warnings, if any, go to a 提示 sheet.
    Any run of 11+ digits left in a value is masked again, as a second line of defence.
    """
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = REPORT_SHEET_NAME
    _report_header(ws)
    for issue in file_errors:
        ws.append(["文件", "", "", issue.message_zh, issue.message])
    for error in sorted(errors, key=lambda e: e.row_number):
        _append_safe(
            ws, [error.row_number, error.column, error.value_masked, error.reason_zh, error.reason]
        )
    warning_list = list(warnings)
    if warning_list:
        sheet = workbook.create_sheet(WARNING_SHEET_NAME)
        _report_header(sheet)
        for w in sorted(warning_list, key=lambda w: w.row_number):
            _append_safe(sheet, [w.row_number, w.column, w.value_masked, w.reason_zh, w.reason])
    workbook.save(path)


def _report_header(ws: Worksheet) -> None:
    ws.append(["行号", "列名", "填写内容", "原因", "Reason"])
    for cell in ws[1]:
        cell.font, cell.fill, cell.border = Font(bold=True), _HEADER_FILL, _BORDER
    for letter, width in zip("ABCDE", (8, 18, 24, 50, 60), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


def _append_safe(ws: Worksheet, values: list[str | int]) -> None:
    """Append a row of text that is never taken as a formula, with long digit runs masked."""
    row = ws.max_row + 1
    for number, value in enumerate(values, start=1):
        cell = ws.cell(row=row, column=number)
        if isinstance(value, str):
            cell.value = _LONG_DIGITS.sub(lambda m: mask_middle(m.group()), value)
            cell.data_type = "s"  # a value such as "=HYPERLINK(…)" stays text
        else:
            cell.value = value
