"""A region's programme settings: the query that shows what is in force and where it comes
from, and the mutation that sets them (hub.services.region_settings)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from hub.schema.context import Info
from hub.schema.errors import BadUserInput
from hub.schema.payloads import mutation, payload
from hub.services import region_settings as service
from hub.services.records import RecordsError


@strawberry.enum(description="Where a setting in force comes from.")
class SettingSource(Enum):
    OWN = service.OWN
    INHERITED = service.INHERITED
    DEFAULT = service.DEFAULT


@strawberry.type(description="Whether a volunteer's 抢单 waits for a dispatcher's approval.")
class ClaimsApprovalSetting:
    value: bool
    source: SettingSource
    from_region_code: str | None = strawberry.field(
        description="The region that sets it (itself or an ancestor); null: the hub's default.")


@strawberry.type(description="After how many hours a pending service record confirms itself.")
class AutoConfirmSetting:
    hours: float | None = strawberry.field(
        description="Null: never by itself (the organiser, a dispatcher or the station must).")
    source: SettingSource
    from_region_code: str | None = strawberry.field(
        description="The region that sets it (itself or an ancestor); null: the hub's default.")


@strawberry.type(description="How many hours before a demand still short of volunteers "
                             "starts it escalates up the team tree (逐级上报).")
class EscalationSetting:
    hours: int
    source: SettingSource
    from_region_code: str | None = strawberry.field(
        description="The region that sets it (itself or an ancestor); null: the hub's default.")


@strawberry.type(description="The programme settings in force for a region: its own, else "
                             "its nearest ancestor's, else the hub's defaults.")
class RegionSettings:
    region_code: str
    claims_need_approval: ClaimsApprovalSetting
    record_auto_confirm: AutoConfirmSetting
    escalate_before: EscalationSetting
    updated_at: datetime | None = strawberry.field(
        description="When the region's own settings last changed; null: it sets none.")
    updated_by: str | None = strawberry.field(description="Who changed them (token subject).")

    @classmethod
    def of(cls, found: service.RegionSettings) -> RegionSettings:
        claims, hours = found.claims_need_approval, found.record_auto_confirm_hours
        lead = found.escalate_before_hours
        return cls(region_code=found.region_code,
                   claims_need_approval=ClaimsApprovalSetting(
                       value=bool(claims.value), source=SettingSource(claims.source),
                       from_region_code=claims.from_region),
                   record_auto_confirm=AutoConfirmSetting(
                       hours=None if hours.value is None else float(hours.value),
                       source=SettingSource(hours.source), from_region_code=hours.from_region),
                   escalate_before=EscalationSetting(
                       hours=int(lead.value), source=SettingSource(lead.source),
                       from_region_code=lead.from_region),
                   updated_at=found.updated_at, updated_by=found.updated_by)


async def _effective(info: Info, region_code: str) -> RegionSettings:
    found = await service.effective(
        info.context.db, region_code=region_code,
        default_auto_confirm_s=info.context.settings.record_auto_confirm_s)
    return RegionSettings.of(found)


@strawberry.input(description="Settings to change; leave one out to keep it, give null to "
                              "inherit it again from the region above.")
class UpdateRegionSettingsInput:
    region_code: str = strawberry.field(description="A 6-, 9- or 12-digit division code.")
    claims_need_approval: bool | None = strawberry.UNSET
    record_auto_confirm_hours: int | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"{service.MIN_AUTO_CONFIRM_H}..{service.MAX_AUTO_CONFIRM_H} hours.")
    escalate_before_hours: int | None = strawberry.field(
        default=strawberry.UNSET,
        description=f"{service.MIN_ESCALATE_H}..{service.MAX_ESCALATE_H} hours before a short "
                    "demand starts, escalate it up the team tree.")


@payload("UNKNOWN_REGION", "INVALID_HOURS", "NO_CHANGE", "CONFLICT")
class UpdateRegionSettingsPayload:
    settings: RegionSettings | None = None
    pending_records_rescheduled: int = strawberry.field(
        default=0, description="Records still pending in the subtree whose auto-confirm time "
                               "was worked out again.")


def _given(value: object) -> object:
    return service.UNCHANGED if value is strawberry.UNSET else value


async def update_region_settings(info: Info, input: UpdateRegionSettingsInput
                                 ) -> UpdateRegionSettingsPayload:
    moved = await service.update(
        info.context.db, info.context.caller, region_code=input.region_code,
        claims_need_approval=_given(input.claims_need_approval),
        record_auto_confirm_hours=_given(input.record_auto_confirm_hours),
        escalate_before_hours=_given(input.escalate_before_hours))
    return UpdateRegionSettingsPayload(settings=await _effective(info, input.region_code),
                                       pending_records_rescheduled=moved)


@strawberry.type
class RegionSettingsMutation:
    update_region_settings: UpdateRegionSettingsPayload = mutation(
        "Set a region's programme settings (an admin, or a dispatcher of the region's "
        "subtree): claims need approval, hours after which pending records confirm "
        "themselves, hours before the start at which short demands escalate.",
        update_region_settings)


@strawberry.type
class RegionSettingsQuery:
    @strawberry.field(description="The programme settings in force for a region, and where "
                                  "each comes from.")
    async def region_settings(self, info: Info, region_code: str) -> RegionSettings:
        try:
            return await _effective(info, region_code)
        except RecordsError as exc:
            raise BadUserInput("regionCode", region_code, "is not a known division code",
                               "不是已知的行政区划代码") from exc
