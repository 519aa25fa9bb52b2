"""Service records (志愿服务记录), their corrections and confirmation, and the ledgers' rewards.

:func:`record_service` is what the dispatch workflow calls when a volunteer checks out, and what
activity attendance calls: it appends the record in the caller's transaction. A record made by
an organiser (attendance) is confirmed at once; one made from a volunteer's own check-out is
*pending* (待确认) until the organiser, a dispatcher or the station confirms it
(:func:`confirm_record`) or the background sweep does once the period of its region has passed
(``region_setting.record_auto_confirm_hours``, inherited down the region tree; else the hub's
``HUB_RECORD_AUTO_CONFIRM_S``) (:func:`confirm_due`). Only
confirmed records count: the 积分 (points) and 时间储蓄 (time-bank minutes) rewards are posted
when a record is confirmed, and stars and certificates read confirmed records only.

A correction appends an adjusting record and, on a confirmed record, posts the difference in
rewards, so the ledgers always equal the rewards of the net confirmed hours (less redemptions).
Net hours never exceed the length of what the record records: the demand's window, or the
activity's duration (the database enforces it too, ``service_record_within_window``).

Concurrency: every writer of a record locks the original first and reads it in a later
statement (:func:`hub.store.records.lock`), and the database locks a volunteer's ledger
account before posting to it, so concurrent corrections, confirmations, check-outs and
redemptions take effect in some serial order. :func:`in_transaction` runs a unit of work in
one transaction, reruns it when it lost a deadlock, and turns a refusal by a database rule
(even one raised at commit) into a coded :class:`RecordsError`.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TypeVar

import psycopg
from psycopg import errors as pg_errors

from hub.auth import Caller
from hub.auth.actions import Action, require, subject
from hub.services import tell
from hub.services.outbox import EventKind, EventSubject
from hub.services.workflow_errors import shown_at
from hub.store import activities, demands, ledger
from hub.store import records as store
from hub.store.base import ConnectionDatabase, Database, Row
from hub.store.records import get as get
from hub.store.records import list_of_volunteers as list_of_volunteers
from hub.store.records import list_recognition as list_recognition
from hub.store.records import list_thresholds as list_thresholds

log = logging.getLogger(__name__)
POINTS_PER_HOUR = 10
"""积分 earned per confirmed hour (rounded to whole points)."""
MINUTES_PER_HOUR = 60
MAX_RECORD_HOURS = Decimal(168)
AUTO_CONFIRMER = "hub"
"""Who confirmed a record the sweep confirmed after the waiting period."""
CONFLICT_ATTEMPTS = 4  # a transaction that lost a deadlock runs this many times in all
SWEEP_BATCH = 100
_CENT = Decimal("0.01")
T = TypeVar("T")


class RecordsError(ValueError):
    """A business rule refused the request: ``code`` for clients, ``field`` names the input."""

    def __init__(self, code: str, field: str | None, message: str,
                 message_zh: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message
        self.message_zh = message_zh  # None: the code's sentence


# Database rules and the coded refusal each one means.
_REFUSALS: dict[str, tuple[str, str | None, str, str]] = {
    "service_record_net_hours": ("INVALID_HOURS", "hours", "net hours would become negative",
                                 "更正后的净时长不能为负"),
    "service_record_within_window": (
        "INVALID_HOURS", "hours", "net hours would exceed the length of the demand's window "
                                  "or the activity", "净时长不能超过需求时段或活动的时长"),
    "service_record_corrects_original": ("NOT_AN_ORIGINAL", "recordId",
                                         "a correction cannot be corrected", "更正记录不能再更正"),
    "service_record_confirms_original": ("NOT_AN_ORIGINAL", "recordId",
                                         "a correction cannot be confirmed", "更正记录不能确认"),
    "service_record_confirmation_pkey": ("ALREADY_CONFIRMED", "recordId",
                                         "the record is already confirmed", "记录已经确认"),
    "ledger_not_overdrawn": ("INSUFFICIENT_BALANCE", None, "the volunteer has already spent "
                                                           "the points or time this takes back",
                             "志愿者已使用了这次要扣回的积分或时间储蓄"),
    **{key: ("ALREADY_RECORDED", None, "this service of the volunteer is already recorded; "
                                       "correct that record instead",
             "志愿者的这次服务已经记录过，请更正那条记录")
       for key in ("service_record_dispatch_key", "service_record_demand_key",
                   "service_record_activity_key")},
}


def refusal(exc: psycopg.Error) -> RecordsError:
    """The coded refusal for a database rule's refusal (anything else is raised again)."""
    found = _REFUSALS.get(exc.diag.constraint_name or "")
    if found is None:
        raise exc
    code, field, message, message_zh = found
    return RecordsError(code, field, message, message_zh)


async def in_transaction(db: Database, work: Callable[[ConnectionDatabase], Awaitable[T]]) -> T:
    """Run ``work`` in one transaction and commit; see the module's note on concurrency."""
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            async with db.transaction() as tx:
                return await work(tx)
        except (pg_errors.DeadlockDetected, pg_errors.SerializationFailure):
            if attempt == CONFLICT_ATTEMPTS:
                raise RecordsError("CONFLICT", None, "concurrent changes kept winning; "
                                                     "try again", "并发修改冲突，请重试") from None
            await asyncio.sleep(random.uniform(0.005, 0.05) * attempt)
        except psycopg.IntegrityError as exc:
            raise refusal(exc) from None
    raise AssertionError("unreachable")


def hours_of(value: Decimal | float | int | str, field: str = "hours") -> Decimal:
    """Hours rounded to 0.01, positive and at most :data:`MAX_RECORD_HOURS`."""
    try:
        hours = Decimal(str(value)).quantize(_CENT, ROUND_HALF_UP)
    except InvalidOperation:
        raise RecordsError("INVALID_HOURS", field, f"{value!r} is not a number",
                           f"{value!r} 不是数字") from None
    if not hours.is_finite() or not 0 < hours <= MAX_RECORD_HOURS:
        raise RecordsError("INVALID_HOURS", field,
                           f"{value} h is outside (0, {MAX_RECORD_HOURS}] hours",
                           f"{value} 小时须大于 0 且不超过 {MAX_RECORD_HOURS} 小时")
    return hours


def rewards(hours: Decimal) -> tuple[int, int]:
    """(points, time-bank minutes) earned by ``hours`` net confirmed hours."""
    points = (hours * POINTS_PER_HOUR).quantize(Decimal(1), ROUND_HALF_UP)
    minutes = (hours * MINUTES_PER_HOUR).quantize(Decimal(1), ROUND_HALF_UP)
    return int(points), int(minutes)


async def _post(tx: Database, *, volunteer_id: int, counterpart: str, kind: str,
                record_id: int | None, deltas: tuple[int, int], memo: str, by: str) -> None:
    """Credit (or debit, if negative) the volunteer's points and minutes against a system
    account, and check the volunteer's balances at once (``INSUFFICIENT_BALANCE``)."""
    entries: list[tuple[int, int]] = []
    for unit, delta in zip(("points", "minutes"), deltas, strict=True):
        if delta == 0:
            continue
        mine = await ledger.get_account(tx, unit=unit, volunteer_id=volunteer_id)
        other = await ledger.get_account(tx, unit=unit, system_code=counterpart)
        entries += [(mine, delta), (other, -delta)]
    if not entries:
        return
    try:
        async with tx.savepoint():
            await ledger.create_transaction(tx, kind=kind, service_record_id=record_id, memo=memo,
                              created_by=by, entries=entries)
            await ledger.check_balanced(tx)
    except psycopg.errors.CheckViolation as exc:
        raise refusal(exc) from None


async def _reward(tx: Database, *, record: Row, record_id: int, kind: str, before: Decimal,
                  after: Decimal, memo: str, by: str) -> None:
    """Move the difference in rewards between ``before`` and ``after`` net hours."""
    (p0, m0), (p1, m1) = rewards(before), rewards(after)
    await _post(tx, volunteer_id=record["volunteer_id"], counterpart="issuance", kind=kind,
                record_id=record_id, deltas=(p1 - p0, m1 - m0), memo=memo, by=by)


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
                         verified_by: str, served_on: date | None = None,
                         pending: bool = False) -> Row:
    """Append a service record in ``tx`` (the caller commits): confirmed by ``verified_by``
    with its rewards posted, or ``pending`` confirmation (a volunteer's own check-out).

    ``served_on`` defaults to the demand's or activity's start date (China Standard Time).
    Raises :class:`RecordsError` ``NOT_FOUND``, ``INVALID_HOURS`` (more than the window or
    the activity lasts) or ``ALREADY_RECORDED``.
    """
    hours = hours_of(hours)
    if source.demand_id is not None:
        row = await demands.get_source(tx, demand_id=source.demand_id)
    else:
        assert source.activity_id is not None
        row = await activities.get_source(tx, activity_id=source.activity_id)
    if row is None:
        raise RecordsError("NOT_FOUND", "demandId" if source.demand_id else "activityId",
                           "the demand or activity does not exist", "需求或活动不存在")
    if hours > row["window_hours"]:
        raise RecordsError("INVALID_HOURS", "hours", f"{hours} h is more than the "
                                                     f"{row['window_hours']} h it lasts",
                           f"{hours} 小时超过了它的时长 {row['window_hours']} 小时")
    try:
        async with tx.savepoint():
            record = await store.create(
                tx, volunteer_id=volunteer_id, demand_id=source.demand_id,
                activity_id=source.activity_id, dispatch_id=source.dispatch_id,
                organization_id=row["organization_id"], region_code=row["region_code"],
                title=row["title"], served_on=served_on or row["day"], hours=hours,
                recorded_by=verified_by)
    except psycopg.IntegrityError as exc:
        raise refusal(exc) from None
    if pending:
        await store.create_pending(tx, record_id=record["id"])
        return {**record, "confirmed_at": None, "confirmed_by": None}
    confirmed = await store.create_confirmation(tx, record_id=record["id"], by=verified_by,
                                                automatic=False)
    await _tell_confirmed(tx, record, hours)
    await _reward(tx, record=record, record_id=record["id"], kind="service_reward",
                  before=Decimal(0), after=hours, memo=f"服务奖励 {row['title']}",
                  by=verified_by)
    return {**record, **confirmed}


async def _locked_original(tx: Database, record_id: int) -> Row:
    """An original record, locked, read after the lock (so with every committed change)."""
    original = None
    if await store.lock(tx, record_id=record_id):
        original = await store.get(tx, record_id=record_id)
    if original is None:
        raise RecordsError("NOT_FOUND", "recordId", f"record {record_id} does not exist",
                           f"记录 {record_id} 不存在")
    if original["corrects_id"] is not None:
        raise RecordsError("NOT_AN_ORIGINAL", "recordId",
                           f"record {record_id} is a correction; use record "
                           f"{original['corrects_id']} instead",
                           f"记录 {record_id} 是更正记录，"
                           f"请对原始记录 {original['corrects_id']} 操作")
    return original


def _target_hours(hours: Decimal | float | int | str) -> Decimal:
    try:
        target = Decimal(str(hours)).quantize(_CENT, ROUND_HALF_UP)
    except InvalidOperation:
        raise RecordsError("INVALID_HOURS", "hours", f"{hours!r} is not a number",
                           f"{hours!r} 不是数字") from None
    if not target.is_finite() or not 0 <= target <= MAX_RECORD_HOURS:
        raise RecordsError("INVALID_HOURS", "hours",
                           f"{hours} h is outside [0, {MAX_RECORD_HOURS}] hours",
                           f"{hours} 小时须在 0～{MAX_RECORD_HOURS} 小时之间")
    return target


async def correct_record(tx: Database, *, record_id: int, hours: Decimal, reason: str,
                         corrected_by: str) -> Row:
    """Correct an original record to ``hours`` net (0 voids it) with a reason, in ``tx``.

    Appends an adjusting record of the difference and, if the record is confirmed, moves the
    difference in rewards. Raising the hours above what the demand's window or the activity
    lasts is refused (``INVALID_HOURS``); lowering them is always allowed.
    """
    target = _target_hours(hours)
    reason = reason.strip()
    if not 2 <= len(reason) <= 500:
        raise RecordsError("REASON_REQUIRED", "reason", "give a reason of 2 to 500 characters",
                           "请填写 2～500 个字的原因")
    original = await _locked_original(tx, record_id)
    before, bound = Decimal(original["net_hours"]), Decimal(original["window_hours"])
    if target == before:
        raise RecordsError("NO_CHANGE", "hours", f"record {record_id} already has {before} h",
                           f"记录 {record_id} 已经是 {before} 小时")
    if target > before and target > bound:
        raise RecordsError("INVALID_HOURS", "hours", (
            f"{target} h is more than the {bound} h the record's demand window or activity "
            "lasts"), f"{target} 小时超过了该记录的需求时段或活动时长 {bound} 小时")
    try:
        async with tx.savepoint():
            correction = await store.create_correction(
                tx, original_id=record_id, hours=target - before, reason=reason,
                recorded_by=corrected_by)
    except psycopg.errors.CheckViolation as exc:
        raise refusal(exc) from None
    if original["confirmed_at"] is not None:
        await _reward(tx, record=original, record_id=correction["id"], kind="correction",
                      before=before, after=target, memo=f"更正 #{record_id}: {reason}",
                      by=corrected_by)
    return {**correction, "confirmed_at": original["confirmed_at"],
            "confirmed_by": original["confirmed_by"]}


async def _tell_confirmed(tx: Database, record: Row, hours: Decimal) -> None:
    """Record in the outbox that the volunteer's hours count now (HOURS_CONFIRMED)."""
    served = record.get("served_on")
    await tell.volunteer(tx, EventKind.HOURS_CONFIRMED, volunteer_id=record["volunteer_id"],
                         subject=EventSubject("service_record", record["id"]),
                         payload={"recordId": str(record["id"]), "title": record["title"],
                                  "hours": str(hours),
                                  "servedOn": served.isoformat() if served else None},
                         region_code=record.get("region_code"))


async def confirm_record(tx: Database, *, record_id: int, by: str,
                         automatic: bool = False) -> Row:
    """确认 a pending record in ``tx``: it now counts, and its rewards (of its net hours, after
    any corrections) are posted. Returns the record. ``ALREADY_CONFIRMED`` if it was."""
    original = await _locked_original(tx, record_id)
    if original["confirmed_at"] is not None:
        at = shown_at(original["confirmed_at"])
        raise RecordsError("ALREADY_CONFIRMED", "recordId", (
            f"record {record_id} was confirmed by {original['confirmed_by']} at {at}"),
            f"记录 {record_id} 已由 {original['confirmed_by']} 于 {at} 确认")
    confirmed = await store.create_confirmation(tx, record_id=record_id, by=by, automatic=automatic)
    await _tell_confirmed(tx, original, Decimal(original["net_hours"]))
    await _reward(tx, record=original, record_id=record_id, kind="service_reward",
                  before=Decimal(0), after=Decimal(original["net_hours"]),
                  memo=f"服务奖励 {original['title']}（确认）", by=by)
    return {**original, **confirmed}


async def confirm_due(db: Database, *, after_s: float | None,
                      limit: int = SWEEP_BATCH) -> int:
    """Confirm records whose waiting period has passed: their region's
    (``record_auto_confirm_hours``, inherited down the region tree), else ``after_s`` (the
    hub's default; None: only where a region sets a period). One transaction each, which
    checks again that the record is still due (a hand confirmation or a longer period set
    meanwhile just skips it); returns how many were confirmed. Idempotent: two runs at once,
    or a retry, confirm each record and post its points once (tests/jobs)."""
    done = 0
    for record_id in await store.list_pending_due(db, default_s=after_s, limit=limit):
        try:
            if await in_transaction(db, functools.partial(
                    _confirm_if_due, record_id=record_id, default_s=after_s)):
                done += 1
        except RecordsError as exc:
            log.debug("record %s not auto-confirmed: %s", record_id, exc)
    return done


async def _confirm_if_due(tx: Database, *, record_id: int, default_s: float | None) -> bool:
    if not await store.lock_pending_due(tx, record_id=record_id, default_s=default_s):
        return False
    await confirm_record(tx, record_id=record_id, by=AUTO_CONFIRMER, automatic=True)
    return True


async def redeem(tx: Database, *, volunteer_id: int, points: int, minutes: int, memo: str,
                 by: str) -> None:
    """兑换: spend a volunteer's points and time-bank minutes (``INSUFFICIENT_BALANCE`` when
    the balance does not cover them, counting every posting committed before)."""
    if points < 0 or minutes < 0 or points + minutes == 0:
        raise RecordsError("INVALID_AMOUNT", "points", "redeem a positive amount",
                           "兑换数量须为正数")
    await _post(tx, volunteer_id=volunteer_id, counterpart="redemption", kind="redemption",
                record_id=None, deltas=(-points, -minutes), memo=memo, by=by)


# -- entry points for callers: the action table first -----------------------------------------

def recorded_name(caller: Caller) -> str:
    """Who did it, as service records, reviews and certificates record it (the token subject)."""
    return caller.sub or caller.role.value


async def _authorised(db: Database, caller: Caller, record_id: int, action: Action,
                      what: str) -> Row:
    row = await store.get(db, record_id=record_id)
    if row is None:
        raise RecordsError("NOT_FOUND", "recordId", f"record {record_id} not found",
                           f"记录 {record_id} 不存在")
    # The record's region, organising team and the station of its demand or activity.
    require(caller, action, subject(region_code=row["region_code"], org_paths=[row["org_path"]],
                                    station_id=row["station_id"]), what=what)
    return row


async def correct(db: Database, caller: Caller, *, record_id: int, hours: Decimal,
                  reason: str) -> tuple[Row, Row]:
    """:func:`correct_record` for ``caller`` (``record.correct``: an admin, a dispatcher of the
    record's region, an org admin of the organising team; never the volunteer), in its own
    transaction. Returns (the correction, the original with its new net hours)."""
    found = await _authorised(db, caller, record_id, Action.RECORD_CORRECT,
                              "correct this record")
    row = await in_transaction(db, functools.partial(
        correct_record, record_id=record_id, hours=hours, reason=reason,
        corrected_by=recorded_name(caller)))
    return row, await store.get(db, record_id=record_id) or found


async def confirm(db: Database, caller: Caller, *, record_id: int) -> Row:
    """:func:`confirm_record` for ``caller`` (``record.confirm``), in its own transaction."""
    await _authorised(db, caller, record_id, Action.RECORD_CONFIRM, "confirm this record")
    return await in_transaction(db, functools.partial(
        confirm_record, record_id=record_id, by=recorded_name(caller)))
