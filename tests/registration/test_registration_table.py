"""Reading .xlsx and .csv uploads: encodings, sheets, header row, row numbers."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from hub.registration.table import TableError, decode_csv_bytes, read_table

CSV_TEXT = "姓名,身份证号,手机号\n张三,11010519491231002X,13800138000\n\n李四,,+86 139 0013 9000\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_encodings(encoding: str) -> None:
    table = read_table(CSV_TEXT.encode(encoding), "名单.csv")
    assert table.headers == ("姓名", "身份证号", "手机号")
    assert [r.row_number for r in table.rows] == [2, 4]  # the blank line keeps its number
    assert table.rows[0].values == ("张三", "11010519491231002X", "13800138000")
    assert table.rows[1].values == ("李四", None, "+86 139 0013 9000")
    expected = {"gbk": "gb18030"}.get(encoding, encoding)
    assert table.encoding == expected


def test_gbk_is_reported_as_gb18030() -> None:
    assert decode_csv_bytes(CSV_TEXT.encode("gbk"))[1] == "gb18030"
    assert decode_csv_bytes(CSV_TEXT.encode("utf-8"))[1] == "utf-8"


def test_csv_neither_utf8_nor_gbk_is_rejected() -> None:
    latin = "name,city\nJosé,Zürich\n".encode("latin-1") + b"\xff"
    with pytest.raises(TableError) as caught:
        read_table(latin, "x.csv")
    assert "neither UTF-8 nor GBK" in caught.value.message
    assert "UTF-8" in caught.value.message_zh
    with pytest.raises(TableError):
        read_table(b"a,b\n\x00\x01\x02,\x03", "x.csv")


def test_csv_keeps_text_exactly_and_handles_quotes_and_tabs() -> None:
    text = '姓名\t备注\n"王, 五"\t"说""好""的"\n赵六\t  0012  \n'
    table = read_table(text.encode(), "x.txt")
    assert table.rows[0].values == ("王, 五", '说"好"的')
    assert table.rows[1].values == ("赵六", "  0012  ")


def test_csv_from_path_and_file_object(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    path.write_bytes(CSV_TEXT.encode("gbk"))
    assert len(read_table(path).rows) == 2
    assert len(read_table(str(path)).rows) == 2
    assert len(read_table(io.BytesIO(CSV_TEXT.encode()), "a.csv").rows) == 2


def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for title, rows in sheets.items():
        ws = workbook.create_sheet(title)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_xlsx_title_row_is_skipped_and_types_are_kept() -> None:
    data = _xlsx(
        {
            "Sheet1": [
                ["科技志愿者集体注册信息表"],
                ["姓名", "身份证号", "手机号", "保险有效期至"],
                ["张三", 4.10102199003071e17, 13800138000, datetime(2026, 12, 31)],
                [None, None, None, None],
                ["李四", "11010519491231002X", "13900139000", 46387],
            ]
        }
    )
    table = read_table(data, "upload.xlsx")
    assert table.header_row == 2
    assert table.headers == ("姓名", "身份证号", "手机号", "保险有效期至")
    assert [r.row_number for r in table.rows] == [3, 5]
    first = table.rows[0].values
    assert isinstance(first[1], float) and first[2] == 13800138000
    assert first[3] == datetime(2026, 12, 31)
    assert table.sheet_name == "Sheet1"


def test_xlsx_prefers_the_template_data_sheet() -> None:
    data = _xlsx(
        {
            "填写说明": [["说明", "第一条"], ["x", "y"]],
            "其他": [["a", "b"], [1, 2]],
            "志愿者信息": [["姓名", "手机号"], ["张三", "13800138000"]],
        }
    )
    table = read_table(data, "t.xlsx")
    assert table.sheet_name == "志愿者信息"
    assert table.rows[0].values == ("张三", "13800138000")


def test_xlsx_skips_the_instructions_sheet_when_no_data_sheet() -> None:
    data = _xlsx({"填写说明": [["说明", "x"]], "名单": [["姓名", "手机号"], ["张三", "1"]]})
    assert read_table(data, "t.xlsx").sheet_name == "名单"


def test_values_beyond_the_headers_are_dropped_with_a_warning() -> None:
    table = read_table("姓名,手机号\n张三,138,多余\n".encode(), "a.csv")
    assert table.rows[0].values == ("张三", "138")
    assert table.warnings


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "legacy .xls"),
        (b"not a zip", "fake.xlsx", "not a valid .xlsx"),
        (b"PK\x03\x04garbage", "broken.xlsx", "not a valid .xlsx"),
        (b"PK\x03\x04garbage", "mislabelled.csv", "workbook, not CSV"),
        (b"%PDF-1.7", "x.pdf", "unsupported file type"),
        (b"", "empty.csv", "no header row"),
    ],
)
def test_bad_files(data: bytes, name: str, message: str) -> None:
    with pytest.raises(TableError, match=message):
        read_table(data, name)


def test_max_rows() -> None:
    text = "姓名,手机号\n" + "".join(f"人{i},1\n" for i in range(11))
    assert len(read_table(text.encode(), "a.csv", max_rows=11).rows) == 11
    with pytest.raises(TableError, match="more than 10"):
        read_table(text.encode(), "a.csv", max_rows=10)
