"""Import faults of issue 13: every problem of a bad row, skipped duplicates and rows without a
home or a team listed, 工作日晚上 stored as weekday evenings, a 6-digit code of no province."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from openpyxl import load_workbook

from hub.registration.templates import WARNING_SHEET_NAME
from hub.services.import_cli import import_command
from hub.settings import Settings
from tests.registration_db.conftest import MakeFile, mobile, volunteer


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's reasons in English, as these tests read them (it follows HUB_LANGUAGE or LANG,
    Chinese by default: test_regdb_cli_language.py)."""
    monkeypatch.setenv("HUB_LANGUAGE", "en")


def run(settings: Settings, url: str, path: Path, report: Path | None = None,
        all_or_nothing: bool = False) -> int:
    kind = "volunteers" if "vol" in path.name else "organizations"
    return import_command(settings, kind, path, report, all_or_nothing, database_url=url)


def sheet_rows(report: Path, sheet: int | str = 0) -> set[tuple[object, ...]]:
    book = load_workbook(report)
    ws = book[sheet] if isinstance(sheet, str) else book.worksheets[sheet]
    return {(*r[:3], r[4]) for r in ws.iter_rows(min_row=2, values_only=True)}


@pytest.mark.parametrize("all_or_nothing", [False, True])
def test_unknown_team_and_division_are_reported_with_the_rows_other_errors(
        settings: Settings, scratch_url: str, make_file: MakeFile, tmp_path: Path,
        all_or_nothing: bool) -> None:
    rows = [volunteer(1), volunteer(2, 学历="小学", 所属队伍="无此科技志愿服务队",
                                    居住地行政区划代码="629999")]
    report = tmp_path / "r.xlsx"
    assert run(settings, scratch_url, make_file("vol.csv", rows), report, all_or_nothing) == 1
    reported = {(r[0], r[1]) for r in sheet_rows(report)}
    assert reported == {(3, "学历"), (3, "所属队伍"), (3, "居住地行政区划代码")}
    reasons = {r[1]: r[3] for r in sheet_rows(report)}
    if all_or_nothing:  # nothing loads, so a good row's unknown team is reported too
        rows.append(volunteer(3, 所属队伍="另一支不存在的科技志愿服务队"))
        assert run(settings, scratch_url, make_file("vol2.csv", rows), report, True) == 1
        assert (4, "所属队伍") in {(r[0], r[1]) for r in sheet_rows(report)}
    assert str(reasons["所属队伍"]).startswith("no team of this name is registered")
    assert str(reasons["居住地行政区划代码"]).startswith("no such division")


def test_a_skipped_duplicate_is_listed(settings: Settings, scratch_url: str,
                                      make_file: MakeFile, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert run(settings, scratch_url, make_file("vol1.csv", [volunteer(1)])) == 0
    capsys.readouterr()
    report = tmp_path / "r.xlsx"
    again = make_file("vol2.csv", [volunteer(2), volunteer(1)])
    assert run(settings, scratch_url, again, report) == 0
    out = capsys.readouterr()
    assert out.out.strip().splitlines()[-1] == "imported 1, skipped 1 (duplicates), rejected 0"
    assert "row 3, 身份证号" in out.err and "already registered" in out.err
    (note,) = [r for r in sheet_rows(report, WARNING_SHEET_NAME) if r[1] == "身份证号"]
    assert note[0] == 3 and "*" in str(note[2]) and "skipped as a duplicate" in str(note[3])


def test_a_skipped_team_is_listed(settings: Settings, scratch_url: str, make_file: MakeFile,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    corps = {"队伍名称": "甘肃省科技志愿服务总队", "层级": "总队", "所在行政区划代码": "620000",
             "队长姓名": "王强", "队长手机号": mobile(701)}
    path = make_file("org.csv", [corps])
    assert run(settings, scratch_url, path) == 0
    capsys.readouterr()
    assert run(settings, scratch_url, path) == 0
    out = capsys.readouterr()
    assert out.out.strip().splitlines()[-1] == "imported 0, skipped 1 (duplicates), rejected 0"
    assert "row 2, 队伍名称 '甘肃省科技志愿服务总队': note: a team of this name" in out.err


def test_rows_without_a_home_or_a_team_are_noted(settings: Settings, scratch_url: str,
                                                 make_file: MakeFile, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    rows = [volunteer(1, 居住地经度="", 居住地纬度="", 坐标系="")]
    report = tmp_path / "r.xlsx"
    assert run(settings, scratch_url, make_file("vol.csv", rows), report) == 0
    notes = {(r[0], r[1]) for r in sheet_rows(report, WARNING_SHEET_NAME)}
    assert notes == {(2, "居住地经度"), (2, "所属队伍")}
    err = capsys.readouterr().err
    assert "no home location" in err and "no team" in err


def test_workday_evenings_are_stored_as_weekday_evenings(
        settings: Settings, scratch_url: str, make_file: MakeFile) -> None:
    rows = [volunteer(1, 可服务时间="工作日晚上"), volunteer(2, 可服务时间="周末、工作日晚上")]
    assert run(settings, scratch_url, make_file("vol.csv", rows)) == 0
    with psycopg.connect(scratch_url) as conn:
        stored = [r[0] for r in conn.execute(
            "SELECT weekly_availability::text FROM volunteer ORDER BY id")]
    evenings = ",".join(f"[{d * 1440 + 1110},{d * 1440 + 1260})" for d in range(5))
    assert stored == ["{" + evenings + "}",
                      "{" + evenings + ",[7680,8280),[9120,9720)}"]


def test_a_six_digit_code_of_no_province_says_what_is_wrong(
        settings: Settings, scratch_url: str, make_file: MakeFile, tmp_path: Path) -> None:
    report = tmp_path / "r.xlsx"
    rows = [volunteer(1, 居住地行政区划代码="999999")]
    assert run(settings, scratch_url, make_file("vol.csv", rows), report) == 1
    ((row, column, shown, reason),) = sheet_rows(report)
    assert (row, column, shown) == (2, "居住地行政区划代码", "999999")
    assert "6, 9 or 12" not in str(reason) and "99 is not a province" in str(reason)
