"""Spreadsheets the provincial office sends (openpyxl): sheets of rows under Chinese headers
with the English beside, bold and frozen, columns sized to their text. Pure: rows in, bytes
out."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

Cell = str | int | float | Decimal | date | datetime | bool | None
_HEAD = PatternFill("solid", fgColor="DDEBF7")


@dataclass
class Sheet:
    """One sheet: its title (≤ 31 characters), headers ("服务时长（小时） Hours") and rows; an
    optional note written above the headers (what the figures mean)."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]] = ()
    note: str | None = None


def _plain(value: Any) -> Cell:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return value


def workbook(sheets: Iterable[Sheet]) -> bytes:
    """The sheets as an .xlsx file's bytes."""
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for sheet in sheets:
        ws = book.create_sheet(sheet.title[:31])
        top = 1
        if sheet.note:
            ws.cell(row=1, column=1, value=sheet.note).font = Font(italic=True)
            top = 2
        for col, header in enumerate(sheet.headers, start=1):
            cell = ws.cell(row=top, column=col, value=header)
            cell.font, cell.fill = Font(bold=True), _HEAD
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for r, row in enumerate(sheet.rows, start=top + 1):
            for col, value in enumerate(row, start=1):
                ws.cell(row=r, column=col, value=_plain(value))
        ws.freeze_panes = ws.cell(row=top + 1, column=1)
        for col, header in enumerate(sheet.headers, start=1):
            longest = max([len(str(header)) // 2 + 2,
                           *(len(str(row[col - 1])) for row in sheet.rows[:200]
                             if col - 1 < len(row))])
            ws.column_dimensions[get_column_letter(col)].width = min(60, max(10, longest + 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

