"""A fast reader for the cell values of a worksheet of an .xlsx file.

openpyxl's read-only iterator builds a dict and runs descriptor validation for every cell, which
costs about 10 µs a cell: a 100,000-row upload of 13 columns took over 13 s. This module reads
the same sheet XML with ``xml.etree.ElementTree.iterparse`` and converts values with exactly
openpyxl's rules (``WorkSheetParser.parse_cell`` in data-only mode): shared strings, inline
strings (phonetic runs left out), booleans, errors as text, numbers as int or float, numbers in
date styles as ``datetime`` via the workbook's epoch, ISO dates.

It relies on openpyxl's reader internals (the package, shared strings and date styles); when
any is missing, :class:`FastWorkbook` raises ``AttributeError`` and the caller uses openpyxl's
own iterator. A test compares both on the same workbooks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO
from xml.etree.ElementTree import Element, iterparse

from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _C, _V, _IS, _T, _R = (_NS + t for t in ("row", "c", "v", "is", "t", "r"))
_DIGITS = "0123456789"

RawRow = tuple[int, tuple[object, ...]]


@dataclass(frozen=True)
class SheetRef:
    """A worksheet of a workbook: its tab name, state (visible / hidden) and part path."""

    title: str
    state: str
    path: str


class FastWorkbook:
    """An .xlsx package opened with openpyxl's reader, without building worksheets.

    ``load_workbook(read_only=True)`` builds a ``ReadOnlyWorksheet`` for every sheet, and
    each one looks for the sheet's size: when the file has no ``<dimension>`` element (files
    written by openpyxl's write-only mode and some other tools), that reads the whole sheet,
    5 s for 100,000 rows, before a single value is read. This keeps what the values need
    (shared strings, date styles, the epoch) and reads only the chosen sheet, once.
    """

    def __init__(self, source: BinaryIO) -> None:
        reader = ExcelReader(source, read_only=True, data_only=True)
        self._reader = reader
        try:
            reader.read_manifest()
            reader.read_strings()
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
            wb: Any = reader.wb  # AttributeError here sends the caller to openpyxl's reader
            self._cells = _SheetReader(
                reader.shared_strings, wb._date_formats, wb._timedelta_formats, wb.epoch
            )
            self.sheets = [
                SheetRef(sheet.name, sheet.state or "visible", rel.target)
                for sheet, rel in reader.parser.find_sheets()
                if rel.target in reader.valid_files and "chartsheet" not in rel.Type
            ]
        except BaseException:
            self.close()
            raise

    def rows(self, sheet: SheetRef) -> list[RawRow]:
        """``(row_number, values)`` for every row of ``sheet`` (gaps filled with empty rows)."""
        with self._reader.archive.open(sheet.path) as source:
            return list(self._cells.rows(source))

    def close(self) -> None:
        self._reader.archive.close()


class _SheetReader:
    def __init__(self, shared: Any, dates: Any, timedeltas: Any, epoch: Any) -> None:
        self.shared = shared
        self.dates = dates
        self.timedeltas = timedeltas
        self.epoch = epoch
        self.columns: dict[str, int] = {}

    def rows(self, source: Any) -> Iterator[RawRow]:
        expected = 1
        for _, element in iterparse(source, events=("end",)):
            if element.tag != _ROW:
                continue
            number_text = element.get("r")
            number = int(number_text) if number_text else expected
            while expected < number:  # rows absent from the XML are empty
                yield expected, ()
                expected += 1
            yield number, self._values(element)
            expected = number + 1
            element.clear()

    def _values(self, row: Element) -> tuple[object, ...]:
        values: list[object] = []
        column = 0
        for cell in row:
            if cell.tag != _C:
                continue
            ref = cell.get("r")
            column = self._column(ref) if ref else column + 1
            if column > len(values):
                values.extend([None] * (column - len(values)))
            values[column - 1] = self._value(cell, ref)
        return tuple(values)

    def _column(self, ref: str) -> int:
        letters = ref.rstrip(_DIGITS)
        index = self.columns.get(letters)
        if index is None:
            index = self.columns[letters] = column_index_from_string(letters)
        return index

    def _value(self, cell: Element, ref: str | None) -> object:
        kind = cell.get("t", "n")
        if kind == "inlineStr":
            inline = cell.find(_IS)
            return None if inline is None else _inline_text(inline)
        text = cell.findtext(_V) or None
        if text is None:
            return None
        if kind == "n":
            number: int | float = (
                float(text) if "." in text or "E" in text or "e" in text else int(text)
            )
            style = int(cell.get("s", 0))
            if style in self.dates:
                try:
                    return from_excel(number, self.epoch, timedelta=style in self.timedeltas)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return number
        if kind == "s":
            return self.shared[int(text)]
        if kind == "b":
            return bool(int(text))
        if kind == "d":
            return from_ISO8601(text)
        return text  # "str" (a formula's text result) and "e" (an error such as #N/A)


def _inline_text(inline: Element) -> str:
    if len(inline) == 1 and inline[0].tag == _T:  # the usual <is><t>…</t></is>
        return inline[0].text or ""
    parts: list[str] = []
    for child in inline:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            parts.extend(t.text or "" for t in child.iter(_T))
    return "".join(parts)
