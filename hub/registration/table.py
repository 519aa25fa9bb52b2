"""Read an uploaded spreadsheet (.xlsx or .csv) into headers and rows, nothing more.

* **.xlsx** — python-calamine (Rust's calamine: 100,000 rows of 13 columns in about 2 s; a sheet
  without a ``<dimension>`` is read once, like any other). Formulas give their cached values (a
  formula never calculated, or a cell holding an error such as ``#N/A``, reads as empty); numbers
  are floats, date cells ``datetime`` (midnight for a date, as openpyxl gives them). The sheet is
  the template's data sheet when present (:data:`DATA_SHEET_NAMES`), else the first visible
  sheet that is not the instructions sheet.
* **.csv** — UTF-8 with or without BOM, UTF-16 with BOM, else GB18030 (a superset of GBK and
  GB2312, what Excel on Chinese Windows writes). Decoding is strict: a file that is none of
  these is rejected, never decoded with replacement characters. Comma, tab or semicolon
  separated (decided from the header line).

The header row is the first row with at least two filled cells among the first
:data:`HEADER_SEARCH_ROWS` rows, so a merged title row above the headers is skipped. Wholly
empty rows are dropped; every kept row carries its 1-based row number in the spreadsheet
(for CSV: its line's record number, counting the header as 1 when it is the first line).
Values are left as they are (text, numbers, dates) for the validators to judge.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import BinaryIO

from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from hub.registration.normalize import clean_text, is_blank

DATA_SHEET_NAMES = ("志愿者信息", "队伍信息", "需求信息")
INSTRUCTIONS_SHEET_NAME = "填写说明"
HEADER_SEARCH_ROWS = 20
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

Source = str | os.PathLike[str] | bytes | BinaryIO


class TableError(ValueError):
    """The file as a whole cannot be read; ``message_zh`` is for the person who uploaded it."""

    def __init__(self, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.message = message
        self.message_zh = message_zh


@dataclass(frozen=True, slots=True)
class TableRow:
    """One non-empty data row: its spreadsheet row number and one value per header."""

    row_number: int
    values: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """Headers (cleaned text, ``""`` for a blank header cell) and the data rows below them."""

    headers: tuple[str, ...]
    rows: list[TableRow]
    header_row: int = 1
    sheet_name: str | None = None
    encoding: str | None = None
    warnings: tuple[str, ...] = field(default=())


def read_table(
    source: Source, filename: str | None = None, *, max_rows: int | None = None
) -> Table:
    """Read ``source`` (a path, bytes or a binary file object) as .xlsx or .csv.

    The kind comes from ``filename`` (or the path's name) and is checked against the content.
    ``max_rows`` caps the number of data rows; more raise :class:`TableError`.
    """
    if isinstance(source, str | os.PathLike):
        path = Path(source)
        name, data = filename or path.name, path.read_bytes()
    else:
        name = filename or ""
        data = source if isinstance(source, bytes) else source.read()
    suffix = Path(name).suffix.lower()
    if data.startswith(_OLE_MAGIC):
        raise TableError(
            "this is a legacy .xls or a password-protected workbook; save it as .xlsx "
            "(without a password) and upload again",
            "这是旧版 .xls 或加密的工作簿，请另存为不加密的 .xlsx 后重新上传",
        )
    if suffix in {".xlsx", ".xlsm"} or (not suffix and data.startswith(_ZIP_MAGIC)):
        if not data.startswith(_ZIP_MAGIC):
            raise TableError("not a valid .xlsx file", "不是有效的 .xlsx 文件")
        rows, sheet = _xlsx_rows(data)
        return _build(rows, max_rows=max_rows, sheet_name=sheet, encoding=None)
    if suffix in {".csv", ".txt", ""}:
        if data.startswith(_ZIP_MAGIC):
            raise TableError(
                "the file is a workbook, not CSV; name it .xlsx", "该文件是 Excel 工作簿，不是 CSV"
            )
        text, encoding = decode_csv_bytes(data)
        return _build(_csv_rows(text), max_rows=max_rows, sheet_name=None, encoding=encoding)
    raise TableError(
        f"unsupported file type {suffix!r}; upload .xlsx or .csv",
        f"不支持的文件类型 {suffix}，请上传 .xlsx 或 .csv 文件",
    )


def decode_csv_bytes(raw: bytes) -> tuple[str, str]:
    """Decode CSV bytes strictly; return the text and the encoding used."""
    if raw.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text, encoding
    raise TableError(
        "the CSV file is neither UTF-8 nor GBK/GB18030 text; save it as 'CSV UTF-8' and retry",
        "CSV 文件既不是 UTF-8 也不是 GBK 编码的文本，请另存为“CSV UTF-8”后重新上传",
    )


def _csv_rows(text: str) -> list[tuple[int, tuple[object, ...]]]:
    first_line = text.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(number, tuple(row)) for number, row in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise TableError(
            f"the CSV file is malformed near record {reader.line_num}: {exc}",
            f"CSV 文件格式错误（约第 {reader.line_num} 行）",
        ) from None


def _xlsx_rows(data: bytes) -> tuple[list[tuple[int, tuple[object, ...]]], str]:
    """``(row number, values)`` of the chosen sheet, from row 1 (empty rows included)."""
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except CalamineError as exc:
        raise _not_xlsx(exc) from None
    with workbook:
        sheets = [s for s in workbook.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]
        if not sheets:
            raise TableError("the workbook has no worksheet", "工作簿中没有工作表")
        chosen = sheets[_choose_sheet([
            (s.name, "visible" if s.visible == SheetVisibleEnum.Visible else "hidden")
            for s in sheets])].name
        try:
            values = workbook.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
        except CalamineError as exc:
            raise _not_xlsx(exc) from None
    # A date cell becomes a datetime at midnight, as openpyxl gives it (and validators see).
    return [(number, tuple(_at_midnight(v) for v in row) if date in map(type, row)
             else tuple(row)) for number, row in enumerate(values, start=1)], chosen


def _at_midnight(value: object) -> object:
    return datetime.combine(value, time()) if type(value) is date else value


def _not_xlsx(exc: Exception) -> TableError:
    return TableError(
        f"not a valid .xlsx file ({exc.__class__.__name__})", "不是有效的 .xlsx 文件"
    )


def _choose_sheet(sheets: list[tuple[str, str]]) -> int:
    """The template's data sheet, else the first visible sheet that is not the instructions."""
    for wanted in (
        lambda title, _: title.strip() in DATA_SHEET_NAMES,
        lambda title, state: title.strip() != INSTRUCTIONS_SHEET_NAME and state == "visible",
    ):
        for index, (title, state) in enumerate(sheets):
            if wanted(title, state):
                return index
    return 0


def _build(
    raw_rows: list[tuple[int, tuple[object, ...]]],
    *,
    max_rows: int | None,
    sheet_name: str | None,
    encoding: str | None,
) -> Table:
    header_at = _find_header(raw_rows)
    if header_at is None:
        raise TableError("the file has no header row", "文件中没有表头行")
    header_number, header_values = raw_rows[header_at]
    headers = tuple(clean_text(v) or "" for v in header_values)
    while headers and not headers[-1]:
        headers = headers[:-1]
    width = len(headers)
    rows: list[TableRow] = []
    overflow = False
    for number, values in raw_rows[header_at + 1 :]:
        if all(is_blank(v) for v in values):
            continue
        if len(values) > width:
            overflow = overflow or any(not is_blank(v) for v in values[width:])
            values = values[:width]
        elif len(values) < width:
            values = values + (None,) * (width - len(values))
        rows.append(TableRow(number, tuple(None if v == "" else v for v in values)))
        if max_rows is not None and len(rows) > max_rows:
            raise TableError(
                f"the file has more than {max_rows} data rows; split it",
                f"数据超过 {max_rows} 行，请拆分后分批上传",
            )
    warnings = ("values in columns without a header were ignored",) if overflow else ()
    return Table(headers, rows, header_number, sheet_name, encoding, warnings)


def _find_header(raw_rows: list[tuple[int, tuple[object, ...]]]) -> int | None:
    first_filled = None
    for index, (_, values) in enumerate(raw_rows[:HEADER_SEARCH_ROWS]):
        filled = sum(not is_blank(v) for v in values)
        if filled >= 2:
            return index
        if filled and first_filled is None:
            first_filled = index
    return first_filled
