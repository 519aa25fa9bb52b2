"""确认: the organiser or a dispatcher confirms a pending service record.

A volunteer's own check-out makes a pending record; it counts (stars, points, time bank,
certificates) once confirmed here, or once it has waited ``HUB_RECORD_AUTO_CONFIRM_S`` and the
background sweep confirms it. Who may confirm: an admin, a dispatcher whose region subtree
holds the record, or an org admin whose organisation subtree organised it (as for
``correctServiceRecord``); never the volunteer. A record may be corrected before or after it
is confirmed; confirming posts the rewards of its net hours at that moment.
"""

from __future__ import annotations

import strawberry

from hub.schema.context import Info
from hub.schema.node import decode_id
from hub.schema.payloads import payload
from hub.schema.records import ServiceRecord
from hub.services import records as record_service


@strawberry.input(description="The pending record to confirm.")
class ConfirmServiceRecordInput:
    record_id: strawberry.ID


@payload("INVALID", "NOT_FOUND", "NOT_AN_ORIGINAL", "ALREADY_CONFIRMED", "CONFLICT")
class ConfirmServiceRecordPayload:
    record: ServiceRecord | None = strawberry.field(
        default=None, description="The confirmed record, with its net hours.")


async def confirm_service_record(info: Info, input: ConfirmServiceRecordInput
                                 ) -> ConfirmServiceRecordPayload:
    record_id = decode_id(str(input.record_id), "ServiceRecord", "recordId")
    row = await record_service.confirm(info.context.db, info.context.caller, record_id=record_id)
    return ConfirmServiceRecordPayload(record=ServiceRecord.from_row(row))
