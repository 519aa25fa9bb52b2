"""Service records (志愿服务记录), their corrections, rewards in the ledgers, and 评单.

:func:`record_service` is what the dispatch workflow calls when a dispatch completes, and what
activity attendance calls: it appends the record and posts the 积分 (points) and 时间储蓄
(time-bank minutes) rewards in the caller's transaction. A correction appends a reversing or
adjusting record and posts the difference in rewards, so the ledgers always equal the rewards
of the net verified hours.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import psycopg

from hub.store import ledger
from hub.store import records as store
from hub.store.base import ConnectionDatabase, Database, Row

POINTS_PER_HOUR = 10
"""积分 earned per verified hour (rounded to whole points)."""
MINUTES_PER_HOUR = 60
MAX_RECORD_HOURS = Decimal(168)
_CENT = Decimal("0.01")


class RecordsError(ValueError):
    """A business rule refused the request: ``code`` for clients, ``field`` names the input."""

    def __init__(self, code: str, field: str | None, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message


def hours_of(value: Decimal | float | int | str, field: str = "hours") -> Decimal:
    """Hours rounded to 0.01, positive and at most :data:`MAX_RECORD_HOURS`."""
    try:
        hours = Decimal(str(value)).quantize(_CENT, ROUND_HALF_UP)
    except InvalidOperation:
        raise RecordsError("INVALID_HOURS", field, f"{value!r} is not a number") from None
    if not hours.is_finite() or not 0 < hours <= MAX_RECORD_HOURS:
        raise RecordsError("INVALID_HOURS", field,
                           f"{value} h is outside (0, {MAX_RECORD_HOURS}] hours")
    return hours


def rewards(hours: Decimal) -> tuple[int, int]:
    """(points, time-bank minutes) earned by ``hours`` net verified hours."""
    points = (hours * POINTS_PER_HOUR).quantize(Decimal(1), ROUND_HALF_UP)
    minutes = (hours * MINUTES_PER_HOUR).quantize(Decimal(1), ROUND_HALF_UP)
    return int(points), int(minutes)


async def _post_rewards(tx: Database, *, volunteer_id: int, record_id: int, kind: str,
                        before: Decimal, after: Decimal, memo: str, by: str) -> None:
    """Move the difference in rewards between issuance and the volunteer's accounts."""
    (p0, m0), (p1, m1) = rewards(before), rewards(after)
    entries: list[tuple[int, int]] = []
    for unit, delta in (("points", p1 - p0), ("minutes", m1 - m0)):
        if delta == 0:
            continue
        mine = await ledger.account(tx, unit=unit, volunteer_id=volunteer_id)
        source = await ledger.account(tx, unit=unit, system_code="issuance")
        entries += [(mine, delta), (source, -delta)]
    if entries:
        await ledger.post(tx, kind=kind, service_record_id=record_id, memo=memo, created_by=by,
                          entries=entries)


@dataclass(frozen=True)
class Source:
    """Where the service happened: exactly one of a demand (maybe by dispatch) or an activity."""

    demand_id: int | None = None
    activity_id: int | None = None
    dispatch_id: int | None = None

    def __post_init__(self) -> None:
        if (self.demand_id is None) == (self.activity_id is None):
            raise ValueError("a service record comes from exactly one demand or activity")
        if self.dispatch_id is not None and self.demand_id is None:
            raise ValueError("a dispatch belongs to a demand")


async def record_service(tx: Database, *, volunteer_id: int, source: Source, hours: Decimal,
                         verified_by: str, served_on: date | None = None) -> Row:
    """Append a verified service record and post its rewards, in ``tx`` (the caller commits).

    ``served_on`` defaults to the demand's or activity's start date (China Standard Time).
    Raises :class:`RecordsError` ``NOT_FOUND`` or ``ALREADY_RECORDED``.
    """
    hours = hours_of(hours)
    if source.demand_id is not None:
        row = await store.demand_source(tx, demand_id=source.demand_id)
    else:
        assert source.activity_id is not None
        row = await store.activity_source(tx, activity_id=source.activity_id)
    if row is None:
        raise RecordsError("NOT_FOUND", "demandId" if source.demand_id else "activityId",
                           "the demand or activity does not exist")
    try:
        async with savepoint(tx):
            record = await store.insert(
                tx, volunteer_id=volunteer_id, demand_id=source.demand_id,
                activity_id=source.activity_id, dispatch_id=source.dispatch_id,
                organization_id=row["organization_id"], region_code=row["region_code"],
                title=row["title"], served_on=served_on or row["day"], hours=hours,
                recorded_by=verified_by)
    except psycopg.errors.UniqueViolation:
        raise RecordsError("ALREADY_RECORDED", None, "this service of the volunteer is already "
                           "recorded; correct that record instead") from None
    await _post_rewards(tx, volunteer_id=volunteer_id, record_id=record["id"],
                        kind="service_reward", before=Decimal(0), after=hours,
                        memo=f"服务奖励 {row['title']}", by=verified_by)
    return record


async def correct_record(tx: Database, *, record_id: int, hours: Decimal, reason: str,
                         corrected_by: str) -> Row:
    """Correct an original record to ``hours`` net (0 voids it) with a reason, in ``tx``.

    Appends an adjusting record of the difference and moves the difference in rewards.
    """
    try:
        target = Decimal(str(hours)).quantize(_CENT, ROUND_HALF_UP)
    except InvalidOperation:
        raise RecordsError("INVALID_HOURS", "hours", f"{hours!r} is not a number") from None
    if not target.is_finite() or not 0 <= target <= MAX_RECORD_HOURS:
        raise RecordsError("INVALID_HOURS", "hours",
                           f"{hours} h is outside [0, {MAX_RECORD_HOURS}] hours")
    reason = reason.strip()
    if not 2 <= len(reason) <= 500:
        raise RecordsError("REASON_REQUIRED", "reason", "give a reason of 2 to 500 characters")
    original = await store.get(tx, record_id=record_id, lock=True)
    if original is None:
        raise RecordsError("NOT_FOUND", "recordId", f"record {record_id} does not exist")
    if original["corrects_id"] is not None:
        raise RecordsError("NOT_AN_ORIGINAL", "recordId",
                           f"record {record_id} is a correction; correct record "
                           f"{original['corrects_id']} instead")
    before = Decimal(original["net_hours"])
    if target == before:
        raise RecordsError("NO_CHANGE", "hours", f"record {record_id} already has {before} h")
    correction = await store.insert_correction(tx, original_id=record_id, hours=target - before,
                                               reason=reason, recorded_by=corrected_by)
    try:
        async with savepoint(tx):
            await _post_rewards(tx, volunteer_id=original["volunteer_id"],
                                record_id=correction["id"], kind="correction", before=before,
                                after=target, memo=f"更正 #{record_id}: {reason}",
                                by=corrected_by)
            await tx.fetch("SET CONSTRAINTS ledger_entry_balanced IMMEDIATE")
    except psycopg.errors.CheckViolation:
        raise RecordsError("INSUFFICIENT_BALANCE", "hours", "the volunteer has already spent "
                           "the points or time this correction takes back") from None
    return correction


def savepoint(tx: Database) -> AbstractAsyncContextManager[Any]:
    """A savepoint on the transaction's connection, so one refusal leaves it usable."""
    if not isinstance(tx, ConnectionDatabase):
        raise TypeError("records are written inside db.transaction()")
    return tx.conn.transaction()
