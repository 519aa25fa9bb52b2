"""Cell normalisation: text, codes, numbers and dates as they come out of spreadsheets.

Two strengths of normalisation, on purpose:

* **codes** (ID numbers, phones, numbers, dates, vocabulary words) go through NFKC, which turns
  full-width digits and letters (``４１０``, ``ｘ``) and the ideographic space into ASCII, and
  then lose all whitespace — safe because such values never legitimately contain either;
* **free text** (names of people and teams, addresses) only loses zero-width characters and
  has its whitespace trimmed and collapsed; full-width *punctuation* such as ``（）`` is kept,
  because it is correct in Chinese names. Full-width letters/digits become ASCII.

Excel dates use the 1900 date system, including Lotus 1-2-3's fictitious 1900-02-29
(serial 60), which is rejected rather than guessed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta

from hub.registration.errors import FieldError, show

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
# Full-width ASCII letters and digits (Ｕ+FF10…) → ASCII; full-width punctuation is left alone.
_FULLWIDTH_ALNUM = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
}
# One pass: drop zero-width characters, full-width letters/digits → ASCII.
_CLEAN = {**_ZERO_WIDTH, **_FULLWIDTH_ALNUM}
_WS = re.compile(r"\s+")
CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK_SPACE = re.compile(rf"(?<=[{CJK_CHARS}（）])\s+|\s+(?=[{CJK_CHARS}（）])")
_MULTI_SEP = re.compile(r"[、,，;；/\s]+")

# Serial 60 is 1900-02-29, a day that never existed (Lotus 1-2-3 compatibility in Excel).
EXCEL_FAKE_LEAP_SERIAL = 60
EXCEL_MAX_SERIAL = 2_958_465  # 9999-12-31
MIN_YEAR = 1900

_DATE_SEP = re.compile(
    r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
_DATE_CN = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$")
_DATE_SPACES = re.compile(r"\s*([-/.年月日号:])\s*")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_INT_TEXT = re.compile(r"^[+-]?\d+(?:\.0*)?$")
_FLOAT_TEXT = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


def is_blank(value: object) -> bool:
    """True for ``None`` and for text that is empty once whitespace is removed."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.translate(_ZERO_WIDTH).strip()
    return False


def halfwidth_alnum(text: str) -> str:
    """Full-width letters and digits → ASCII; everything else unchanged."""
    return text.translate(_FULLWIDTH_ALNUM)


def clean_text(value: object) -> str | None:
    """Free text: ``None``/blank → ``None``; trimmed, whitespace runs collapsed to one space.

    Numbers become their shortest text (``3.0`` → ``"3"``), dates their ISO form.
    """
    if value is None:
        return None
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime):
        text = value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    # str.split() splits on every Unicode space (incl. U+3000, NBSP) and drops the ends.
    return " ".join(text.translate(_CLEAN).split()) or None


def clean_name_text(value: object) -> str | None:
    """Text of a Chinese name (team, unit): :func:`clean_text`, and no spaces next to Chinese.

    ``"甘肃省 科技志愿服务总队"`` → ``"甘肃省科技志愿服务总队"``; ``"IBM 中国"`` → ``"IBM中国"``;
    ``"Green Land"`` keeps its space. Half-width parentheses become full-width ``（）``.
    """
    text = clean_text(value)
    if text is None:
        return None
    text = text.replace("(", "（").replace(")", "）")
    return _CJK_SPACE.sub("", text) or None


def compact(value: object) -> str:
    """A code as text: NFKC, every whitespace and zero-width character removed.

    Non-text values use :func:`clean_text`'s conversion first. ``None`` → ``""``.
    """
    text = value if isinstance(value, str) else clean_text(value)
    if not text:
        return ""
    if text.isascii() and text.isalnum():  # the usual case, already compact
        return text
    return _WS.sub("", unicodedata.normalize("NFKC", text.translate(_ZERO_WIDTH)))


def split_multi(value: object) -> list[str]:
    """Split a multi-choice cell on ``、 , ， ; ； /`` and whitespace; blanks dropped."""
    text = clean_text(value)
    if text is None:
        return []
    text = unicodedata.normalize("NFKC", text)
    # NFKC keeps 、 (U+3001) and turns ，；into ASCII; the pattern covers both forms.
    return [part for part in _MULTI_SEP.split(text) if part]


def excel_serial_to_date(serial: float) -> date:
    """The calendar day of an Excel (1900 system) serial; a time fraction is dropped.

    Raises ``ValueError`` for serial 60 (the fictitious 1900-02-29) and values out of range.
    """
    if not math.isfinite(serial):
        raise ValueError("not a finite number")
    day = math.floor(serial)
    if day < 1 or day > EXCEL_MAX_SERIAL:
        raise ValueError(f"Excel date serial {serial} is out of range")
    if day == EXCEL_FAKE_LEAP_SERIAL:
        raise ValueError("Excel date serial 60 is 1900-02-29, a day that does not exist")
    if day < EXCEL_FAKE_LEAP_SERIAL:
        return date(1899, 12, 31) + timedelta(days=day)
    return date(1899, 12, 30) + timedelta(days=day)


def _bad_date(field: str, value: object, detail: str = "") -> FieldError:
    return FieldError(
        field,
        show(value),
        "not a date; write it as YYYY-MM-DD, e.g. 2026-12-05" + (f" ({detail})" if detail else ""),
        "日期格式不正确，请按 2026-12-05 的格式填写" + (f"（{detail}）" if detail else ""),
    )


def parse_date(value: object, *, field: str) -> date:
    """A date from a date/datetime cell, an Excel serial number or text.

    Text forms: ``2026-12-05``, ``2026/12/5``, ``2026.12.5``, ``2026年12月5日``, ``20261205``,
    optionally followed by a time (``2026-12-05 00:00:00``), which is dropped. Years before 1900
    are rejected. Day-first or month-first forms (``5/12/2026``) are rejected as ambiguous.
    """
    if isinstance(value, datetime):
        result = value.date()
    elif isinstance(value, date):
        result = value
    elif isinstance(value, bool) or value is None:
        raise _bad_date(field, value)
    elif isinstance(value, int | float):
        try:
            result = excel_serial_to_date(float(value))
        except ValueError as exc:
            raise _bad_date(field, value, str(exc)) from None
    else:
        text = unicodedata.normalize("NFKC", clean_text(value) or "")
        result = _parse_date_text(_DATE_SPACES.sub(r"\1", text), field=field, original=value)
    if result.year < MIN_YEAR:
        raise _bad_date(field, value, f"year before {MIN_YEAR}")
    return result


def _parse_date_text(text: str, *, field: str, original: object) -> date:
    match = _DATE_SEP.match(text) or _DATE_CN.match(text) or _DATE_COMPACT.match(text)
    if match is None:
        raise _bad_date(field, original)
    groups = [g for g in match.groups() if g not in {"-", "/", "."}]
    year, month, day = (int(g) for g in groups)
    try:
        return date(year, month, day)
    except ValueError:
        raise _bad_date(field, original, "no such day") from None


def parse_optional_date(value: object, *, field: str) -> date | None:
    """:func:`parse_date`, or ``None`` for a blank cell."""
    return None if is_blank(value) else parse_date(value, field=field)


def parse_int(value: object, *, field: str) -> int:
    """An integer from an int cell, a float cell only when exactly integral, or text."""
    if isinstance(value, bool) or value is None:
        raise FieldError(field, show(value), "not a whole number", "应填写整数")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        raise FieldError(field, show(value), "not a whole number", "应填写整数")
    text = compact(value)
    if not _INT_TEXT.match(text):
        raise FieldError(field, show(value), "not a whole number", "应填写整数")
    return int(text.split(".", 1)[0])


def parse_number(value: object, *, field: str) -> float:
    """A finite decimal number from a numeric cell or text (a trailing ``°`` is allowed)."""
    if isinstance(value, bool) or value is None:
        raise FieldError(field, show(value), "not a number", "应填写数字")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = compact(value).rstrip("°")
        if not _FLOAT_TEXT.match(text):
            raise FieldError(field, show(value), "not a number", "应填写数字")
        number = float(text)
    if not math.isfinite(number):
        raise FieldError(field, show(value), "not a finite number", "应填写有效数字")
    return number
