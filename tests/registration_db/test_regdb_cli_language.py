"""`hub import` says what is wrong with each row in the language of the environment
(HUB_LANGUAGE, else LANG; Chinese by default), against a committed scratch database."""

from __future__ import annotations

import re

import pytest

from hub.services.import_cli import import_command
from hub.settings import Settings
from tests.registration_db.conftest import MakeFile, volunteer

CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize(("env", "english"), [
    ({}, False), ({"LANG": "en_US.UTF-8"}, True), ({"LANG": "zh_CN.UTF-8"}, False),
    ({"HUB_LANGUAGE": "en", "LANG": "zh_CN.UTF-8"}, True), ({"HUB_LANGUAGE": "zh"}, False),
])
def test_row_problems_in_the_environments_language(
        settings: Settings, scratch_url: str, make_file: MakeFile,
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
        env: dict[str, str], english: bool) -> None:
    for name in ("HUB_LANGUAGE", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    path = make_file("vol.xlsx", [volunteer(41, 手机号="1234567")])
    assert import_command(settings, "volunteers", path, None, False,
                          database_url=scratch_url) == 1
    [line] = [x for x in capsys.readouterr().err.splitlines() if x.startswith("row 2,")]
    reason = line.split(": ", 1)[1]
    assert line.startswith("row 2, 手机号") and bool(CJK.search(reason)) is not english, line
