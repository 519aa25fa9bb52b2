"""Reading .xlsx uploads (python-calamine): cell types, sheets, row numbers, odd packages."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from hub.registration.idcard import parse_id_number
from hub.registration.normalize import FieldError
from hub.registration.table import Table, read_table

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"

# A workbook as Excel writes it: shared strings (one rich, one with a phonetic run and an
# entity), a date style, booleans, an error, a formula's cached text, missing rows, cells
# without references and column gaps.
_FILES = {
    "[Content_Types].xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<Types xmlns="{_PKG}/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/sharedStrings.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
<Override PartName="/xl/styles.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>""",
    "_rels/.rels": f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{_PKG}/relationships">
<Relationship Id="rId1" Target="xl/workbook.xml"
 Type="{_REL}/officeDocument"/></Relationships>""",
    "xl/workbook.xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>
<sheet name="志愿者信息" sheetId="1" r:id="rId1"/></sheets></workbook>""",
    "xl/_rels/workbook.xml.rels": f"""<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="{_PKG}/relationships">
<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>
<Relationship Id="rId3" Type="{_REL}/styles" Target="styles.xml"/></Relationships>""",
    "xl/styles.xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="{_MAIN}"><fonts count="1"><font/></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>
<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/>
<xf numFmtId="49" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>""",
    "xl/sharedStrings.xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="{_MAIN}" count="6" uniqueCount="6">
<si><t>姓名</t></si><si><t>身份证号</t></si><si><t>保险有效期至</t></si>
<si><r><rPr><b/></rPr><t>王</t></r><r><t xml:space="preserve">小明 </t></r></si>
<si><t>张&amp;三</t><rPh sb="0" eb="1"><t>ちょう</t></rPh></si>
<si><t>11010519491231002X</t></si></sst>""",
    "xl/worksheets/sheet1.xml": f"""<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="{_MAIN}"><dimension ref="A1:C1"/><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c>
</row>
<row r="2"><c r="A2" t="s"><v>3</v></c><c r="B2" s="2" t="s"><v>5</v></c>
<c r="C2" s="1"><v>46387</v></c></row>
<row r="4"><c t="s"><v>4</v></c><c><v>4.10102199003071E+17</v></c><c s="1"><v>46387.5</v></c>
<c><v>13800138000</v></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c>
<c t="str"><f>A4&amp;""</f><v>张&amp;三</v></c><c r="K4" t="inlineStr"><is><t>行内</t></is></c>
</row>
<row r="5"><c r="B5"><v>3.5</v></c><c r="C5" t="s"/></row>
</sheetData></worksheet>""",
}


def _excel_like_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in _FILES.items():
            archive.writestr(name, text.encode())
    return buffer.getvalue()


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _values(table: Table) -> dict[int, tuple[object, ...]]:
    return {row.row_number: row.values for row in table.rows}


def test_excel_like_workbook() -> None:
    table = read_table(_excel_like_workbook(), "excel.xlsx")
    assert table.sheet_name == "志愿者信息"
    assert table.headers == ("姓名", "身份证号", "保险有效期至")
    # Row 3 is absent from the XML, so empty: row numbers are the spreadsheet's.
    assert [r.row_number for r in table.rows] == [2, 4, 5]
    rows = _values(table)
    # Rich text joined; a text-formatted ID number stays text; a date style gives a datetime.
    assert rows[2] == ("王小明 ", "11010519491231002X", datetime(2026, 12, 31))
    # Phonetic runs left out, entities decoded; an ID number typed as a number stays a
    # number (the validators refuse it); a date with a time part is a datetime.
    assert rows[4] == ("张&三", 4.10102199003071e17, datetime(2026, 12, 31, 12))
    assert rows[5] == (None, 3.5, None)
    assert table.warnings  # row 4 has values beyond the three headed columns


def test_cells_beyond_the_headers_keep_their_types() -> None:
    # Read with a header as wide as row 4: numbers, booleans, an error (empty), a formula's
    # cached text, an inline string after a gap of columns without references.
    sheet = _FILES["xl/worksheets/sheet1.xml"].replace(
        '<row r="1">', '<row r="1"><c r="K1" t="inlineStr"><is><t>K</t></is></c>', 1)
    table = read_table(_package(sheet), "excel.xlsx")
    assert len(table.headers) == 11
    row = _values(table)[4]
    assert row[3:8] == (13800138000, True, None, "张&三", None)
    assert row[10] == "行内"


def _package(sheet_xml: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in {**_FILES, "xl/worksheets/sheet1.xml": sheet_xml}.items():
            archive.writestr(name, text.encode())
    return buffer.getvalue()


def test_an_id_number_stored_as_a_number_is_refused() -> None:
    value = _values(read_table(_excel_like_workbook(), "excel.xlsx"))[4][1]
    with pytest.raises(FieldError):
        parse_id_number(value)


def test_openpyxl_written_workbook() -> None:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.append(["姓名", "数", "日期", "真", "x", "y"])
    ws.append(["李四", 1, datetime(2026, 1, 2, 3, 4), False])
    ws["F7"] = CellRichText("富", TextBlock(InlineFont(b=True), "文本"))
    ws["B9"] = "=1+1"  # a formula with no cached value reads as empty
    ws["C9"] = "#DIV/0!"  # openpyxl writes an error cell
    table = read_table(_saved(workbook), "w.xlsx")
    rows = _values(table)
    assert rows[2] == ("李四", 1, datetime(2026, 1, 2, 3, 4), False, None, None)
    assert rows[7][5] == "富文本"
    assert 9 not in rows  # both read as empty, so the row is blank and left out


def test_the_chosen_sheet_skips_instructions_and_hidden_sheets() -> None:
    workbook = Workbook()
    notes = workbook.active
    assert notes is not None
    notes.title = "填写说明"
    notes.append(["说明", "请勿删除"])
    hidden = workbook.create_sheet("草稿")
    hidden.sheet_state = "hidden"
    hidden.append(["旧", "数据"])
    data = workbook.create_sheet("名单")
    data.append(["姓名", "出生日期"])
    data.append(["李四", datetime(1990, 3, 7)])
    table = read_table(_saved(workbook), "t.xlsx")
    assert table.sheet_name == "名单"
    assert _values(table) == {2: ("李四", datetime(1990, 3, 7))}


def test_a_sheet_without_a_dimension_element() -> None:
    """Write-only workbooks carry no <dimension>; every row is still read, numbered."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("志愿者信息")
    sheet.append(["姓名", "手机号"])
    for i in range(50):
        sheet.append([f"张{i}", 13800138000 + i])
    data = _saved(workbook)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert b"<dimension" not in archive.read("xl/worksheets/sheet1.xml")
    table = read_table(data, "w.xlsx")
    assert len(table.rows) == 50
    assert (table.rows[-1].row_number, table.rows[-1].values) == (51, ("张49", 13800138049))
