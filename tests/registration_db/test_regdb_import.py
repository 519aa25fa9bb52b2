"""`hub import` / `hub template` on real files against a committed scratch database."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from openpyxl import load_workbook

from hub.services.import_cli import import_command, template_command
from hub.services.registration import today_cst
from hub.settings import Settings
from tests.registration_db.conftest import MakeFile, mobile, person_id, volunteer

PG_DUMP = Path("/usr/lib/postgresql/15/bin/pg_dump")


def run_import(settings: Settings, url: str, path: Path, *, report: Path | None = None,
               all_or_nothing: bool = False) -> int:
    return import_command(settings, "volunteers" if "vol" in path.name else "organizations",
                          path, report, all_or_nothing, database_url=url)


def count(url: str, sql: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
        assert row is not None
        return int(row[0])


def summary_line(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out.strip().splitlines()[-1]


def bad_rows() -> list[dict[str, object]]:
    """One row per kind of bad value (rows 2.. are good, the file's row numbers start at 2)."""
    young = today_cst() - timedelta(days=365 * 17)
    bad_check = person_id(90)[:17] + ("0" if person_id(90)[17] != "0" else "1")
    return [
        volunteer(1),
        volunteer(2, 身份证号=bad_check),                          # wrong check digit
        volunteer(3, 身份证号=person_id(3, born=young)),           # under 18
        volunteer(4, 学历="初中"),                                  # below high school
        volunteer(5, 手机号="1234567"),                            # not a mobile
        volunteer(6, 姓名=""),                                     # no real name
        volunteer(7, 居住地行政区划代码="629999"),                  # unknown division
        volunteer(8, 所属队伍="不存在的科技志愿服务队"),             # unknown team
        volunteer(1, 手机号=mobile(9)),                            # repeats row 2's person
    ]


def test_template_writes_real_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "volunteers.xlsx"
    assert template_command("volunteers", path) == 0
    assert "志愿者信息" in load_workbook(path).sheetnames
    assert template_command("nobody", tmp_path / "x.xlsx") == 2


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_good_rows_then_idempotent_reimport(settings: Settings, scratch_url: str,
                                            make_file: MakeFile, suffix: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    rows = [volunteer(i, 身份证号=person_id(i).lower()) for i in range(1, 31)]
    path = make_file(f"vol{suffix}", rows)
    assert run_import(settings, scratch_url, path) == 0
    assert summary_line(capsys) == "imported 30, skipped 0 (duplicates), rejected 0"
    assert run_import(settings, scratch_url, path) == 0
    assert summary_line(capsys) == "imported 0, skipped 30 (duplicates), rejected 0"
    assert count(scratch_url, "SELECT count(*) FROM volunteer") == 30
    assert count(scratch_url, "SELECT count(*) FROM volunteer WHERE home_geom IS NOT NULL "
                              "AND weekly_availability <> '{}'") == 30
    assert count(scratch_url, "SELECT count(*) FROM import_batch") == 2


def test_bad_rows_rejected_with_report(settings: Settings, scratch_url: str,
                                       make_file: MakeFile, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path / "report.xlsx"
    code = run_import(settings, scratch_url, make_file("vol.xlsx", bad_rows()), report=report)
    out = capsys.readouterr()
    assert code == 1
    assert out.out.strip() == "imported 1, skipped 0 (duplicates), rejected 8"
    assert "row 3, 身份证号" in out.err and "row 8, 居住地行政区划代码" in out.err
    sheet = load_workbook(report).worksheets[0]
    reported = {(r[0], r[1]) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert reported >= {(3, "身份证号"), (4, "身份证号"), (5, "学历"), (6, "手机号"),
                        (7, "姓名"), (8, "居住地行政区划代码"), (9, "所属队伍"), (10, "身份证号")}
    assert person_id(1) not in "".join(str(c) for row in sheet.iter_rows(values_only=True)
                                       for c in row)


def test_all_or_nothing_loads_nothing(settings: Settings, scratch_url: str,
                                      make_file: MakeFile,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    path = make_file("vol.csv", bad_rows())
    assert run_import(settings, scratch_url, path, all_or_nothing=True) == 1
    assert summary_line(capsys).startswith("imported 0, skipped 0 (duplicates), rejected ")
    assert count(scratch_url, "SELECT count(*) FROM volunteer") == 0
    # A database-level rejection (unknown team) also rolls everything back.
    only_db_bad = make_file("vol2.csv", [volunteer(1), volunteer(8, 所属队伍="无此科技志愿服务队")])
    assert run_import(settings, scratch_url, only_db_bad, all_or_nothing=True) == 1
    assert count(scratch_url, "SELECT count(*) FROM volunteer") == 0


def test_duplicates_against_database_are_skipped(settings: Settings, scratch_url: str,
                                                 make_file: MakeFile,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert run_import(settings, scratch_url, make_file("vol1.csv", [volunteer(1)])) == 0
    capsys.readouterr()
    again = make_file("vol2.xlsx", [volunteer(1, 手机号=mobile(50)), volunteer(2)])
    assert run_import(settings, scratch_url, again) == 0
    assert summary_line(capsys) == "imported 1, skipped 1 (duplicates), rejected 0"


def organizations() -> list[dict[str, object]]:
    def team(name: str, level: str, parent: str | None, code: str, n: int) -> dict[str, object]:
        return {"队伍名称": name, "层级": level, "上级队伍": parent or "",
                "所在行政区划代码": code, "队长姓名": "王强", "队长手机号": mobile(700 + n)}

    corps = "甘肃省科技志愿服务总队"
    return [team("兰州市科技志愿服务队", "队", corps, "620100", 2),
            team(corps, "总队", None, "620000", 1),
            team("甘肃省农学会科技志愿服务队", "队", corps, "620000", 3),
            team("兰州市科技志愿服务协会", "队", corps, "620100", 4)]


def test_organizations_hierarchy_and_reimport(settings: Settings, scratch_url: str,
                                              make_file: MakeFile, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = make_file("org.xlsx", organizations())
    assert run_import(settings, scratch_url, path, report=tmp_path / "r.xlsx") == 1
    assert summary_line(capsys) == "imported 3, skipped 0 (duplicates), rejected 1"
    assert count(scratch_url, "SELECT count(*) FROM organization o JOIN organization p "
                              "ON p.id = o.parent_id WHERE p.level = 'corps'") == 2
    assert run_import(settings, scratch_url, path) == 1
    assert summary_line(capsys) == "imported 0, skipped 3 (duplicates), rejected 1"
    vols = make_file("vol.csv", [volunteer(1, 所属队伍="兰州市科技志愿服务队", 队伍内角色="队长")])
    assert run_import(settings, scratch_url, vols) == 0
    assert count(scratch_url, "SELECT count(*) FROM membership WHERE role = 'captain'") == 1
    assert count(scratch_url, "SELECT count(*) FROM organization WHERE captain_id IS NOT NULL") == 1


def test_no_clear_id_number_or_phone_in_the_database(
        settings: Settings, scratch_url: str, make_file: MakeFile,
        capsys: pytest.CaptureFixture[str]) -> None:
    rows = [volunteer(i) for i in range(1, 21)]
    assert run_import(settings, scratch_url, make_file("vol.xlsx", rows)) == 0
    assert run_import(settings, scratch_url, make_file("org.csv", organizations()[:2])) == 0
    secrets = [str(r["身份证号"]) for r in rows] + [str(r["手机号"]) for r in rows] + [
        mobile(701), mobile(702)]
    if PG_DUMP.exists():
        dump = subprocess.run([str(PG_DUMP), "--data-only", scratch_url], check=True,
                              capture_output=True, text=True).stdout
    else:  # every column of every table, as text
        with psycopg.connect(scratch_url) as conn:
            tables = [r[0] for r in conn.execute(
                "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
                "WHERE schemaname = 'public'")]
            dump = "\n".join(str(row) for t in tables
                             for row in conn.execute(f"SELECT t::text FROM {t} t"))
    assert "POINT" in dump or "0101000020E6" in dump  # the dump does hold the rows
    leaked = [s for s in secrets if s in dump]
    assert leaked == []


def test_missing_file_and_bad_kind(settings: Settings, tmp_path: Path) -> None:
    assert import_command(settings, "volunteers", tmp_path / "nope.csv", None, False,
                          database_url="postgresql://unused") == 2
    assert import_command(settings, "people", tmp_path / "x.csv", None, False,
                          database_url="postgresql://unused") == 2


def test_hub_command_line(scratch_url: str, make_file: MakeFile, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    from hub.cli import main
    from tests.conftest import TEST_DATA_KEY

    monkeypatch.setenv("DATABASE_URL", scratch_url)
    monkeypatch.setenv("HUB_DATA_KEY", TEST_DATA_KEY)
    assert main(["template", "organizations", str(tmp_path / "t.xlsx")]) == 0
    path = make_file("vol.csv", [volunteer(1), volunteer(2, 学历="小学")])
    assert main(["import", "volunteers", str(path), "--all-or-nothing"]) == 1
    assert main(["import", "volunteers", str(path), "--report", str(tmp_path / "r.xlsx")]) == 1
    assert summary_line(capsys) == "imported 1, skipped 0 (duplicates), rejected 1"
    assert (tmp_path / "r.xlsx").exists()
