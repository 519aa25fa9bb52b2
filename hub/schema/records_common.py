"""What the records mutations share: decoding the volunteer an input names."""

from __future__ import annotations

import strawberry

from hub.schema.context import Info
from hub.schema.node import decode_id
from hub.services.records import RecordsError


def volunteer_id_of(info: Info, value: strawberry.ID | None) -> int:
    """The key of an input's ``volunteerId``; when it is omitted, the calling volunteer's."""
    if value is not None:
        return decode_id(str(value), "Volunteer", "volunteerId")
    own = info.context.caller.volunteer_id
    if own is None:
        raise RecordsError("INVALID", "volunteerId", "name a volunteerId, or call as a volunteer")
    return own
