"""The attendance code alone (no database): genuine, another activity's, expired, altered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from hub.app import dev_settings
from hub.certs.attendance_code import CodeRefused, issue, verify
from hub.settings import Settings, SettingsError
from tests.activities.conftest import KEY

NOW = datetime(2026, 12, 5, 8, 0, 30, tzinfo=UTC)
STEP = 120


def _refusal(text: str, *, activity_id: int = 7, now: datetime = NOW) -> str:
    with pytest.raises(CodeRefused) as caught:
        verify(KEY, text, activity_id=activity_id, now=now, step_s=STEP)
    return caught.value.code


def test_a_code_is_accepted_in_its_step_and_the_next_only():
    code = issue(KEY, activity_id=7, now=NOW, step_s=STEP)
    assert code.text.startswith("A1.7.") and len(code.text) < 50
    assert code.valid_from <= NOW < code.rotates_at < code.valid_until
    assert code.valid_until - code.valid_from == timedelta(seconds=2 * STEP)
    assert verify(KEY, code.text, activity_id=7, now=NOW, step_s=STEP) == code.step
    assert verify(KEY, code.text, activity_id=7, now=code.valid_until - timedelta(seconds=1),
                  step_s=STEP) == code.step
    assert _refusal(code.text, now=code.valid_until) == "EXPIRED"
    assert _refusal(code.text, now=code.valid_from - timedelta(seconds=1)) == "EXPIRED"


def test_another_activitys_code_and_altered_codes_are_refused():
    code = issue(KEY, activity_id=7, now=NOW, step_s=STEP).text
    assert _refusal(code, activity_id=8) == "OTHER_ACTIVITY"
    prefix, activity, step, mac = code.split(".")
    assert _refusal(f"{prefix}.8.{step}.{mac}", activity_id=8) == "INVALID"  # re-pointed
    assert _refusal(f"{prefix}.{activity}.{int(step) + 1}.{mac}") == "INVALID"  # re-dated
    flipped = mac[:-1] + ("A" if mac[-1] != "A" else "B")
    assert _refusal(f"{prefix}.{activity}.{step}.{flipped}") == "INVALID"
    other_key = issue(KEY + "x", activity_id=7, now=NOW, step_s=STEP).text
    assert _refusal(other_key) == "INVALID"
    for junk in ("", "A1.7", "hello", "A1.-7.1.x", "A1.7.1.x.y", "x" * 500):
        assert _refusal(junk) == "INVALID"


def test_a_short_key_is_refused_naming_the_setting():
    with pytest.raises(ValueError, match="HUB_ATTENDANCE_CODE_KEY"):
        issue("short", activity_id=1, now=NOW, step_s=STEP)


def test_the_step_is_bounded_and_the_demo_key_is_made_once(tmp_path: Path):
    with pytest.raises(SettingsError, match="HUB_ATTENDANCE_CODE_STEP_S"):
        Settings.from_env({"HUB_ATTENDANCE_CODE_STEP_S": "5"})
    assert Settings.from_env({"HUB_ATTENDANCE_CODE_STEP_S": "60"}).attendance_code_step_s == 60
    first = dev_settings(Settings(home=tmp_path)).attendance_code_key
    assert first and len(first) >= 32
    assert dev_settings(Settings(home=tmp_path)).attendance_code_key == first
    assert dev_settings(Settings(home=tmp_path, attendance_code_key=KEY)).attendance_code_key \
        == KEY
