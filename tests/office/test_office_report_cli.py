"""``hub report``: the yearly summary written to a file, bad input refused with exit status 2
and the field named (on an empty region: every sheet there, totals zero)."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from hub.cli import main
from hub.services import report_cli
from hub.settings import Settings
from tests.office.recognition_world_rc import office_url

__all__ = ["office_url"]


def test_annual_writes_the_workbook(office_url: str, settings: Settings, tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "年度总结.xlsx"
    assert report_cli.run(office_url, settings, "annual", region="620100", year=2025,
                          round_id=None, fmt="xlsx", out=str(out)) == 0
    book = load_workbook(out)
    assert book.sheetnames[:2] == ["概况", "队伍"]
    totals = {r[0]: r[1] for r in book["概况"].iter_rows(min_row=3, values_only=True)}
    assert totals["服务时长（小时） Hours served"] == 0
    assert str(out) in capsys.readouterr().out


def test_bad_input_exits_2_naming_the_field(office_url: str, settings: Settings,
                                            tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert report_cli.run(office_url, settings, "annual", region="62", year=2025,
                          round_id=None, fmt="xlsx", out=str(tmp_path / "x.xlsx")) == 2
    assert "regionCode" in capsys.readouterr().err
    assert report_cli.run(office_url, settings, "recognition", region=None, year=None,
                          round_id=999999, fmt="json", out=str(tmp_path / "x.json")) == 2
    assert "roundId" in capsys.readouterr().err
    assert main(["report", "annual", "--region", "620100"]) == 2  # no --year
    assert "--year" in capsys.readouterr().err
