"""Verification codes and the canonical signed payload of certificates (志愿服务证明)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from hub.certs.model import (
    ALPHABET,
    CertificateData,
    CertificateRecord,
    canonical_payload,
    certificate_dict,
    data_from_dict,
    is_valid_code,
    new_code,
    normalize_code,
    parse_payload,
)


def _data(**overrides: object) -> CertificateData:
    records = (
        CertificateRecord(
            date(2024, 3, 5), "学雷锋日科普讲座", "郑州市科技志愿服务队", Decimal("2.5")
        ),
        CertificateRecord(
            date(2024, 5, 30), "科技工作者日义诊", "河南省医学会科技志愿服务队", Decimal(3)
        ),
    )
    fields: dict[str, object] = {
        "code": new_code(),
        "volunteer_name": "张三",
        "volunteer_id_masked": "410***********123X",
        "period_from": date(2024, 1, 1),
        "period_to": date(2024, 12, 31),
        "total_hours": Decimal("5.50"),
        "stars": 2,
        "records": records,
        "issuer_name": "郑州市科学技术协会",
        "issued_at": datetime(2025, 1, 2, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8))),
    }
    fields.update(overrides)
    return CertificateData(**fields)  # type: ignore[arg-type]


def test_new_code_shape_and_uniqueness() -> None:
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        assert len(code) == 19 and code.count("-") == 3
        assert all(ch in ALPHABET for ch in code.replace("-", ""))
        assert normalize_code(code) == code


def test_normalize_is_tolerant() -> None:
    code = new_code()
    sloppy = code.lower().replace("-", "  ")
    assert normalize_code(sloppy) == code
    assert normalize_code(code.replace("-", "")) == code
    assert normalize_code(code.replace("0", "O").replace("1", "I")) == code
    assert normalize_code(code.replace("1", "l")) == code
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if c != "-" else "－" for c in code)
    assert normalize_code(fullwidth) == code


def test_every_single_typo_is_caught() -> None:
    code = new_code()
    chars = code.replace("-", "")
    for i, original in enumerate(chars):
        for replacement in ALPHABET:
            if replacement == original:
                continue
            typo = chars[:i] + replacement + chars[i + 1 :]
            with pytest.raises(ValueError, match="check character"):
                normalize_code(typo)


def test_most_adjacent_swaps_are_caught() -> None:
    caught = total = 0
    for _ in range(200):
        chars = new_code().replace("-", "")
        for i in range(len(chars) - 1):
            if chars[i] == chars[i + 1]:
                continue
            swapped = chars[:i] + chars[i + 1] + chars[i] + chars[i + 2 :]
            total += 1
            caught += not is_valid_code(swapped)
    assert caught / total > 0.95


@pytest.mark.parametrize(
    "bad", ["", "ABCD", "ABCD-EFGH-JKMN-PQRU", "ABCD-EFGH-JKMN-PQR*", "A" * 17]
)
def test_malformed_codes_raise(bad: str) -> None:
    with pytest.raises(ValueError):
        normalize_code(bad)
    assert not is_valid_code(bad)


def test_canonical_payload_is_deterministic_and_compact() -> None:
    data = _data()
    payload = canonical_payload(data)
    assert payload == canonical_payload(_data(code=data.code))
    text = payload.decode("utf-8")
    assert "张三" in text and ": " not in text and ", " not in text
    obj = json.loads(text)
    assert list(obj) == sorted(obj)
    assert obj["total_hours"] == "5.50"
    assert obj["records"][0]["hours"] == "2.50" and obj["records"][1]["hours"] == "3.00"
    assert obj["issued_at"] == "2025-01-02T01:30:15+00:00"
    assert obj["period_from"] == "2024-01-01"


def test_float_hours_do_not_drift() -> None:
    recs = tuple(
        CertificateRecord(date(2024, 6, 1), "x", "y", 0.1)  # type: ignore[arg-type]
        for _ in range(3)
    )
    data = _data(records=recs, total_hours=0.3)
    assert json.loads(canonical_payload(data))["total_hours"] == "0.30"


def test_round_trip_through_dict() -> None:
    data = _data()
    assert data_from_dict(certificate_dict(data)) == data
    assert data_from_dict(parse_payload(canonical_payload(data))) == data


def test_validation() -> None:
    with pytest.raises(ValueError, match="differs"):
        _data(total_hours=Decimal("6"))
    with pytest.raises(ValueError, match="stars"):
        _data(stars=6)
    with pytest.raises(ValueError, match="timezone"):
        _data(issued_at=datetime(2025, 1, 2))
    with pytest.raises(ValueError, match="outside"):
        _data(period_to=date(2024, 4, 1))
    with pytest.raises(ValueError, match="canonical"):
        _data(code=new_code().lower())
    with pytest.raises(ValueError, match="hours"):
        CertificateRecord(date(2024, 1, 1), "x", "y", Decimal("-1"))
    assert _data(issued_at=datetime(2025, 1, 1, tzinfo=UTC)).issued_at.tzinfo is UTC


def test_version_two_states_the_association_and_version_one_still_reads() -> None:
    old = _data()
    assert old.association_name is None
    old_bytes = canonical_payload(old)
    assert json.loads(old_bytes)["v"] == 1 and b"association_name" not in old_bytes
    # a certificate issued before the 科协 was stated re-serialises to the bytes it was signed as
    assert canonical_payload(data_from_dict(parse_payload(old_bytes))) == old_bytes
    new = _data(association_name="郑州市科学技术协会")
    new_obj = json.loads(canonical_payload(new))
    assert new_obj["v"] == 2 and new_obj["association_name"] == "郑州市科学技术协会"
    assert data_from_dict(new_obj) == new
    with pytest.raises(ValueError, match="wrong fields"):
        data_from_dict({**new_obj, "v": 1})
    with pytest.raises(ValueError, match="wrong fields"):
        data_from_dict({k: v for k, v in new_obj.items() if k != "association_name"})
    with pytest.raises(ValueError, match="association_name is empty"):
        _data(association_name=" ")
