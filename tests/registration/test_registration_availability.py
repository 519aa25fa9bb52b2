"""可服务时间 as written → weekly spans: days and the parts of those days, phrase by phrase."""

from __future__ import annotations

import pytest

from hub.registration import availability
from hub.registration.availability import MAX_WEEKLY_WINDOWS, weekly_spans, window_count
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


def test_window_count_merges_overlapping_and_touching_windows_across_days() -> None:
    assert window_count([]) == 0
    assert window_count([(0, 480, 720), (0, 600, 900), (0, 900, 960)]) == 1
    assert window_count([(0, 1200, 1440), (1, 0, 60), (1, 61, 62)]) == 2  # Monday 24:00 = Tue
    assert window_count([(6, 0, 10), (0, 0, 10), (3, 5, 6)]) == 3


def most_separate(times: list[tuple[int, int]]) -> int:
    """The most windows of ``times`` that neither overlap nor touch (earliest end first)."""
    count, end = 0, -1
    for start, stop in sorted(times, key=lambda t: t[1]):
        if start > end:
            count, end = count + 1, stop
    return count


def test_imported_text_stays_within_the_window_bound() -> None:
    """Imports give availability only as text; its time words allow at most 3 separate windows
    a day, 21 a week, within MAX_WEEKLY_WINDOWS (a new time word must keep it so)."""
    times = [*availability._TIMES.values(), availability.DAYTIME, availability.ANY_TIME,
             availability.WORKDAY_DAYTIME]
    per_day = most_separate(times)
    assert per_day == 3 and 7 * per_day <= MAX_WEEKLY_WINDOWS
    widest = weekly_spans("每天上午、每天下午、每天晚上")
    assert window_count(widest) == 21
