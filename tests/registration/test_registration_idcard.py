"""ID numbers (身份证号): check digit, birth date, gender, Excel damage, masking."""

from __future__ import annotations

from datetime import date

import pytest
from registration_ids import MakeId, id_with_check

from hub.registration.errors import FieldError
from hub.registration.idcard import (
    EXCEL_NUMBER_REASON,
    age_on,
    check_character,
    parse_id_number,
)

TODAY = date(2026, 5, 1)


def test_standard_sample_number() -> None:
    # The sample number printed in GB 11643-1999.
    parsed = parse_id_number("11010519491231002X", today=TODAY)
    assert parsed.number == "11010519491231002X"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.gender == "female"
    assert parsed.region_code == "110105"


def test_check_character_matches_independent_computation(make_id: MakeId) -> None:
    for seq in ("001", "123", "457", "998"):
        number = make_id(seq=seq)
        assert check_character(number[:17]) == number[17]


def test_gender_from_seventeenth_digit(make_id: MakeId) -> None:
    assert parse_id_number(make_id(seq="131"), today=TODAY).gender == "male"
    assert parse_id_number(make_id(seq="132"), today=TODAY).gender == "female"


def test_lower_case_x_is_returned_upper_case() -> None:
    number = next(
        id_with_check(f"6201021985061212{d}")
        for d in range(10)
        if id_with_check(f"6201021985061212{d}").endswith("X")
    )
    parsed = parse_id_number(number.lower(), today=TODAY)
    assert parsed.number == number


def test_full_width_spaces_tabs_and_text_prefix_are_normalised(make_id: MakeId) -> None:
    number = make_id()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number)
    spaced = f" {number[:6]} {number[6:14]}\u3000{number[14:]} "
    for text in (full_width, spaced, "\t" + number, "'" + number, number + "\u200b"):
        assert parse_id_number(text, today=TODAY).number == number


@pytest.mark.parametrize(
    "value",
    [
        4.10102199003071e17,
        410102199003071234,
        "4.10102199003071234e17",
        "4.10102E+17",
        "410102199003071234.0",
    ],
)
def test_excel_number_forms_are_rejected_never_repaired(value: object) -> None:
    with pytest.raises(FieldError) as caught:
        parse_id_number(value, today=TODAY)
    assert caught.value.reason == EXCEL_NUMBER_REASON
    assert "format the column as text" in caught.value.reason
    assert "410102199003071234" not in str(caught.value)


def test_wrong_check_digit(make_id: MakeId) -> None:
    number = make_id()
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(FieldError, match="check digit"):
        parse_id_number(wrong, today=TODAY)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("6201021990023012", "not a real date"),  # 30 February
        ("6201021899123112", "before 1900"),
        ("6201022099010112", "in the future"),
        ("9901021985061212", "unknown province"),
    ],
)
def test_birth_date_and_province(body: str, reason: str) -> None:
    with pytest.raises(FieldError, match=reason):
        parse_id_number(id_with_check(body + "3"), today=TODAY)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "required"),
        (None, "required"),
        ("620102850612123", "15-digit"),
        ("62010219850612123", "18 characters, got 17"),
        ("62010219850612123A", "17 digits followed by"),
        ("6201021985O612123X", "17 digits followed by"),
        (True, "not an ID number"),
    ],
)
def test_malformed(value: object, reason: str) -> None:
    with pytest.raises(FieldError, match=reason):
        parse_id_number(value, today=TODAY)


def test_messages_mask_the_number(make_id: MakeId) -> None:
    number = make_id()
    bad = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(FieldError) as caught:
        parse_id_number(bad, field="身份证号", today=TODAY)
    error = caught.value
    assert bad not in str(error) and bad not in error.value
    assert error.value == bad[:3] + "*" * 11 + bad[-4:]
    assert error.field == "身份证号"
    assert error.reason_zh


def test_repr_hides_the_number(make_id: MakeId) -> None:
    number = make_id()
    assert number not in repr(parse_id_number(number, today=TODAY))


def test_age_on() -> None:
    born = date(2008, 5, 2)
    assert age_on(born, date(2026, 5, 1)) == 17
    assert age_on(born, date(2026, 5, 2)) == 18
    leap = date(2008, 2, 29)
    assert age_on(leap, date(2026, 2, 28)) == 17
    assert age_on(leap, date(2026, 3, 1)) == 18
