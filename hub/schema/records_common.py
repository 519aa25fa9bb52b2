"""What the records mutations share: the coded error interface and the volunteer input."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

import strawberry

from hub.schema.context import Info
from hub.schema.errors import Forbidden
from hub.schema.node import decode_id
from hub.services.records import RecordsError

E = TypeVar("E")


@strawberry.interface(description="A business rule refused the mutation.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str


def errors_from(make: Callable[..., E], codes: type[Enum], exc: RecordsError) -> list[E]:
    """The payload's ``errors`` for a refusal, with the mutation's own error type and code."""
    return [make(field=exc.field, code=codes(exc.code), message=exc.message)]


async def volunteer_input(info: Info, value: strawberry.ID | None) -> tuple[int, Any]:
    """(id, Volunteer or None) of an input volunteer ID, defaulting to a volunteer caller."""
    from hub.schema.volunteers import Volunteer

    if value is None:
        own = info.context.caller.volunteer_id
        if own is None:
            raise Forbidden("name a volunteerId, or call as a volunteer")
        volunteer_id = own
    else:
        volunteer_id = decode_id(str(value), "Volunteer", "volunteerId")
    return volunteer_id, await Volunteer.load(info, volunteer_id)
