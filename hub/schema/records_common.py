"""What the records mutations share: the coded error interface and the authorization check."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any, TypeVar

import strawberry

from hub.auth import Subject
from hub.auth.actions import Action
from hub.auth.actions import require as require_action
from hub.schema.context import Info
from hub.schema.errors import Forbidden
from hub.schema.node import decode_id
from hub.schema.records import org_subject
from hub.services.records import RecordsError
from hub.store import records
from hub.store.base import Row

E = TypeVar("E")


@strawberry.interface(description="A business rule refused the mutation.")
class UserError:
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str


def errors_from(make: Callable[..., E], codes: type[Enum], exc: RecordsError) -> list[E]:
    """The payload's ``errors`` for a refusal, with the mutation's own error type and code."""
    return [make(field=exc.field, code=codes(exc.code), message=exc.message)]


def caller_name(info: Info) -> str:
    """Who is acting, as recorded (the token subject)."""
    return info.context.caller.sub or info.context.caller.role.value


def require(info: Info, action: Action, subject: Subject | None = None, *, what: str) -> None:
    """The action table's answer for the request's caller (``Denied`` → FORBIDDEN)."""
    require_action(info.context.caller, action, subject, what=what)


async def managed_record(info: Info, value: strawberry.ID, *, action: Action,
                         what: str) -> tuple[int, Row]:
    """(id, row) of an input record the caller may ``action`` (an admin, a dispatcher of its
    region, an org admin of the organising team's subtree); else FORBIDDEN, or ``NOT_FOUND``."""
    record_id = decode_id(str(value), "ServiceRecord", "recordId")
    row = await records.get(info.context.db, record_id=record_id)
    if row is None:
        raise RecordsError("NOT_FOUND", "recordId", f"record {record_id} not found")
    require(info, action, org_subject(row["region_code"], row["org_path"]), what=what)
    return record_id, row


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
