"""Fixtures for registration tests: real .xlsx / .csv files and a committed scratch database."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from hub.seed.names import make_id_number
from tests.conftest import migrated_database

MakeFile = Callable[[str, Sequence[dict[str, object]]], Path]


def person_id(sequence: int, *, born: date = date(1990, 3, 7), county: str = "620102",
              male: bool = True) -> str:
    """A valid 18-character ID number (GB 11643 check digit)."""
    return make_id_number(county, born, sequence, male=male)


def mobile(sequence: int) -> str:
    """A distinct mainland mobile number."""
    return f"139{sequence:08d}"


def volunteer(sequence: int, **overrides: object) -> dict[str, object]:
    """A good row of the volunteer template (headers as in the template)."""
    row: dict[str, object] = {
        "姓名": "张伟", "身份证号": person_id(sequence), "手机号": mobile(sequence),
        "学历": "本科", "技能": "医疗健康", "技能等级": "3", "居住地行政区划代码": "620102",
        "居住地经度": 103.83, "居住地纬度": 36.06, "坐标系": "GCJ02", "可服务时间": "周末"}
    row.update(overrides)
    return row


@pytest.fixture
def make_file(tmp_path: Path) -> MakeFile:
    """Write rows (header → value) as ``name`` (.xlsx or .csv) and return its path."""

    def make(name: str, rows: Sequence[dict[str, object]]) -> Path:
        headers = list(dict.fromkeys(h for row in rows for h in row))
        path = tmp_path / name
        if name.endswith(".csv"):
            with path.open("w", newline="", encoding="utf-8-sig") as fh:
                writer = csv.writer(fh)
                writer.writerow(headers)
                writer.writerows([[row.get(h, "") for h in headers] for row in rows])
        else:
            workbook = Workbook()
            sheet = workbook.active
            assert sheet is not None
            sheet.append(headers)
            for row in rows:
                sheet.append([row.get(h) for h in headers])
            workbook.save(path)
        return path

    return make


@pytest.fixture
def scratch_url(server_url: str) -> str:
    """A fresh, migrated database with regions, for imports that commit (one per test)."""
    url = migrated_database(server_url, "hub_test_regdb")
    return url
