"""The DateTime scalar in the caller's time zone (``hub/localization.py``).

Out: ISO 8601 with the offset of the caller's zone (``2026-12-05T13:00:00+08:00`` for
Asia/Shanghai, the default); a value without a zone (none is stored) is taken as UTC.
In: ISO 8601 (``datetime.fromisoformat``); a time with an offset is that instant, one without is
read in the caller's zone. The SDL is strawberry's own (``scalar DateTime``, same description).
"""

from __future__ import annotations

from datetime import UTC, datetime

import strawberry
from strawberry.exceptions import StrawberryInputCoercionError

from hub.localization import current


def serialize(value: datetime) -> str:
    """``value`` in the caller's zone, with its offset."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(current().zone).isoformat()


def parse(value: object) -> datetime:
    """An ISO 8601 text as an aware datetime (naive ones in the caller's zone)."""
    if not isinstance(value, str):
        raise StrawberryInputCoercionError(
            f'Value cannot represent a DateTime: "{value}". Expected a string.')
    try:
        moment = datetime.fromisoformat(value)
    except (ValueError, OverflowError) as exc:
        raise StrawberryInputCoercionError(
            f'Value cannot represent a DateTime: "{value}". {exc}') from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=current().zone)


DATETIME_SCALAR = strawberry.scalar(
    name="DateTime",
    description="Date with time (isoformat)",
    serialize=serialize,
    parse_value=parse,
)
