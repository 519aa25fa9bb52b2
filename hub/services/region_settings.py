"""A region's programme settings (sql/0018): whether claims (抢单) wait for a dispatcher's
approval, after how many hours a pending service record confirms itself, and how many hours
before a short demand starts it escalates up the team tree (sql/0026,
:mod:`hub.services.escalation`).

A region that sets nothing inherits from its nearest ancestor that does, else the hub's default
(claims: no approval; records: ``HUB_RECORD_AUTO_CONFIRM_S``). Setting them takes
``region.settings`` (an admin, or a dispatcher of the region's subtree). Changing the period
applies to the records of the subtree still pending (the period in force now, from each one's
check-out): a shorter period lets the next sweep confirm those already waiting that long; a
longer one keeps waiting those not yet confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.auth import Caller
from hub.auth.actions import Action, require, subject
from hub.auth.ids import region_prefix
from hub.geo.divisions import DivisionCodeError, normalize_code
from hub.services.records import RecordsError, in_transaction, recorded_name
from hub.store import records
from hub.store import region_settings as store
from hub.store.base import ConnectionDatabase, Database

MIN_AUTO_CONFIRM_H, MAX_AUTO_CONFIRM_H = 1, 2160  # the CHECK of region_setting (90 days)
MIN_ESCALATE_H, MAX_ESCALATE_H = 1, 720  # the CHECK of region_setting (30 days)
DEFAULT_ESCALATE_H = 24  # hub.services.escalation.DEFAULT_BEFORE_H
DEFAULT = "default"
OWN = "own"
INHERITED = "inherited"


@dataclass(frozen=True)
class Setting:
    """A setting in force for a region: its value, and where it comes from (``own``,
    ``inherited`` from ``from_region``, or the hub's ``default``)."""

    value: Any
    source: str
    from_region: str | None


@dataclass(frozen=True)
class RegionSettings:
    """The settings in force for a region."""

    region_code: str
    claims_need_approval: Setting
    record_auto_confirm_hours: Setting
    escalate_before_hours: Setting = Setting(DEFAULT_ESCALATE_H, DEFAULT, None)
    """How many hours before a short demand starts it escalates (逐级上报)."""
    updated_at: datetime | None = None
    """When the region's own settings last changed (None: it never set any)."""
    updated_by: str | None = None


def _checked_code(region_code: str) -> str:
    """A 6-, 9- or 12-digit division code as 12 digits (``UNKNOWN_REGION`` otherwise)."""
    try:
        return normalize_code(region_code)
    except DivisionCodeError:
        raise RecordsError("UNKNOWN_REGION", "regionCode",
                           f"{region_code!r} is not a 6-, 9- or 12-digit division code",
                           f"{region_code!r} 不是 6、9 或 12 位行政区划代码") from None


async def effective(db: Database, *, region_code: str,
                    default_auto_confirm_s: float | None) -> RegionSettings:
    """The settings in force for a region (``UNKNOWN_REGION`` if there is no such region)."""
    code = _checked_code(region_code)
    chain = await store.list_chain(db, region_code=code)
    if not chain:
        raise RecordsError("UNKNOWN_REGION", "regionCode", f"no region {code}",
                           f"没有行政区划 {code}")
    hours = (default_auto_confirm_s / 3600 if default_auto_confirm_s else None)

    def resolved(name: str, default: Any) -> Setting:
        for row in chain:
            if row[name] is not None:
                return Setting(row[name], OWN if row["depth"] == 0 else INHERITED,
                               row["code"])
        return Setting(default, DEFAULT, None)

    return RegionSettings(code, resolved("claims_need_approval", False),
                          resolved("record_auto_confirm_hours", hours),
                          resolved("escalate_before_hours", DEFAULT_ESCALATE_H),
                          chain[0]["updated_at"], chain[0]["updated_by"])


def _hours_within(hours: int | None, field: str, low: int, high: int) -> int | None:
    """A setting in hours, or None (inherit): INVALID_HOURS outside ``low..high``."""
    if hours is not None and not low <= hours <= high:
        days = high // 24
        raise RecordsError("INVALID_HOURS", field,
                           f"{hours} h is outside {low}..{high} hours ({days} days)",
                           f"{hours} 小时须在 {low}～{high} 小时（{days} 天）之间")
    return hours


UNCHANGED: Any = object()
"""A setting left out of an update (None means: inherit again)."""


async def update(db: Database, caller: Caller, *, region_code: str,
                 claims_need_approval: Any = UNCHANGED,
                 record_auto_confirm_hours: Any = UNCHANGED,
                 escalate_before_hours: Any = UNCHANGED) -> int:
    """Set a region's settings (leave out: unchanged; None: inherit again) for ``caller``
    (``region.settings``); returns how many pending records of the subtree had their
    auto-confirm time worked out again."""
    code = _checked_code(region_code)
    require(caller, Action.REGION_SETTINGS, subject(region_code=code),
            what="change this region's settings (an admin or the region's dispatcher may)")
    values: dict[str, Any] = {}
    if claims_need_approval is not UNCHANGED:
        values["claims_need_approval"] = claims_need_approval
    if record_auto_confirm_hours is not UNCHANGED:
        values["record_auto_confirm_hours"] = _hours_within(
            record_auto_confirm_hours, "recordAutoConfirmHours", MIN_AUTO_CONFIRM_H,
            MAX_AUTO_CONFIRM_H)
    if escalate_before_hours is not UNCHANGED:
        values["escalate_before_hours"] = _hours_within(
            escalate_before_hours, "escalateBeforeHours", MIN_ESCALATE_H, MAX_ESCALATE_H)
    if not values:
        raise RecordsError("NO_CHANGE", None, "give at least one setting to change",
                           "请至少填写一项要修改的设置")
    if not await store.list_chain(db, region_code=code):
        raise RecordsError("UNKNOWN_REGION", "regionCode", f"no region {code}",
                           f"没有行政区划 {code}")

    async def work(tx: ConnectionDatabase) -> int:
        await store.update(tx, region_code=code, values=values, by=recorded_name(caller))
        if "record_auto_confirm_hours" not in values:
            return 0
        return await records.update_pending_due(tx, region_prefix=region_prefix(code))

    return await in_transaction(db, work)
