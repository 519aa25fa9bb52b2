"""Mainland mobile numbers (手机号)."""

from __future__ import annotations

import pytest

from hub.registration.errors import FieldError
from hub.registration.phone import parse_mobile


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        "+8613812345678",
        "+86 138 1234 5678",
        "0086-138-1234-5678",
        "8613812345678",
        "138-1234-5678",
        "（+86）13812345678",
        "１３８１２３４５６７８",
        " 138 1234 5678\u3000",
        "'13812345678",
        13812345678,
        13812345678.0,
        "13812345678.0",
    ],
)
def test_accepted_forms(value: object) -> None:
    assert parse_mobile(value) == "13812345678"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "required"),
        (None, "required"),
        (13812345678.5, "not a whole number"),
        ("1.38123E+10", "scientific notation"),
        ("0931-8123456", "landline"),
        ("1381234567", "11 digits, got 10"),
        ("138123456789", "11 digits, got 12"),
        ("12812345678", "begin with 13–19"),
        ("23812345678", "begin with 13–19"),
        ("138abc45678", "only digits"),
        ("+85261234567", r"\(\+86\)"),
        ("0085261234567", r"\(\+86\)"),
        (False, "not a phone number"),
    ],
)
def test_rejected_with_reason(value: object, reason: str) -> None:
    with pytest.raises(FieldError, match=reason):
        parse_mobile(value)


def test_error_masks_the_number() -> None:
    with pytest.raises(FieldError) as caught:
        parse_mobile("12812345678")
    assert caught.value.value == "128****5678"
    assert "12812345678" not in str(caught.value)
