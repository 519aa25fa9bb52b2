"""Cell normalisation: text, dates (incl. Excel serials), integers, multi-choice cells."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hub.registration.errors import FieldError
from hub.registration.normalize import (
    clean_name_text,
    clean_text,
    compact,
    excel_serial_to_date,
    is_blank,
    parse_date,
    parse_int,
    parse_number,
    parse_optional_date,
    split_multi,
)


def test_clean_text() -> None:
    assert clean_text(None) is None
    assert clean_text("   \u3000 ") is None
    assert clean_text("  兰州  大学\u200b ") == "兰州 大学"
    assert clean_text("ＡＢＣ１２３（注）") == "ABC123（注）"  # full-width punctuation kept
    assert clean_text(3.0) == "3"
    assert clean_text(3.5) == "3.5"
    assert clean_text(datetime(2026, 12, 5)) == "2026-12-05"


def test_clean_name_text_removes_spaces_next_to_chinese() -> None:
    assert clean_name_text(" 甘肃省 科技志愿服务总队 ") == "甘肃省科技志愿服务总队"
    assert clean_name_text("兰州市（州） 科技志愿服务队") == "兰州市（州）科技志愿服务队"
    assert clean_name_text("兰州(城关)") == "兰州（城关）"
    assert clean_name_text("Green Land 科技") == "Green Land科技"


def test_compact_and_blank() -> None:
    assert compact(" ４１０ １０２\t") == "410102"
    assert compact(None) == ""
    assert is_blank(None) and is_blank(" \u200b ") and not is_blank(0)


@pytest.mark.parametrize(
    "value",
    [
        "2026-12-05",
        "2026/12/5",
        "2026.12.5",
        "2026年12月5日",
        "2026 年 12 月 5 日",
        "２０２６－１２－０５",
        "20261205",
        "2026-12-05 00:00:00",
        "2026-12-05T08:30",
        date(2026, 12, 5),
        datetime(2026, 12, 5, 14, 0),
        46361,
        46361.0,
        46361.75,  # a serial with a time of day
    ],
)
def test_dates(value: object) -> None:
    assert parse_date(value, field="保险有效期至") == date(2026, 12, 5)


@pytest.mark.parametrize(
    "value",
    [
        "5/12/2026",
        "12/05/2026",
        "2026-13-01",
        "2026-02-30",
        "明年",
        "2026-12/05",
        60,
        0,
        -3,
        "1899-12-31",
        True,
        3e9,
    ],
)
def test_bad_dates(value: object) -> None:
    with pytest.raises(FieldError) as caught:
        parse_date(value, field="保险有效期至")
    assert caught.value.field == "保险有效期至"
    assert "YYYY-MM-DD" in caught.value.reason


def test_excel_1900_leap_year_bug() -> None:
    assert excel_serial_to_date(1) == date(1900, 1, 1)
    assert excel_serial_to_date(59) == date(1900, 2, 28)
    with pytest.raises(ValueError, match="1900-02-29"):
        excel_serial_to_date(60)
    assert excel_serial_to_date(61) == date(1900, 3, 1)
    assert excel_serial_to_date(45658) == date(2025, 1, 1)


def test_optional_date() -> None:
    assert parse_optional_date(None, field="x") is None
    assert parse_optional_date("  ", field="x") is None


def test_integers_only_when_integral() -> None:
    assert parse_int(3, field="n") == 3
    assert parse_int(3.0, field="n") == 3
    assert parse_int(" ３ ", field="n") == 3
    assert parse_int("3.00", field="n") == 3
    for bad in (3.5, "3.5", "三", None, True, float("nan")):
        with pytest.raises(FieldError, match="whole number"):
            parse_int(bad, field="n")


def test_numbers() -> None:
    assert parse_number("103.8343°", field="经度") == pytest.approx(103.8343)
    assert parse_number("１０３．５", field="经度") == pytest.approx(103.5)
    assert parse_number(36, field="纬度") == 36.0
    for bad in ("东经103", "nan", float("inf"), None, ""):
        with pytest.raises(FieldError):
            parse_number(bad, field="经度")


def test_split_multi() -> None:
    text = "医疗健康、生物安全,应急安全，科学辟谣;农业实用技术； 企业创新  产业与乡村振兴"
    assert split_multi(text) == [
        "医疗健康",
        "生物安全",
        "应急安全",
        "科学辟谣",
        "农业实用技术",
        "企业创新",
        "产业与乡村振兴",
    ]
    assert split_multi(None) == [] and split_multi(" 、 ") == []
