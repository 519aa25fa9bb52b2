"""``hub template demands`` and ``hub import demands``: the import from the shell, as the local
operator, in a committed scratch database (the CLI opens its own connections)."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from openpyxl import load_workbook

from hub.services.import_cli import import_command, template_command
from hub.settings import Settings
from tests.conftest import migrated_database
from tests.demands_public.demands_world import demand_row as _row


@pytest.fixture(scope="module")
def cli_url(server_url: str) -> str:
    return migrated_database(server_url, "hub_test_demand_import_cli")


def test_template_then_import_then_again(settings: Settings, cli_url: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "点单.xlsx"
    assert template_command("demands", path) == 0
    book = load_workbook(path)
    sheet = book["需求信息"]
    columns = {cell.value: cell.column for cell in sheet[1]}
    rows = [_row("CLI-1", 站点名称=None, 服务地点经度=113.62, 服务地点纬度=34.75),
            _row("CLI-2", 站点名称=None, 服务地点经度=113.62, 服务地点纬度=34.75, 需要人数=900)]
    for n, row in enumerate(rows, start=3):
        for header, value in row.items():
            sheet.cell(row=n, column=columns[header], value=value)
    book.save(path)
    report = tmp_path / "report.xlsx"
    assert import_command(settings, "demands", path, report, False,
                          database_url=cli_url) == 1  # a row was rejected
    out = capsys.readouterr()
    assert "imported 1, skipped 0 (duplicates), rejected 1" in out.out
    assert "row 4, 需要人数" in out.err
    assert load_workbook(report)["错误明细"].max_row == 2
    assert import_command(settings, "demands", path, None, False, database_url=cli_url) == 1
    assert "imported 0, skipped 1 (duplicates), rejected 1" in capsys.readouterr().out
    with psycopg.connect(cli_url) as conn:
        found = conn.execute("SELECT raised_by, external_scope, status FROM demand "
                             "WHERE external_ref = 'CLI-1'").fetchall()
    assert found == [("system:system", "", "open")]
