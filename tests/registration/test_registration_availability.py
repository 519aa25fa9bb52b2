"""可服务时间 as written → weekly spans: days and the parts of those days, phrase by phrase."""

from __future__ import annotations

import pytest

from hub.registration.availability import weekly_spans
from hub.services.registration_values import weekly_from_text

EVENING = (1110, 1260)
DAYTIME = (480, 1080)


def days(spans: tuple[tuple[int, int, int], ...], start: int, end: int) -> list[int]:
    return [d for d, s, e in spans if (s, e) == (start, end)]


def test_workday_evenings_are_only_the_evenings_of_monday_to_friday() -> None:
    spans = weekly_spans("工作日晚上")
    assert spans == tuple((d, *EVENING) for d in range(5))
    assert weekly_from_text("工作日晚上") == (
        "{" + ",".join(f"[{d * 1440 + 1110},{d * 1440 + 1260})" for d in range(5)) + "}")


@pytest.mark.parametrize(("text", "expected"), [
    ("周末", {DAYTIME: [5, 6]}),
    ("晚上", {EVENING: [0, 1, 2, 3, 4, 5, 6]}),
    ("周末、工作日晚上", {DAYTIME: [5, 6], EVENING: [0, 1, 2, 3, 4]}),
    ("工作日晚上和周末", {DAYTIME: [5, 6], EVENING: [0, 1, 2, 3, 4]}),
    ("周一和周三晚上", {EVENING: [0, 2]}),
    ("周一至周五上午", {(480, 720): [0, 1, 2, 3, 4]}),
    ("周三下午，周六全天", {(840, 1080): [2], (480, 1200): [5]}),
    ("星期天", {DAYTIME: [6]}),
    ("周六日", {DAYTIME: [5, 6]}),
    ("随时", {(480, 1200): [0, 1, 2, 3, 4, 5, 6]}),
])
def test_phrases(text: str, expected: dict[tuple[int, int], list[int]]) -> None:
    spans = weekly_spans(text)
    assert {part: days(spans, *part) for part in expected} == expected
    assert len(spans) == sum(len(v) for v in expected.values())


def test_unknown_words_give_nothing() -> None:
    assert weekly_spans("看情况") == ()
    assert weekly_from_text("看情况") is None
    assert weekly_from_text(None) is None
