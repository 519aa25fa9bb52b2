"""What a certificate (志愿服务证明) certifies, its canonical signed bytes, and its code.

A certificate is issued from verified service records (志愿服务记录) for one volunteer and one
period (seed 001: records must be true and accurate; certificates are issued from them). The
signed bytes are :func:`canonical_payload`; everything printed on the PDF comes from the same
:class:`CertificateData`.

Verification codes (验证码) are 16 characters of Crockford base32 written in groups of four,
e.g. ``7K3M-Q0ZD-4HXA-9T2E``: 15 random characters (75 bits) and one Luhn mod 32 check
character, so any single mistyped character and almost every swap of neighbours is caught.
"""

from __future__ import annotations

import json
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

PAYLOAD_KIND = "hub.certificate"
PAYLOAD_VERSION = 2
"""Version 2 adds ``association_name`` (the 科协); version 1 payloads (without it) still read
and re-serialise to the same bytes."""
MAX_STARS = 5

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_CONFUSABLE = {"O": "0", "I": "1", "L": "1"}
_SEPARATORS = frozenset(" \t\r\n-_.·\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc")
CODE_LENGTH = 16
GROUP = 4
_CENT = Decimal("0.01")


def _hours(value: Decimal | int | float | str) -> Decimal:
    """Hours as a non-negative Decimal with exactly two decimals."""
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise ValueError(f"hours must be a number, got {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"hours must be a finite non-negative number, got {value!r}")
    return amount.quantize(_CENT)


@dataclass(frozen=True)
class CertificateRecord:
    """One verified service record (志愿服务记录) listed on the certificate."""

    date: date
    title: str
    organization: str
    hours: Decimal

    def __post_init__(self) -> None:
        if isinstance(self.date, datetime) or not isinstance(self.date, date):
            raise ValueError(f"record date must be a date, got {self.date!r}")
        object.__setattr__(self, "hours", _hours(self.hours))


@dataclass(frozen=True)
class CertificateData:
    """Everything a certificate (志愿服务证明) states; the signature covers all of it.

    ``total_hours`` must equal the sum of the records' hours (each rounded to 0.01 h);
    ``stars`` (星级, 0–5) is decided by the caller from cumulative verified hours.
    ``issued_at`` must be timezone-aware; it is kept in UTC to the second.
    ``association_name`` is the science and technology association (科协) the issuing
    organisation answers to; None only on certificates issued before it was stated (version 1).
    """

    code: str
    volunteer_name: str
    volunteer_id_masked: str | None
    period_from: date
    period_to: date
    total_hours: Decimal
    stars: int
    records: tuple[CertificateRecord, ...]
    issuer_name: str
    issued_at: datetime
    association_name: str | None = None

    def __post_init__(self) -> None:
        if normalize_code(self.code) != self.code:
            raise ValueError(f"code must be in canonical form {normalize_code(self.code)!r}")
        if not self.volunteer_name.strip():
            raise ValueError("volunteer_name is empty")
        if not self.issuer_name.strip():
            raise ValueError("issuer_name is empty")
        if self.association_name is not None and not self.association_name.strip():
            raise ValueError("association_name is empty")
        if self.period_from > self.period_to:
            raise ValueError(f"period_from {self.period_from} is after period_to {self.period_to}")
        if isinstance(self.stars, bool) or not 0 <= self.stars <= MAX_STARS:
            raise ValueError(f"stars must be an integer 0..{MAX_STARS}, got {self.stars!r}")
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be timezone-aware")
        records = tuple(self.records)
        for record in records:
            if not self.period_from <= record.date <= self.period_to:
                raise ValueError(f"record on {record.date} lies outside the period")
        total = _hours(self.total_hours)
        summed = sum((r.hours for r in records), Decimal("0.00"))
        if total != summed:
            raise ValueError(f"total_hours {total} differs from the records' sum {summed}")
        object.__setattr__(self, "records", records)
        object.__setattr__(self, "total_hours", total)
        issued = self.issued_at.astimezone(UTC).replace(microsecond=0)
        object.__setattr__(self, "issued_at", issued)


def certificate_dict(data: CertificateData) -> dict[str, Any]:
    """The JSON-ready content of a certificate: what verification shows and the signature covers."""
    content: dict[str, Any] = {
        "kind": PAYLOAD_KIND,
        "v": PAYLOAD_VERSION if data.association_name is not None else 1,
        "code": data.code,
        "volunteer_name": data.volunteer_name,
        "volunteer_id_masked": data.volunteer_id_masked,
        "period_from": data.period_from.isoformat(),
        "period_to": data.period_to.isoformat(),
        "total_hours": f"{data.total_hours:.2f}",
        "stars": data.stars,
        "records": [
            {
                "date": r.date.isoformat(),
                "title": r.title,
                "organization": r.organization,
                "hours": f"{r.hours:.2f}",
            }
            for r in data.records
        ],
        "issuer_name": data.issuer_name,
        "issued_at": data.issued_at.isoformat(),
    }
    if data.association_name is not None:
        content["association_name"] = data.association_name
    return content


def canonical_payload(data: CertificateData) -> bytes:
    """The exact bytes that are signed: UTF-8 JSON, sorted keys, no whitespace."""
    text = json.dumps(
        certificate_dict(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return text.encode("utf-8")


def data_from_dict(obj: dict[str, Any]) -> CertificateData:
    """Rebuild :class:`CertificateData` from :func:`certificate_dict` output (or parsed payload)."""
    version = obj.get("v")
    if obj.get("kind") != PAYLOAD_KIND or version not in (1, PAYLOAD_VERSION):
        raise ValueError("not a hub certificate payload of a known version")
    if (version == PAYLOAD_VERSION) != ("association_name" in obj):
        raise ValueError(f"a version {version} payload with the wrong fields")
    try:
        return CertificateData(
            code=obj["code"],
            volunteer_name=obj["volunteer_name"],
            volunteer_id_masked=obj["volunteer_id_masked"],
            period_from=date.fromisoformat(obj["period_from"]),
            period_to=date.fromisoformat(obj["period_to"]),
            total_hours=Decimal(obj["total_hours"]),
            stars=int(obj["stars"]),
            records=tuple(
                CertificateRecord(
                    date=date.fromisoformat(r["date"]),
                    title=r["title"],
                    organization=r["organization"],
                    hours=Decimal(r["hours"]),
                )
                for r in obj["records"]
            ),
            issuer_name=obj["issuer_name"],
            issued_at=datetime.fromisoformat(obj["issued_at"]),
            association_name=obj.get("association_name"),
        )
    except (KeyError, TypeError, InvalidOperation) as exc:
        raise ValueError(f"malformed certificate payload: {exc!r}") from None


def parse_payload(payload: bytes) -> dict[str, Any]:
    """Parse signed payload bytes into a dict; ValueError if it is not a JSON object."""
    try:
        obj = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"payload is not UTF-8 JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise ValueError("payload is not a JSON object")
    return obj


# --- verification codes ------------------------------------------------------------------


def _check_value(values: list[int]) -> int:
    """Luhn mod 32 check value for ``values`` (the check character is appended after them)."""
    n = len(ALPHABET)
    total = 0
    factor = 2
    for value in reversed(values):
        addend = factor * value
        total += addend // n + addend % n
        factor = 3 - factor
    return (n - total % n) % n


def _group(chars: str) -> str:
    return "-".join(chars[i : i + GROUP] for i in range(0, len(chars), GROUP))


def new_code() -> str:
    """A fresh random verification code, e.g. ``7K3M-Q0ZD-4HXA-9T2E`` (75 random bits)."""
    values = [secrets.randbelow(len(ALPHABET)) for _ in range(CODE_LENGTH - 1)]
    values.append(_check_value(values))
    return _group("".join(ALPHABET[v] for v in values))


def normalize_code(text: str) -> str:
    """The canonical ``XXXX-XXXX-XXXX-XXXX`` form of a typed code.

    Tolerates lower case, spaces, dashes, full-width characters and the confusables O→0,
    I/L→1. Raises ValueError for a wrong length, a character outside the alphabet, or a check
    character that does not match (a typo).
    """
    cleaned = unicodedata.normalize("NFKC", text).upper()
    chars = [_CONFUSABLE.get(ch, ch) for ch in cleaned if ch not in _SEPARATORS]
    bad = sorted({ch for ch in chars if ch not in _VALUE})
    if bad:
        raise ValueError(f"verification code contains invalid characters: {''.join(bad)!r}")
    if len(chars) != CODE_LENGTH:
        raise ValueError(f"verification code must have {CODE_LENGTH} characters, got {len(chars)}")
    values = [_VALUE[ch] for ch in chars]
    if _check_value(values[:-1]) != values[-1]:
        raise ValueError("verification code check character does not match (typo?)")
    return _group("".join(chars))


def is_valid_code(text: str) -> bool:
    """Whether ``text`` normalises to a well-formed code."""
    try:
        normalize_code(text)
    except ValueError:
        return False
    return True
