"""Field errors raised by the parsers, and how values are shown (masked) in messages.

Every parser in this package raises :class:`FieldError` with the value *as it may be shown*:
ID numbers (身份证号) and mobile numbers are masked before they reach any message, so an error
report or a log line never carries a full personal number.
"""

from __future__ import annotations

from datetime import date, datetime

SHOW_LIMIT = 60


class FieldError(ValueError):
    """One bad value in one field.

    ``field`` is the column header (Chinese, as in the template), ``value`` the value as it may
    be shown (already masked for personal numbers), ``reason`` an English sentence and
    ``reason_zh`` the same in Chinese for the people who fill in the spreadsheet.
    """

    def __init__(self, field: str, value: str, reason: str, reason_zh: str = "") -> None:
        super().__init__(f"{field} {value!r}: {reason}")
        self.field = field
        self.value = value
        self.reason = reason
        self.reason_zh = reason_zh or reason


def mask_middle(text: str, *, keep_start: int = 3, keep_end: int = 4) -> str:
    """Hide the middle of ``text``: ``41010219900307123X`` → ``410***********123X``.

    The same shape as :func:`hub.pii.mask_id_number` / ``mask_phone``; text too short to keep
    both ends is hidden entirely.
    """
    if len(text) <= keep_start + keep_end:
        return "*" * len(text)
    return text[:keep_start] + "*" * (len(text) - keep_start - keep_end) + text[-keep_end:]


def show(value: object, *, limit: int = SHOW_LIMIT) -> str:
    """A cell value as text for a message (NOT masked), cut to ``limit`` characters."""
    if value is None:
        return ""
    if isinstance(value, bool):
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, date):
        text = value.isoformat()
    else:
        text = str(value)
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_masked(value: object) -> str:
    """A personal number (ID, phone) for a message: :func:`show`, then :func:`mask_middle`."""
    return mask_middle(show(value, limit=10_000).replace(" ", ""))
