"""Identifiers the auth package must read: relay global IDs and 12-digit division codes.

Implemented locally so that ``hub/auth`` depends on nothing above it.
"""

from __future__ import annotations

import base64
import binascii
import re

DIVISION_CODE_RE = re.compile(r"[1-9][0-9]{11}")  # ASCII digits only
"""A 12-digit statistical division code (统计用区划代码); the province part is never ``00``.
Use it whole (``fullmatch``): ``$`` would let a trailing newline through."""

# Digits that identify each level: province, prefecture, county, township, village.
_LEVEL_LENGTHS = (2, 4, 6, 9, 12)


def encode_global_id(type_name: str, node_id: int) -> str:
    """``("Volunteer", 7)`` → base64 of ``"Volunteer:7"`` (the relay global ID the schema uses)."""
    return base64.b64encode(f"{type_name}:{node_id}".encode()).decode()


def decode_global_id(value: str, *, type_name: str) -> int | None:
    """The numeric id inside a global ID of ``type_name``, or ``None`` if it is not one.

    Standard and URL-safe base64 are both accepted, with or without padding.
    """
    text = value.strip().replace("-", "+").replace("_", "/")
    if not text:
        return None
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True).decode()
    except (binascii.Error, ValueError):
        return None
    name, sep, node = raw.partition(":")
    if sep != ":" or name != type_name or not node.isascii() or not node.isdigit():
        return None
    return int(node)


def is_division_code(code: str) -> bool:
    """Whether ``code`` is a well-formed 12-digit division code."""
    return bool(DIVISION_CODE_RE.fullmatch(code))


def region_prefix(code: str) -> str:
    """The shortest prefix shared by ``code`` and every division beneath it.

    ``410000000000`` → ``"41"``, ``410100000000`` → ``"4101"``, ``410102000000`` → ``"410102"``,
    ``410102001000`` → ``"410102001"``, a village keeps all 12 digits. The prefix is digits only,
    so ``region_code LIKE prefix || '%'`` needs no escaping.
    """
    if not is_division_code(code):
        raise ValueError(f"region code must be 12 digits not starting with 0, got {code!r}")
    for length in _LEVEL_LENGTHS:
        if code[length:].strip("0") == "":
            return code[:length]
    return code  # unreachable: the last level keeps every digit
