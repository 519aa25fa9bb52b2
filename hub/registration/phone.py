"""Mainland China mobile numbers (手机号): 11 digits, ``1`` then ``3``–``9``.

Accepted decorations: ``+86`` / ``0086`` / ``86`` country prefixes, spaces, dashes, dots and
parentheses between digit groups, full-width digits, Excel's text prefix ``'``. A numeric cell
(``13812345678`` or ``13812345678.0``) is fine when it is exactly a whole number: an 11-digit
number fits a double exactly, unlike an 18-digit ID number. Scientific notation in *text*
(``1.38123E+10``, what Excel writes into a CSV) has lost digits and is rejected.
"""

from __future__ import annotations

import math
import re

from hub.registration.errors import FieldError, mask_middle, show_masked
from hub.registration.normalize import compact

MOBILE_LENGTH = 11
_SEPARATORS = re.compile(r"[-()./\\]")
_TRAILING_ZERO_DECIMALS = re.compile(r"^(\+?\d+)\.0+$")
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:\.\d*)?[eE][+-]?\d+$")


def parse_mobile(value: object, *, field: str = "手机号") -> str:
    """The 11-digit mobile number in ``value``; raise :class:`FieldError` (masked) if bad."""
    if value is None or (isinstance(value, str) and not compact(value)):
        raise FieldError(field, "", "required", "必填")
    if isinstance(value, bool):
        raise FieldError(field, show_masked(value), "not a phone number", "不是手机号")
    if isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            raise FieldError(
                field, show_masked(value), "not a whole number", "手机号应为整数，不能有小数"
            )
        text = str(int(value))
    elif isinstance(value, int):
        text = str(value)
    else:
        text = compact(value).lstrip("'")
    if _SCIENTIFIC.match(text):
        raise FieldError(
            field,
            mask_middle(text),
            "written in scientific notation, so digits were lost; format the column as text",
            "手机号被存成了科学计数法，数字已丢失；请把该列设为文本格式后重新录入",
        )
    decimal = _TRAILING_ZERO_DECIMALS.match(text)
    if decimal:
        text = decimal.group(1)
    digits = _strip_country_code(_SEPARATORS.sub("", text))
    return _check_digits(digits, field=field)


def _strip_country_code(text: str) -> str:
    if text.startswith("+86"):
        return text[3:]
    if text.startswith("0086"):
        return text[4:]
    if text.startswith("86") and len(text) == MOBILE_LENGTH + 2:
        return text[2:]
    return text


def _check_digits(digits: str, *, field: str) -> str:
    shown = mask_middle(digits)
    if digits.startswith(("+", "00")):
        raise FieldError(
            field,
            shown,
            "only mainland China (+86) mobile numbers are accepted",
            "仅接受中国大陆（+86）手机号",
        )
    if not digits.isdigit() or not digits.isascii():
        raise FieldError(
            field, shown, "may contain only digits (and +86, spaces, dashes)", "只能包含数字"
        )
    if digits.startswith("0"):
        raise FieldError(
            field,
            shown,
            "looks like a landline number; a mobile number is required",
            "像是座机号码，请填写手机号",
        )
    if len(digits) != MOBILE_LENGTH:
        raise FieldError(
            field,
            shown,
            f"must be 11 digits, got {len(digits)}",
            f"应为11位，实际为{len(digits)}位",
        )
    if digits[0] != "1" or digits[1] not in "3456789":
        raise FieldError(
            field,
            shown,
            "not a mainland mobile number (they begin with 13–19)",
            "不是大陆手机号（应以13至19开头）",
        )
    return digits
