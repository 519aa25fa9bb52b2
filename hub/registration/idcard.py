"""Resident ID numbers (公民身份号码, GB 11643-1999): structure, check digit, birth date.

An 18-character number is: a 6-digit address code (GB/T 2260 region at issue), an 8-digit
birth date ``YYYYMMDD``, a 3-digit sequence whose last digit is odd for men and even for women,
and a check character computed with ISO 7064 MOD 11-2 (``0``–``9`` or ``X``).

Values that went through Excel as numbers are rejected, never "repaired": Excel keeps 15
significant digits, so ``410102199003071234`` becomes ``4.10102199003071E+17`` and the last
digits are gone for good.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from operator import mul

from hub.registration.errors import FieldError, mask_middle, show_masked
from hub.registration.normalize import compact

ID_LENGTH = 18
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
#: Province-level prefixes of GB/T 2260 (83 = residence permits of Taiwan residents).
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)
_SHAPE = re.compile(r"^\d{17}[\dX]$")
# What a spreadsheet number looks like once written as text: 4.10102199003071E+17, 4101….0
_NUMBER_FORM = re.compile(r"^[+-]?\d+(?:\.\d*)?[eE][+-]?\d+$|^\d+\.\d*$")

EXCEL_NUMBER_REASON = (
    "stored as a number by Excel, so its last digits were lost; "
    "format the column as text and enter the number again"
)
EXCEL_NUMBER_REASON_ZH = "身份证号被 Excel 存成了数字，末几位已丢失；请把该列设为文本格式后重新录入"


@dataclass(frozen=True, slots=True)
class IdNumber:
    """A checked ID number. ``number`` is upper-case (``X``); ``gender`` is ``male``/``female``."""

    number: str
    birth_date: date
    gender: str
    region_code: str

    @property
    def masked(self) -> str:
        """``410***********123X``, for messages and screens."""
        return mask_middle(self.number)

    def __repr__(self) -> str:  # never print the full number by accident
        return f"IdNumber(number={self.masked!r}, birth_date={self.birth_date!r}, ...)"


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != ID_LENGTH - 1 or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(map(mul, map(int, first17), _WEIGHTS))
    return _CHECK_CHARS[total % 11]


def age_on(birth_date: date, day: date) -> int:
    """Completed years (周岁) on ``day``; someone born on 29 February ages on 1 March."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def parse_id_number(
    value: object, *, today: date | None = None, field: str = "身份证号"
) -> IdNumber:
    """Parse and check an 18-character ID number; raise :class:`FieldError` (masked) if bad.

    Accepted: lower-case ``x``, full-width characters, spaces, a leading ``'`` (Excel's text
    prefix). Rejected: numeric cells and number-shaped text (Excel lost digits), 15-digit
    first-generation numbers, wrong length or characters, unknown province, a wrong check
    character, a birth date that does not exist, lies in the future or before 1900.
    ``today`` defaults to ``date.today()``.
    """
    if value is None or (isinstance(value, str) and not compact(value)):
        raise FieldError(field, "", "required", "必填")
    if isinstance(value, bool):
        raise FieldError(field, show_masked(value), "not an ID number", "不是身份证号")
    if isinstance(value, int | float):
        raise FieldError(field, show_masked(value), EXCEL_NUMBER_REASON, EXCEL_NUMBER_REASON_ZH)
    text = compact(value).lstrip("'").upper()
    shown = mask_middle(text)
    if _NUMBER_FORM.match(text):
        raise FieldError(field, shown, EXCEL_NUMBER_REASON, EXCEL_NUMBER_REASON_ZH)
    if len(text) == 15 and text.isdigit():
        raise FieldError(
            field,
            shown,
            "15-digit first-generation ID numbers are not accepted; use the 18-character number",
            "不接受15位一代身份证号，请填写18位身份证号",
        )
    if len(text) != ID_LENGTH:
        raise FieldError(
            field,
            shown,
            f"must be 18 characters, got {len(text)}",
            f"应为18位，实际为{len(text)}位",
        )
    if not _SHAPE.match(text):
        raise FieldError(
            field,
            shown,
            "must be 17 digits followed by a digit or X",
            "应为17位数字加1位数字或X",
        )
    if check_character(text[:17]) != text[17]:
        raise FieldError(
            field,
            shown,
            "check digit does not match; a character was probably mistyped",
            "校验位不符，可能有录入错误",
        )
    if text[:2] not in PROVINCE_CODES:
        raise FieldError(
            field, shown, f"unknown province code {text[:2]}", f"省级代码 {text[:2]} 不存在"
        )
    birth = _birth_date(text, field=field, shown=shown, today=today or date.today())
    gender = "male" if int(text[16]) % 2 == 1 else "female"
    return IdNumber(number=text, birth_date=birth, gender=gender, region_code=text[:6])


def _birth_date(text: str, *, field: str, shown: str, today: date) -> date:
    try:
        birth = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise FieldError(
            field,
            shown,
            "the birth date in the number is not a real date",
            "号码中的出生日期不存在",
        ) from None
    if birth.year < 1900:
        raise FieldError(
            field,
            shown,
            "the birth date in the number is before 1900",
            "号码中的出生日期早于1900年",
        )
    if birth > today:
        raise FieldError(
            field,
            shown,
            "the birth date in the number is in the future",
            "号码中的出生日期晚于今天",
        )
    return birth
