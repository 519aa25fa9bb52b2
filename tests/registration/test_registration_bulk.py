"""A 100,000-row upload is read and validated in reasonable time (loose bound)."""

from __future__ import annotations

import csv
import io
import time
from datetime import date, timedelta

import pytest
from registration_ids import id_with_check

from hub.registration.rows import validate_volunteer_rows
from hub.registration.table import read_table

ROWS = 100_000


def _csv() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [
            "姓名",
            "身份证号",
            "性别",
            "手机号",
            "学历",
            "人群类别",
            "技能",
            "技能等级",
            "居住地经度",
            "居住地纬度",
            "坐标系",
            "所属队伍",
            "保险有效期至",
        ]
    )
    start = date(1950, 1, 1)
    for i in range(ROWS):
        born = start + timedelta(days=i % 18_000)
        seq = f"{i // 18_000:02d}{i % 10}"
        number = id_with_check(f"620102{born:%Y%m%d}{seq}")
        writer.writerow(
            [
                "王小明",
                number,
                "男" if i % 2 else "女",
                f"139{i:08d}",
                "本科",
                "科研人员、高校学生",
                "医疗健康、应急安全",
                "3",
                f"{103 + i % 100 / 100:.4f}",
                "36.0611",
                "GCJ02",
                "兰州市科技志愿服务队",
                "2026-12-31",
            ]
        )
    return buffer.getvalue().encode("gb18030")


@pytest.mark.slow
def test_hundred_thousand_rows() -> None:
    data = _csv()
    started = time.perf_counter()
    table = read_table(data, "big.csv")
    results = validate_volunteer_rows(table, today=date(2026, 5, 1))
    elapsed = time.perf_counter() - started
    assert len(table.rows) == ROWS
    assert results.rows_read == ROWS
    # Gender in the file alternates; the ID's gender digit is i % 10, so some rows disagree.
    mismatched = {e.row_number for e in results.errors}
    assert all(e.column == "性别" for e in results.errors)
    assert len(results.good) + len(mismatched) == ROWS
    assert elapsed < 20, f"took {elapsed:.1f} s"
