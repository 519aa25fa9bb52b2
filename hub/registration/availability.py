"""可服务时间 as written (周末, 工作日晚上, 周一至周五上午, 周三、周六下午 …) → weekly spans.

The text is split into phrases at ``、 , ， ; ； /`` and spaces. In a phrase, day words (周末,
工作日, 周三, 周一至周五, 每天 …) name days and time words (上午, 下午, 晚上, 白天, 全天) name
parts of those days: 工作日晚上 is the evenings of Monday to Friday, not weekday daytime *and*
every evening. Days joined by 和/及/与/或 share the time that follows (周一和周三晚上). Days
without a time word mean their daytime; a time word without days means that part of every
day; 随时 and 不限 mean every day, 08:00–20:00. Text that names no period gives no span (the
text is kept as written, never guessed).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

Span = tuple[int, int, int]
"""(weekday 0=Monday, start minute, end minute)."""

MAX_WEEKLY_WINDOWS = 42
"""The most separate windows a week a volunteer may give (6 a day on average): every active
volunteer's availability is carried in an entry of sql/0042's ``volunteer_reach_idx``, and a
btree entry must fit 2,704 bytes (8 kB pages). Worst case at this bound, measured with
pageinspect (tests/registration_db/test_regdb_availability_bound.py, PostgreSQL 15): 42
windows at irregular minutes make a 556-byte multirange (12 + ~13 bytes a window, which does
not compress), all eight skills at level 5 a 236-byte jsonb (skills are bounded by their
vocabulary: 8 codes, each once, CHECKed by the database), and the entry is 872 bytes, a third
of the limit; the limit would be reached near 180 such windows (300 are refused by PostgreSQL,
the same test). Windows that overlap or touch count as one (the database merges them). Text
from imports (:func:`weekly_spans`) gives at most 3 windows a day, 21 a week
(tests/registration/test_registration_availability.py)."""

WEEKDAYS = (0, 1, 2, 3, 4)
WEEKEND = (5, 6)
EVERY_DAY = tuple(range(7))
DAYTIME = (480, 1080)
WORKDAY_DAYTIME = (480, 1050)
ANY_TIME = (480, 1200)
_DAY_NUMBER = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_DAY = r"(?:周|星期|礼拜)([一二三四五六日天])"
# Longer words first, so 周一至周五 is one token and 周末 is not 周 + 末.
_DAY_GROUPS: dict[str, tuple[int, ...]] = {
    "周六日": WEEKEND, "周末": WEEKEND, "双休日": WEEKEND, "节假日": WEEKEND, "休息日": WEEKEND,
    "工作日": WEEKDAYS, "平日": WEEKDAYS, "每天": EVERY_DAY, "每日": EVERY_DAY,
    "天天": EVERY_DAY,
}
_TIMES: dict[str, tuple[int, int]] = {
    "上午": (480, 720), "早上": (480, 720), "中午": (720, 840), "下午": (840, 1080),
    "晚上": (1110, 1260), "晚间": (1110, 1260), "夜间": (1110, 1260), "傍晚": (1050, 1200),
    "白天": DAYTIME, "日间": DAYTIME, "全天": ANY_TIME,
}
_ANY = ("随时", "不限", "均可", "都可以", "皆可")
_TOKEN = re.compile(
    rf"(?P<range>{_DAY}\s*(?:至|到|~|～|-|—|－)\s*{_DAY})"
    rf"|(?P<group>{'|'.join(_DAY_GROUPS)})"
    rf"|(?P<day>{_DAY})"
    rf"|(?P<time>{'|'.join(_TIMES)})"
    rf"|(?P<any>{'|'.join(_ANY)})")
_PHRASES = re.compile(r"[、,，;；/\s]+")


@functools.lru_cache(maxsize=4096)
def weekly_spans(text: str | None) -> tuple[Span, ...]:
    """The weekly spans ``text`` names, sorted and without repeats (empty when none)."""
    if not text:
        return ()
    spans: set[Span] = set()
    for phrase in _PHRASES.split(text):
        spans.update(_phrase_spans(phrase))
    return tuple(sorted(spans))


def window_count(spans: Iterable[Span]) -> int:
    """How many windows ``spans`` make once overlapping and touching ones are merged, as the
    database stores them (minutes of the week: Monday 24:00 touches Tuesday 00:00)."""
    count, end = 0, -1
    for start, stop in sorted((d * 1440 + s, d * 1440 + e) for d, s, e in spans):
        if start > end:
            count += 1
        end = max(end, stop)
    return count


def _phrase_spans(phrase: str) -> Iterable[Span]:
    days: list[int] = []        # days waiting for their time word
    default = DAYTIME           # their daytime when no time word follows
    timed = False               # the days already received a time word
    for match in _TOKEN.finditer(phrase):
        kind, word = match.lastgroup, match.group(0)
        if kind == "time":
            start, end = _TIMES[word]
            yield from ((d, start, end) for d in (days or EVERY_DAY))
            timed = True
            continue
        if timed:               # a new day word after a time starts a new group
            days, default, timed = [], DAYTIME, False
        if kind == "any":
            yield from ((d, *ANY_TIME) for d in EVERY_DAY)
        elif kind == "group":
            days += _DAY_GROUPS[word]
            if _DAY_GROUPS[word] == WEEKDAYS:
                default = WORKDAY_DAYTIME
        elif kind == "range":
            first, last = (_DAY_NUMBER[c] for c in re.findall(_DAY, word))
            days += range(first, last + 1) if first <= last else [*range(first, 7),
                                                                   *range(0, last + 1)]
        else:
            days.append(_DAY_NUMBER[word[-1]])
    if not timed:
        yield from ((d, *default) for d in days)
