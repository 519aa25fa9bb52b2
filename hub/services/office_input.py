"""What the provincial office's queries share (equity, coverage): the coded error naming field
and value in Chinese and English, and the checks of a region code and a period."""

from __future__ import annotations

from datetime import date, timedelta

from hub.geo.divisions import DivisionCodeError, normalize_code, subtree_prefix
from hub.store import regions
from hub.store.base import Database

MAX_PERIOD_DAYS = 1096  # three years


class OfficeError(ValueError):
    """Bad input: ``code`` (INVALID, UNKNOWN_REGION, INVALID_PERIOD, NOT_FOUND),
    ``field`` names the input, ``value`` what was given."""

    def __init__(self, code: str, field: str, value: object, message: str,
                 message_zh: str) -> None:
        super().__init__(f"{field}: {value!r} {message}")
        self.code, self.field, self.value = code, field, value
        self.message, self.message_zh = message, message_zh


async def region(db: Database, region_code: str) -> tuple[str, str]:
    """(12-digit code, subtree prefix) of a known region; UNKNOWN_REGION otherwise."""
    try:
        code = normalize_code(region_code)
    except DivisionCodeError:
        raise OfficeError("UNKNOWN_REGION", "regionCode", region_code,
                          "is not a 6-, 9- or 12-digit division code",
                          "不是 6、9 或 12 位行政区划代码") from None
    if not await regions.list_known(db, codes={code}):
        raise OfficeError("UNKNOWN_REGION", "regionCode", region_code,
                          "is not a known division code", "不是已知的行政区划代码")
    return code, subtree_prefix(code)


def period(starts: date, ends: date) -> None:
    """``to`` after ``from``, at most MAX_PERIOD_DAYS apart (INVALID_PERIOD)."""
    if ends <= starts:
        raise OfficeError("INVALID_PERIOD", "to", ends.isoformat(),
                          f"is not after from ({starts.isoformat()})",
                          f"不晚于开始日期（{starts.isoformat()}）")
    if ends - starts > timedelta(days=MAX_PERIOD_DAYS):
        raise OfficeError("INVALID_PERIOD", "to", ends.isoformat(),
                          f"is more than {MAX_PERIOD_DAYS} days after from",
                          f"距开始日期超过 {MAX_PERIOD_DAYS} 天")
