"""抢单: a volunteer lists the open demands they fit and claims one; transactions begin here.

*Fits* means what it means to the matcher, by one definition: the demand and volunteer rows
are read as 派单 reads them (:func:`hub.services.matching.problem_of`) and judged by the
matcher's own rules (:func:`hub.matching.fit.fits_of_volunteer`: capacity, reach within the
volunteer's service radius, every required skill, free for the whole window in China-time
weekly availability plus dated extras minus time off and bookings, insurance when required).

A claim is a dispatch row (``claimed``), made through the same path as an offer: the demand
row is locked first (:func:`hub.store.demands.lock`), then the row is inserted under the
database's guards: ``dispatch_guard`` counts every active dispatch against ``needed`` and the
exclusion constraint refuses overlapping active dispatches of one volunteer. So claims and
hand dispatch share every slot and no race can overfill a demand or double-book anyone. One
volunteer's claims also queue behind each other (:func:`hub.store.claims.lock_volunteer`),
so their weekly capacity holds under a race too.

Where the demand's region requires approval (``claims_need_approval``, inherited down the
region tree, default no) the claim starts ``claim_pending``: it holds the slot and the
volunteer's time until a dispatcher of the region approves it (→ accepted) or rejects it
(→ claim_rejected: the slot is open to others again, not re-offered, and the volunteer may not
claim that demand again); the volunteer may withdraw it (cancelDispatch); the sweep expires it
when the demand's window starts with nobody deciding.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import psycopg

from hub.auth import Caller
from hub.auth.actions import Action, actor, require, subject
from hub.matching import Problem
from hub.matching.fit import Fit, Unfit, distances_m, fits_of_volunteer
from hub.services import region_settings, tell
from hub.services.claim_words import ineligible
from hub.services.matching import CST, MAX_PERIOD_DAYS, parse_options, problem_of
from hub.services.outbox import EventKind
from hub.services.workflow import (
    HUB_ACTOR,
    SWEEP_BATCH,
    Acting,
    change,
    offerable,
    refill,
    unfit,
)
from hub.services.workflow_errors import (
    DISPATCH_STATUS,
    Code,
    Refused,
    WorkflowError,
    db_error,
    retry_conflicts,
    shown_at,
    status_zh,
)
from hub.store import claims as store
from hub.store import demands, matcher_reads, volunteers
from hub.store import dispatch as dispatches
from hub.store.base import ConnectionDatabase, Database, Row
from hub.store.listing import Cursor

HORIZON = timedelta(days=MAX_PERIOD_DAYS)  # claimable demands start within this
SCAN_LIMIT = 1000  # open demands within reach looked at, the soonest first
CLAIMED = "claimed by the volunteer"
MAX_REASON = 500  # characters of a rejection's reason
NO_OFFER_TTL_S = 60  # refill's offer deadline, unused once the window has started


def _volunteer_id(caller: Caller) -> int:
    """The caller's own volunteer id, once the action table admits them to claim."""
    require(caller, Action.DEMAND_CLAIM, subject(volunteer_id=caller.volunteer_id),
            what="claim demands (volunteers claim for themselves)")
    assert caller.volunteer_id is not None  # DEMAND_CLAIM admits volunteers only (SELF)
    return caller.volunteer_id


def _week_of(moment: datetime) -> tuple[datetime, datetime]:
    """The China-time week (Monday 00:00 to the next) that ``moment`` falls in."""
    day = moment.astimezone(CST).date()
    monday = datetime.combine(day - timedelta(days=day.weekday()), time(), CST)
    return monday, monday + timedelta(days=7)


async def _fits(db: Database, demand_rows: list[Row], volunteer: Row) -> list[Fit]:
    """The matcher's verdict on each demand for the volunteer, in the rows' order. Each
    China-time week is one problem, so the volunteer's weekly capacity counts their bookings
    in the week the demand starts in, as a week's 派单 plan counts them."""
    weeks: dict[tuple[datetime, datetime], list[Row]] = defaultdict(list)
    for r in demand_rows:
        weeks[_week_of(r["starts_at"])].append(r)
    found: dict[str, Fit] = {}
    for week, rows in weeks.items():
        problem: Problem = await problem_of(db, rows, [volunteer], parse_options(None),
                                            span=week)
        if not problem.volunteers:  # no capacity left that week
            found.update((str(r["id"]), Fit(str(r["id"]), 0.0, Unfit.NO_CAPACITY))
                         for r in rows)
            continue
        fits = await asyncio.to_thread(fits_of_volunteer, problem, str(volunteer["id"]))
        found.update((f.demand_id, f) for f in fits)
    return [found[str(r["id"])] for r in demand_rows]


async def _needs_approval(db: Database, region_code: str) -> bool:
    """Whether claims in the region wait for a dispatcher (its setting, else inherited, else
    no: :func:`hub.services.region_settings.effective`)."""
    found = await region_settings.effective(db, region_code=region_code,
                                            default_auto_confirm_s=None)
    return bool(found.claims_need_approval.value)


@dataclass(frozen=True)
class Page:
    """A page of claimable demands (``first + 1`` rows: one more tells there are more) and
    how many there are in all."""

    rows: list[Row]
    total: int


async def claimable(db: Database, caller: Caller, *, first: int, after: Cursor | None,
                    near: tuple[float, float] | None = None) -> Page:
    """Open demands the calling volunteer fits and may claim, nearest first (then by id):
    each row as ``demands.list_open`` gives it, with ``home_distance_m`` (geodesic, from home:
    what the service radius bounds), ``near_distance_m`` (from ``near``, a WGS-84 point, when
    given), ``distance_m`` (what the list is ordered by: the latter, else the former),
    ``region_code`` and
    ``needs_approval``. Demands starting within :data:`HORIZON`; the :data:`SCAN_LIMIT`
    soonest within the volunteer's radius are judged."""
    volunteer_id = _volunteer_id(caller)
    volunteer = await matcher_reads.get_matched_volunteer(db, volunteer_id=volunteer_id)
    if volunteer is None:  # not active: nothing to claim
        return Page([], 0)
    rows = await demands.list_open_near(db, volunteer_id=volunteer_id,
                                        within_s=int(HORIZON.total_seconds()),
                                        limit=SCAN_LIMIT)
    if not rows:
        return Page([], 0)
    fitting = [{**r, "home_distance_m": f.distance_m, "near_distance_m": None,
                "distance_m": f.distance_m}
               for r, f in zip(rows, await _fits(db, rows, volunteer), strict=True)
               if f.unfit is None]
    if near is not None:
        away = distances_m(*near, [r["lon"] for r in fitting], [r["lat"] for r in fitting])
        fitting = [{**r, "near_distance_m": m, "distance_m": m}
                   for r, m in zip(fitting, away, strict=True)]
    fitting.sort(key=lambda r: (r["distance_m"], r["id"]))
    mark = (-1.0, 0) if after is None else (after.distance_m or 0.0, after.id)
    page = [r for r in fitting if (r["distance_m"], r["id"]) > mark][:first + 1]
    approval = {code: await _needs_approval(db, code)
                for code in {r["region_code"] for r in page}}
    return Page([{**r, "needs_approval": approval[r["region_code"]]} for r in page],
                len(fitting))


async def claim(db: Database, caller: Caller, *, demand_id: int) -> Row:
    """抢单: the calling volunteer takes one of a demand's slots (accepted, or claim_pending
    where the region requires approval); every refusal is a :class:`WorkflowError`."""
    volunteer_id = _volunteer_id(caller)
    made = await retry_conflicts(lambda: _claim_once(db, caller, volunteer_id, demand_id))
    [row] = await dispatches.get_many(db, ids=[made])
    return row


async def _claim_once(db: Database, caller: Caller, volunteer_id: int, demand_id: int) -> int:
    field = "demandId"
    try:
        async with db.transaction() as tx:
            demand = await demands.lock(tx, demand_id=demand_id)  # the order every writer keeps
            if demand is None:
                raise WorkflowError(Code.NOT_FOUND, field, f"demand {demand_id} does not exist",
                                    f"需求 {demand_id} 不存在")
            offerable(demand, field)
            await store.lock_volunteer(tx, volunteer_id=volunteer_id)
            await _not_held(tx, demand_id, volunteer_id)
            if demand["taken"] >= demand["needed"]:
                raise _full(demand)
            standing = await volunteers.get_many_standing(tx, ids=[volunteer_id],
                                                          until=demand["ends_at"])
            refusal = unfit(standing.get(volunteer_id), volunteer_id, demand, field)
            if refusal is not None:
                raise refusal
            await _not_booked(tx, demand, volunteer_id)
            distance_m = await _eligible(tx, demand, volunteer_id)
            pending = await _needs_approval(tx, demand["region_code"])
            try:
                async with tx.savepoint():
                    row = await store.create(
                        tx, demand_id=demand_id, volunteer_id=volunteer_id,
                        distance_m=distance_m, by=actor(caller), reason=CLAIMED,
                        status="claim_pending" if pending else "accepted")
            except psycopg.Error as exc:
                raise db_error(exc, field, f"demand {demand_id}") from None
            await demands.update_dispatched(tx, demand_ids=[demand_id])
    except psycopg.Error as exc:  # a lost race outside the insert (e.g. a deadlock)
        raise db_error(exc, field, f"demand {demand_id}") from None
    return int(row["id"])


def _full(demand: Row) -> WorkflowError:
    return WorkflowError(Code.SLOTS_FULL, "demandId", (
        f"demand {demand['id']}: its {demand['needed']} slot(s) are all taken"),
        f"需求 {demand['id']} 的 {demand['needed']} 个名额已满")


async def _not_held(tx: ConnectionDatabase, demand_id: int, volunteer_id: int) -> None:
    """ALREADY_CLAIMED when the volunteer holds the demand already or was refused it."""
    held = await store.list_held(tx, demand_id=demand_id, volunteer_id=volunteer_id)
    if not held:
        return
    row = held[0]
    if row["status"] == "claim_rejected":
        why = row["change_reason"] or ""
        raise WorkflowError(Code.ALREADY_CLAIMED, "demandId", (
            f"your claim of demand {demand_id} was rejected ({why}); claim another"),
            f"您对需求 {demand_id} 的抢单未通过审核（{why}），请选择其他需求")
    raise WorkflowError(Code.ALREADY_CLAIMED, "demandId", (
        f"you already hold demand {demand_id}: dispatch {row['id']} is {row['status']}"),
        f"您已持有需求 {demand_id}：派单 {row['id']} 当前为"
        f"{status_zh(DISPATCH_STATUS, row['status'])}")


async def _not_booked(tx: ConnectionDatabase, demand: Row, volunteer_id: int) -> None:
    """DOUBLE_BOOKED when the volunteer holds a dispatch in an overlapping window (the
    exclusion constraint says the same under a race)."""
    busy = await matcher_reads.list_busy_windows(tx, volunteer_ids=[volunteer_id],
                                                 starts=demand["starts_at"],
                                                 ends=demand["ends_at"])
    booked = [b for b in busy if b["booked"]]
    if booked:
        a, b = shown_at(booked[0]["starts_at"]), shown_at(booked[0]["ends_at"])
        raise WorkflowError(Code.DOUBLE_BOOKED, "demandId", (
            f"you are already booked {a}–{b}, which overlaps demand {demand['id']}"),
            f"您在 {a} 至 {b} 已有安排，与需求 {demand['id']} 的时段重叠")


async def _eligible(tx: ConnectionDatabase, demand: Row, volunteer_id: int) -> float:
    """The distance from the volunteer's home when the matcher's rules let them serve the
    demand; NOT_ELIGIBLE (or NOT_INSURED) saying which rule does not."""
    volunteer = await matcher_reads.get_matched_volunteer(tx, volunteer_id=volunteer_id)
    if volunteer is None:  # suspended or exited since standing was read
        raise WorkflowError(Code.VOLUNTEER_INACTIVE, "demandId",
                            f"volunteer {volunteer_id} is not active", "志愿者当前不在服务状态")
    # The lock's count was read before the lock was granted; a claim committed while this one
    # waited shows now (the database's guard would refuse the insert all the same).
    open_row = await demands.get_open(tx, demand_id=demand["id"])
    if open_row is None:
        raise _full(demand)
    [fit] = await _fits(tx, [open_row], volunteer)
    if fit.unfit is None:
        return fit.distance_m
    if fit.unfit is Unfit.NOT_AVAILABLE:  # booked since _not_booked looked? say so
        await _not_booked(tx, demand, volunteer_id)
    raise ineligible(fit, volunteer, open_row)


# The dispatcher's decision -----------------------------------------------------------------

def _pending(row: Row, dispatch_id: int) -> None:
    if not row["claimed"] or row["status"] != "claim_pending":
        raise WorkflowError(Code.INVALID_TRANSITION, "dispatchId", (
            f"dispatch {dispatch_id} is {row['status']}, not a claim awaiting approval"),
            f"派单 {dispatch_id} 当前为{status_zh(DISPATCH_STATUS, row['status'])}，"
            "不是待审核的抢单")


async def approve(db: Database, caller: Caller, *, dispatch_id: int) -> Row:
    """Approve a pending claim (``claim.approve`` on its demand's region): it is accepted."""
    by = actor(caller)

    async def step(tx: ConnectionDatabase, row: Row) -> WorkflowError | None:
        _pending(row, dispatch_id)
        if row["respond_by"] <= row["now"]:  # the window started: too late to decide
            await _expire(tx, row)
            return WorkflowError(Code.WINDOW_STARTED, "dispatchId", (
                f"dispatch {dispatch_id}: the demand started at {shown_at(row['starts_at'])}; "
                "the claim expired"),
                f"派单 {dispatch_id} 的需求已于 {shown_at(row['starts_at'])} 开始，抢单已过期")
        await dispatches.update_state(tx, dispatch_id=dispatch_id, to_state="accepted", by=by,
                                      reason="claim approved", responded=True)
        await tell.dispatches(tx, EventKind.CLAIM_APPROVED, [dispatch_id])
        return None

    return await change(db, dispatch_id, "accepted", step, Acting(
        caller, Action.CLAIM_APPROVE, "approve claims there (a dispatcher of the region may)"))


async def reject(db: Database, caller: Caller, *, dispatch_id: int, reason: str) -> Row:
    """Reject a pending claim with a reason: the slot is free for others (not re-offered)."""
    by = actor(caller)
    reason = reason.strip()
    if not 1 <= len(reason) <= MAX_REASON:
        raise WorkflowError(Code.INVALID, "reason", (
            f"{len(reason)} characters; give 1..{MAX_REASON}"),
            f"理由为 {len(reason)} 个字符，须为 1～{MAX_REASON} 个字符")

    async def step(tx: ConnectionDatabase, row: Row) -> WorkflowError | None:
        _pending(row, dispatch_id)
        await dispatches.update_state(tx, dispatch_id=dispatch_id, to_state="claim_rejected",
                                      by=by, reason=reason, decline_reason=reason)
        await tell.dispatches(tx, EventKind.CLAIM_REJECTED, [dispatch_id],
                              extra={"reason": reason})
        return None

    return await change(db, dispatch_id, "claim_rejected", step, Acting(
        caller, Action.CLAIM_APPROVE, "reject claims there (a dispatcher of the region may)"))


async def _expire(tx: ConnectionDatabase, row: Row) -> None:
    await dispatches.update_state(tx, dispatch_id=row["id"], to_state="expired", by=HUB_ACTOR,
                                  reason="nobody approved the claim before the demand started")
    # The window has started, so nobody is offered the slot: the demand says why it stays empty.
    await refill(tx, demand_id=row["demand_id"], ttl_s=NO_OFFER_TTL_S)


async def expire_due(db: Database, *, limit: int = SWEEP_BATCH) -> int:
    """Expire pending claims whose demand has started with nobody deciding (a sweep step);
    returns how many. Idempotent: each claim is locked and checked again (still pending,
    still started) before it expires, so a second run at once or a retry changes nothing."""
    async with db.transaction() as tx:
        due = await store.lock_due(tx, limit=limit)
    done = 0
    for dispatch_id in due:
        async def step(tx: ConnectionDatabase, row: Row) -> WorkflowError | None:
            if row["status"] == "claim_pending" and row["respond_by"] <= row["now"]:
                await _expire(tx, row)
            return None
        try:
            await change(db, dispatch_id, "expired", step)
            done += 1
        except (WorkflowError, Refused):  # decided by a dispatcher meanwhile
            continue
    return done
