"""派单 → 接单 → 服务: the dispatch lifecycle; its transactions begin and commit here.

States and transitions are the database's (``dispatch_state``, ``dispatch_transition``); this
module reads them and the ``dispatch_guard`` trigger enforces them again, with the slot count
and the no-double-booking constraint, so concurrent callers can never overbook. Every writer
locks the demand row first, then the dispatch, so writers of one demand queue rather than
deadlock. A freed slot (declined, expired, cancelled, no-show) is offered to the next best
candidate the matcher finds, or the demand says why it stays unfilled.

Service happens in the demand's window: check-in from ``HUB_CHECKIN_TOLERANCE_S`` before it
starts until it ends, check-out once it has started; hours are clipped to it and make a
*pending* record (:mod:`hub.services.records`). A demand is in progress once its window has
started and someone checked in, done once every active dispatch is completed or the window has
ended (``settle_demand``; the background sweep settles windows that pass with nobody acting).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import psycopg

from hub.auth import Caller
from hub.auth.actions import Action, actor, require, subject
from hub.matching import ProblemError, candidates_for_demand
from hub.services import records, tell
from hub.services.matching import MatchError, MatchRequest, build_problem
from hub.services.outbox import EventKind
from hub.services.subjects import dispatch_subject
from hub.services.workflow_errors import (
    DEMAND_STATUS,
    DISPATCH_STATUS,
    VOLUNTEER_STATUS,
    Code,
    Refused,
    WorkflowError,
    db_error,
    retry_conflicts,
    shown_at,
    status_zh,
)
from hub.store import demands, volunteers
from hub.store import dispatch as store
from hub.store.base import ConnectionDatabase, Database, Row
from hub.store.dispatch import DispatchFilter as DispatchFilter
from hub.store.dispatch import count as count
from hub.store.dispatch import get_many as get_many
from hub.store.dispatch import list_ as list_
from hub.store.dispatch import list_events as list_events
from hub.store.dispatch import list_states as list_states

log = logging.getLogger(__name__)
HUB_ACTOR = "hub"
MAX_CANDIDATES_TRIED = 5
MAX_HAND_OFFERS = 50  # volunteers offered a demand in one 派单 by hand
CHECK_IN_TOLERANCE_S = 3600  # the default of HUB_CHECKIN_TOLERANCE_S
SWEEP_BATCH = 100


async def allowed(db: Database) -> frozenset[tuple[str, str]]:
    """The allowed transitions, as ``dispatch_transition`` holds them (a dozen rows, read when
    asked: no process-wide copy to go stale or outlive the database it came from)."""
    return await store.list_transitions(db)


# 派单 -------------------------------------------------------------------------------------

async def offer(db: Database, *, caller: Caller, demand_id: int, volunteer_ids: Sequence[int],
                ttl_s: int) -> list[int]:
    """Offer a demand's slots to volunteers by hand: all of them or none (:class:`Refused`).

    The caller needs ``dispatch.offer`` on the demand. Any active volunteer may be offered:
    the matcher too reaches across division borders (就近就便), and an offer shows the
    dispatcher nothing of the volunteer that the field policy would not.
    """
    return await retry_conflicts(lambda: _offer_once(
        db, caller=caller, demand_id=demand_id, volunteer_ids=volunteer_ids, ttl_s=ttl_s))


async def _offer_once(db: Database, *, caller: Caller, demand_id: int,
                      volunteer_ids: Sequence[int], ttl_s: int) -> list[int]:
    by = actor(caller)
    errors: list[WorkflowError] = []
    made: list[int] = []
    try:
        async with db.transaction() as tx:
            demand = await demands.lock(tx, demand_id=demand_id)
            if demand is None:
                raise Refused([WorkflowError(Code.NOT_FOUND, "demandId",
                                             f"demand {demand_id} does not exist",
                                             f"需求 {demand_id} 不存在")])
            require(caller, Action.DISPATCH_OFFER, subject(region_code=demand["region_code"]),
                    what="dispatch there")
            offerable(demand, "demandId")
            if not 1 <= len(volunteer_ids) <= MAX_HAND_OFFERS:
                raise WorkflowError(Code.INVALID, "volunteerIds", (
                    f"{len(volunteer_ids)} given; give 1..{MAX_HAND_OFFERS}"),
                    f"选了 {len(volunteer_ids)} 名志愿者，须为 1～{MAX_HAND_OFFERS} 名")
            if len(set(volunteer_ids)) != len(volunteer_ids):
                raise WorkflowError(Code.INVALID, "volunteerIds", "names a volunteer twice",
                                    "同一志愿者选了两次")
            standing = await volunteers.get_many_standing(tx, ids=volunteer_ids,
                                                          until=demand["ends_at"])
            for n, vid in enumerate(volunteer_ids):
                field = f"volunteerIds[{n}]"
                refusal = unfit(standing.get(vid), vid, demand, field)
                if refusal is not None:
                    errors.append(refusal)
                    continue
                try:
                    async with tx.savepoint():
                        row = await store.create(
                            tx, demand_id=demand_id, volunteer_id=vid, plan_id=None,
                            distance_m=None, reason="dispatched by hand", offered_by=by,
                            ttl_s=ttl_s)
                    made.append(int(row["id"]))
                except psycopg.Error as exc:
                    errors.append(db_error(exc, field, f"volunteer {vid}"))
            if errors:
                raise Refused(errors)
            await tell.dispatches(tx, EventKind.OFFER_MADE, made)
            await demands.update_dispatched(tx, demand_ids=[demand_id])
    except WorkflowError as exc:
        raise Refused([exc]) from None
    return made


def unfit(volunteer: Row | None, volunteer_id: int, demand: Row,
           field: str) -> WorkflowError | None:
    """Why a volunteer cannot be offered this demand by hand, if they cannot."""
    if volunteer is None:
        return WorkflowError(Code.NOT_FOUND, field, f"volunteer {volunteer_id} does not exist",
                             f"志愿者 {volunteer_id} 不存在")
    if volunteer["status"] != "active":
        return WorkflowError(Code.VOLUNTEER_INACTIVE, field,
                             f"volunteer {volunteer_id} is {volunteer['status']}",
                             f"志愿者 {volunteer_id} 当前状态为"
                             f"{status_zh(VOLUNTEER_STATUS, volunteer['status'])}")
    if demand["requires_insurance"] and not volunteer["insured"]:
        return WorkflowError(Code.NOT_INSURED, field, (
            f"volunteer {volunteer_id} has no accident insurance until "
            f"{shown_at(demand['ends_at'])}, which demand {demand['id']} requires"),
            f"需求 {demand['id']} 要求保险，志愿者 {volunteer_id} 的意外险未覆盖到 "
            f"{shown_at(demand['ends_at'])}")
    return None


def offerable(demand: Row, field: str) -> None:
    if demand["status"] not in ("open", "dispatched"):
        raise WorkflowError(Code.DEMAND_CLOSED, field,
                            f"demand {demand['id']} is {demand['status']}",
                            f"需求 {demand['id']} 当前状态为"
                            f"{status_zh(DEMAND_STATUS, demand['status'])}")
    if demand["starts_at"] <= demand["now"]:
        raise WorkflowError(Code.WINDOW_STARTED, field,
                            f"demand {demand['id']} started at {shown_at(demand['starts_at'])}",
                            f"需求 {demand['id']} 已于 {shown_at(demand['starts_at'])} 开始")


@dataclass(frozen=True)
class Refill:
    """What became of a freed slot."""

    dispatch_id: int | None
    volunteer_id: int | None
    unfilled_reason: str | None


async def _candidates(tx: Database, demand: Row) -> list[tuple[str, float]]:
    """The matcher's ranking for one demand, leaving out everyone offered it before."""
    tried = [str(v) for v in await store.list_tried_volunteers(tx, demand_id=demand["id"])]
    try:
        request = MatchRequest(demand["region_code"], demand["region_code"],
                               demand["starts_at"], demand["starts_at"] + timedelta(seconds=1),
                               {})
        problem = await build_problem(tx, request)
        return await asyncio.to_thread(candidates_for_demand, problem, str(demand["id"]), tried)
    except (ProblemError, MatchError):  # the demand is no longer open to matching
        return []


async def refill(tx: ConnectionDatabase, *, demand_id: int, ttl_s: int) -> Refill | None:
    """Offer a freed slot to the next best candidate, or record why it stays empty."""
    demand = await demands.lock(tx, demand_id=demand_id)
    if demand is None or demand["status"] not in demands.TO_BE_SERVED or (
            demand["taken"] >= demand["needed"]):
        return None
    reason = "the window has started; nobody else can be asked in time"
    if demand["starts_at"] > demand["now"]:
        ranked = await _candidates(tx, demand)
        reason = ("no other volunteer meets the skill, reach, time and insurance rules"
                  if not ranked else "every remaining candidate was booked meanwhile")
        for vid, dist in ranked[:MAX_CANDIDATES_TRIED]:
            try:
                async with tx.savepoint():
                    row = await store.create(
                        tx, demand_id=demand_id, volunteer_id=int(vid), plan_id=None,
                        distance_m=dist, reason=f"next best candidate, {dist:.0f} m away",
                        offered_by=HUB_ACTOR, ttl_s=ttl_s)
                await tell.dispatches(tx, EventKind.OFFER_REOFFERED, [int(row["id"])])
                return Refill(int(row["id"]), int(vid), None)
            except psycopg.Error:
                continue
    await demands.update_unfilled(tx, demand_id=demand_id, reason=reason)
    await tell.demands(tx, EventKind.DEMAND_UNFILLED, [demand_id], extra={"reason": reason})
    return Refill(None, None, reason)


# 接单 and 服务 -----------------------------------------------------------------------------

Step = Callable[[ConnectionDatabase, Row], Awaitable[WorkflowError | None]]


@dataclass(frozen=True)
class Acting:
    """Who changes a dispatch, and the action table's row that must admit them."""

    caller: Caller
    action: Action
    what: str


async def change(db: Database, dispatch_id: int, to_state: str, step: Step,
                 acting: Acting | None = None) -> Row:
    """Lock a dispatch, ask the action table (``acting``; None: the hub itself), check the
    transition, run ``step``; a returned error is raised after the commit (what ``step`` did
    stays done, e.g. an offer found expired)."""
    return await retry_conflicts(lambda: _change_once(db, dispatch_id, to_state, step, acting))


async def _change_once(db: Database, dispatch_id: int, to_state: str, step: Step,
                       acting: Acting | None) -> Row:
    late: WorkflowError | None = None
    try:
        async with db.transaction() as tx:
            row = await store.lock(tx, dispatch_id=dispatch_id)
            if row is None:
                raise WorkflowError(Code.NOT_FOUND, "dispatchId",
                                    f"dispatch {dispatch_id} does not exist",
                                    f"派单 {dispatch_id} 不存在")
            if acting is not None:
                require(acting.caller, acting.action, dispatch_subject(row), what=acting.what)
            if (row["status"], to_state) not in await allowed(tx):
                raise WorkflowError(Code.INVALID_TRANSITION, "dispatchId", (
                    f"dispatch {dispatch_id} is {row['status']}; it cannot become {to_state}"),
                    f"派单 {dispatch_id} 当前为{status_zh(DISPATCH_STATUS, row['status'])}，"
                    f"不能变为{status_zh(DISPATCH_STATUS, to_state)}")
            late = await step(tx, row)
    except psycopg.Error as exc:
        raise db_error(exc, "dispatchId", f"dispatch {dispatch_id}") from None
    if late is not None:
        raise late
    [fresh] = await store.get_many(db, ids=[dispatch_id])
    return fresh


def expired(row: Row) -> bool:
    return bool(row["status"] == "offered" and row["respond_by"] <= row["now"])


async def expire(tx: ConnectionDatabase, row: Row, ttl_s: int) -> WorkflowError:
    await store.update_state(tx, dispatch_id=row["id"], to_state="expired", by=HUB_ACTOR,
                             reason="no answer before the deadline")
    await tell.dispatches(tx, EventKind.OFFER_EXPIRED, [row["id"]])
    await refill(tx, demand_id=row["demand_id"], ttl_s=ttl_s)
    return WorkflowError(Code.OFFER_EXPIRED, "dispatchId", (
        f"dispatch {row['id']}: the offer expired at {shown_at(row['respond_by'])}"),
        f"派单 {row['id']} 的邀请已于 {shown_at(row['respond_by'])} 过期")


async def accept(db: Database, *, caller: Caller, dispatch_id: int, ttl_s: int) -> Row:
    """接单: the volunteer takes the offered slot before the deadline."""
    by = actor(caller)
    async def step(tx: ConnectionDatabase, row: Row) -> WorkflowError | None:
        if expired(row):
            return await expire(tx, row, ttl_s)
        if row["status"] == "claim_pending":  # 抢单 awaiting approval: the dispatcher's step
            raise WorkflowError(Code.INVALID_TRANSITION, "dispatchId", (
                f"dispatch {dispatch_id} is a claim awaiting the dispatcher's approval"),
                f"派单 {dispatch_id} 是待调度员审核的抢单")
        await store.update_state(tx, dispatch_id=dispatch_id, to_state="accepted", by=by,
                                 responded=True)
        await tell.dispatches(tx, EventKind.OFFER_ACCEPTED, [dispatch_id])
        return None

    return await change(db, dispatch_id, "accepted", step, Acting(
        caller, Action.DISPATCH_RESPOND, "accept it: only the volunteer offered it may"))


_TOLD = {"declined": EventKind.OFFER_DECLINED, "cancelled": EventKind.OFFER_CANCELLED}


async def _release(db: Database, *, dispatch_id: int, to_state: str, acting: Acting,
                   reason: str, ttl_s: int, reoffer: bool = True) -> Row:
    """Move a dispatch to an inactive state and offer the freed slot again."""
    by = actor(acting.caller)
    async def step(tx: ConnectionDatabase, row: Row) -> WorkflowError | None:
        if to_state == "declined" and expired(row):
            return await expire(tx, row, ttl_s)
        if to_state == "no_show" and row["starts_at"] > row["now"]:
            raise WorkflowError(Code.TOO_EARLY, "dispatchId", (
                f"dispatch {dispatch_id}: the window starts at {shown_at(row['starts_at'])}"),
                f"派单 {dispatch_id} 的服务时段 {shown_at(row['starts_at'])} 才开始")
        await store.update_state(tx, dispatch_id=dispatch_id, to_state=to_state, by=by,
                                 reason=reason, responded=to_state == "declined",
                                 decline_reason=reason if to_state == "declined" else None)
        if to_state in _TOLD:
            await tell.dispatches(tx, _TOLD[to_state], [dispatch_id], extra={"reason": reason})
        if reoffer:
            await refill(tx, demand_id=row["demand_id"], ttl_s=ttl_s)
        await demands.update_status(tx, demand_id=row["demand_id"])
        return None

    return await change(db, dispatch_id, to_state, step, acting)


async def decline(db: Database, *, caller: Caller, dispatch_id: int, reason: str,
                  ttl_s: int) -> Row:
    """拒单: the volunteer turns the offer down; the slot goes to the next best candidate."""
    acting = Acting(caller, Action.DISPATCH_RESPOND, "decline it: only the volunteer offered "
                                                     "it may")
    return await _release(db, dispatch_id=dispatch_id, to_state="declined", acting=acting,
                          reason=reason, ttl_s=ttl_s)


async def cancel(db: Database, *, caller: Caller, dispatch_id: int, reason: str, ttl_s: int,
                 reoffer: bool) -> Row:
    """A dispatcher withdraws an offer or booking (or a volunteer withdraws theirs)."""
    acting = Acting(caller, Action.DISPATCH_CANCEL, "cancel this dispatch")
    return await _release(db, dispatch_id=dispatch_id, to_state="cancelled", acting=acting,
                          reason=reason, ttl_s=ttl_s, reoffer=reoffer)


async def no_show(db: Database, *, caller: Caller, dispatch_id: int, ttl_s: int) -> Row:
    """未到岗: a booked volunteer did not come (only once the window has begun)."""
    acting = Acting(caller, Action.DISPATCH_NO_SHOW, "mark a no-show there")
    return await _release(db, dispatch_id=dispatch_id, to_state="no_show", acting=acting,
                          reason="did not come", ttl_s=ttl_s)


async def check_in(db: Database, *, caller: Caller, dispatch_id: int, lon: float, lat: float,
                   max_distance_m: float, tolerance_s: float = CHECK_IN_TOLERANCE_S) -> Row:
    """签到 near the demand (within ``max_distance_m``), from ``tolerance_s`` before the window
    starts until it ends. The demand is in progress only once its window has started."""
    early = timedelta(seconds=tolerance_s)
    by = actor(caller)

    async def step(tx: ConnectionDatabase, row: Row) -> WorkflowError | None:
        if row["now"] < row["starts_at"] - early:
            raise WorkflowError(Code.TOO_EARLY, "dispatchId", (
                f"dispatch {dispatch_id}: check-in opens at {shown_at(row['starts_at'] - early)}"),
                f"派单 {dispatch_id} 的签到 {shown_at(row['starts_at'] - early)} 开始")
        if row["now"] >= row["ends_at"]:
            raise WorkflowError(Code.WINDOW_STARTED, "dispatchId", (
                f"dispatch {dispatch_id}: the window ended at {shown_at(row['ends_at'])}"),
                f"派单 {dispatch_id} 的服务时段已于 {shown_at(row['ends_at'])} 结束")
        metres = await store.get_distance_m(tx, dispatch_id=dispatch_id, lon=lon, lat=lat)
        if metres > max_distance_m:
            raise WorkflowError(Code.TOO_FAR, "point", (
                f"({lon:.6f}, {lat:.6f}) is {metres:.0f} m from the demand; check-in needs "
                f"{max_distance_m:.0f} m or less"),
                f"当前位置距服务地点 {metres:.0f} 米，须在 {max_distance_m:.0f} 米以内才能签到")
        await store.update_checked_in(tx, dispatch_id=dispatch_id, lon=lon, lat=lat,
                                      distance=metres, by=by)
        await demands.update_status(tx, demand_id=row["demand_id"])
        return None

    return await change(db, dispatch_id, "checked_in", step, Acting(
        caller, Action.DISPATCH_RESPOND, "check in: only the volunteer offered it may"))


async def check_out(db: Database, *, caller: Caller, dispatch_id: int, lon: float,
                    lat: float) -> Row:
    """签退, once the window has started: hours served are check-in to check-out, clipped to
    the demand's window; they become a *pending* service record in the same transaction,
    which counts once the organiser or a dispatcher confirms it."""
    by = actor(caller)

    async def step(tx: ConnectionDatabase, row: Row) -> WorkflowError | None:
        if row["now"] < row["starts_at"]:
            raise WorkflowError(Code.TOO_EARLY, "dispatchId", (
                f"dispatch {dispatch_id}: the window starts at {shown_at(row['starts_at'])};"
                " check out after it starts (nothing has been served before)"),
                f"派单 {dispatch_id} 的服务时段 {shown_at(row['starts_at'])} 才开始，"
                "开始后才能签退")
        metres = await store.get_distance_m(tx, dispatch_id=dispatch_id, lon=lon, lat=lat)
        done = await store.update_checked_out(tx, dispatch_id=dispatch_id, lon=lon, lat=lat,
                                              distance=metres, by=by)
        if done["hours"] > 0:
            try:
                await records.record_service(
                    tx, volunteer_id=done["volunteer_id"],
                    source=records.Source(demand_id=done["demand_id"], dispatch_id=dispatch_id),
                    hours=done["hours"], verified_by=by, pending=True)
            except records.RecordsError as exc:
                raise WorkflowError(Code.INVALID, "dispatchId", exc.message) from None
        await demands.update_status(tx, demand_id=row["demand_id"])
        return None

    return await change(db, dispatch_id, "completed", step, Acting(
        caller, Action.DISPATCH_RESPOND, "check out: only the volunteer offered it may"))
