"""派单 from the database: build a matcher problem from PostGIS, solve, store, commit.

The matcher itself (``hub.matching``) is pure; this module turns rows into its dataclasses
(weekly availability into dated windows, minus bookings and absences), and a plan back into
dispatch offers.
"""

from __future__ import annotations

import asyncio
import functools
import math
import re
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

import psycopg

from hub.auth import Caller
from hub.auth.actions import Action, require, subject
from hub.matching import Demand, Options, Plan, Problem, Volunteer, parse_problem, plan_to_dict
from hub.matching import solve as solve_problem
from hub.services import tell
from hub.services.outbox import EventKind
from hub.services.workflow_errors import shown_at
from hub.store import demands as demand_store
from hub.store import dispatch as store
from hub.store import dispatch_plans, matcher_reads
from hub.store.base import Database, Row

CST = timezone(timedelta(hours=8), "CST")
MAX_PERIOD_DAYS = 62
#: A demand's region for the matcher's parts: its county (the code's first six digits).
COUNTY_DIGITS = 6
_RANGE = re.compile(r"[\[(](\d+),(\d+)[\])]")
Window = tuple[int, int]
Solver = Callable[[Problem], Awaitable[Plan]]


class MatchError(ValueError):
    """The request cannot be matched as asked: ``field`` names the input, ``code`` says why
    (INVALID, INVALID_PERIOD, UNKNOWN_REGION, NOT_FOUND, ALREADY_COMMITTED)."""

    def __init__(self, field: str, message: str, code: str = "INVALID",
                 message_zh: str | None = None) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.code = field, message, code
        self.message_zh = message_zh  # None: the code's sentence


@dataclass(frozen=True)
class MatchRequest:
    """Dispatch the open demands of a region subtree starting in [starts, ends)."""

    region_code: str
    region_prefix: str
    starts: datetime
    ends: datetime
    options: dict[str, Any]

    def __post_init__(self) -> None:
        if self.starts.tzinfo is None or self.ends.tzinfo is None:
            raise MatchError("from", "times need a time zone (e.g. +08:00)",
                             message_zh="时间须带时区（例如 +08:00）")
        if self.ends <= self.starts:
            ends, starts = shown_at(self.ends), shown_at(self.starts)
            raise MatchError("to", f"{ends} is not after {starts}", "INVALID_PERIOD",
                             f"结束时间 {ends} 不晚于开始时间 {starts}")
        if self.ends - self.starts > timedelta(days=MAX_PERIOD_DAYS):
            raise MatchError("to", f"the period is longer than {MAX_PERIOD_DAYS} days",
                             "INVALID_PERIOD", f"时间段超过 {MAX_PERIOD_DAYS} 天")


def parse_options(doc: dict[str, Any] | None) -> Options:
    """Validated matcher options (the same rules and messages as a problem file's)."""
    try:
        return parse_problem({"volunteers": [], "demands": [], "options": doc or {}}).options
    except ValueError as exc:
        raise MatchError("options", str(exc), message_zh=f"派单参数有误：{exc}") from None


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def weekly_windows(weekly: str, starts: datetime, ends: datetime) -> list[Window]:
    """Dated windows (epoch seconds) from minutes-of-the-week ranges in China Standard Time."""
    spans = [(int(a), int(b)) for a, b in _RANGE.findall(weekly)]
    first = starts.astimezone(CST).date() - timedelta(days=1)
    last = ends.astimezone(CST).date()
    out: list[Window] = []
    day = first - timedelta(days=first.weekday())  # the Monday on or before
    while day <= last:
        monday = datetime.combine(day, datetime.min.time(), CST)
        base = _epoch(monday)
        out.extend((base + a * 60, base + b * 60) for a, b in spans)
        day += timedelta(days=7)
    lo, hi = _epoch(starts), _epoch(ends)
    return merge([(max(a, lo), min(b, hi)) for a, b in out if b > lo and a < hi])


def merge(windows: Iterable[Window]) -> list[Window]:
    """Sorted, with touching or overlapping windows joined."""
    out: list[Window] = []
    for a, b in sorted(windows):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        elif b > a:
            out.append((a, b))
    return out


def subtract(windows: list[Window], busy: Iterable[Window]) -> list[Window]:
    """``windows`` minus every busy interval."""
    out = windows
    for b0, b1 in busy:
        nxt: list[Window] = []
        for a0, a1 in out:
            if b1 <= a0 or b0 >= a1:
                nxt.append((a0, a1))
                continue
            if a0 < b0:
                nxt.append((a0, b0))
            if b1 < a1:
                nxt.append((b1, a1))
        out = nxt
    return out


@functools.lru_cache(maxsize=4096)
def _insured_until_s(day: date | None) -> int | None:
    """Insurance valid through ``day`` (CST) covers until the next midnight (cached: a city's
    160,000 volunteers share a few thousand days; 广州 national: 1.1 s of the problem's 2 s)."""
    if day is None:
        return None
    return _epoch(datetime.combine(day + timedelta(days=1), datetime.min.time(), CST))


async def build_problem(db: Database, request: MatchRequest) -> Problem:
    """The matcher's problem for a region and period, read from PostGIS."""
    options = parse_options(request.options)
    demand_rows = await demand_store.list_open(db, region_prefix=request.region_prefix,
                                               starts=request.starts, ends=request.ends)
    if not demand_rows:
        return Problem(volunteers=(), demands=(), options=options)
    rows = await matcher_reads.list_reachable_volunteers(
        db, demand_ids=[r["id"] for r in demand_rows])
    return await problem_of(db, demand_rows, rows, options)


async def problem_of(db: Database, demand_rows: list[Row], volunteer_rows: list[Row],
                     options: Options, *, span: tuple[datetime, datetime] | None = None
                     ) -> Problem:
    """The matcher's problem for open demands (rows of ``demands.list_open``) and volunteers
    (rows of ``matcher_reads.list_reachable_volunteers``): each volunteer's weekly windows and dated
    extra ones over the demands' span, minus bookings and absences; a volunteer whose capacity
    over the span is used up is left out. The span is the demands' own unless ``span`` widens
    it (e.g. to a whole week, so that bookings anywhere in it use up weekly capacity). The one
    conversion 派单 and 抢单 share."""
    demands = tuple(Demand(
        id=str(r["id"]), lon=r["lon"], lat=r["lat"],
        skills=tuple(dict.fromkeys(r["required_skills"])),
        needed=int(r["remaining"]), start_s=_epoch(r["starts_at"]), end_s=_epoch(r["ends_at"]),
        priority=float(r["priority"]), requires_insurance=r["requires_insurance"],
        priority_area=bool(r.get("priority_area", False)),
        region=str(r.get("region_code") or "")[:COUNTY_DIGITS],
    ) for r in demand_rows)
    if not demands:
        return Problem(volunteers=(), demands=(), options=options)
    # Volunteers' windows are needed over the span of the demands themselves.
    span_starts = min(r["starts_at"] for r in demand_rows)
    span_ends = max(r["ends_at"] for r in demand_rows)
    if span is not None:
        span_starts, span_ends = min(span_starts, span[0]), max(span_ends, span[1])
    rows = volunteer_rows
    ids = [r["id"] for r in rows]
    busy: dict[int, list[Window]] = defaultdict(list)
    booked: dict[int, int] = defaultdict(int)
    for b in await matcher_reads.list_busy_windows(db, volunteer_ids=ids, starts=span_starts,
                                                   ends=span_ends):
        busy[b["volunteer_id"]].append((_epoch(b["starts_at"]), _epoch(b["ends_at"])))
        booked[b["volunteer_id"]] += int(b["booked"])
    extra: dict[int, list[Window]] = defaultdict(list)
    for e in await matcher_reads.list_extra_windows(db, volunteer_ids=ids, starts=span_starts,
                                                    ends=span_ends):
        extra[e["volunteer_id"]].append((_epoch(e["starts_at"]), _epoch(e["ends_at"])))
    weeks = max(1, math.ceil((span_ends - span_starts) / timedelta(days=7)))
    # Patterns repeat (a city's 179,000 candidates share a handful of weekly patterns and a
    # few hundred skill sets; the store shares each set's mapping): each pattern is dated once
    # and its windows shared by every volunteer with no booking, absence or extra window; each
    # skill set's levels are converted once, keyed by the mapping's identity (the rows keep
    # them alive).
    dated: dict[str, tuple[Window, ...]] = {}
    levels: dict[int, Mapping[str, int]] = {}

    def weekly_of(text: str) -> tuple[Window, ...]:
        got = dated.get(text)
        if got is None:
            got = dated[text] = tuple(weekly_windows(text, span_starts, span_ends))
        return got

    def skills_of(held: Mapping[str, Any]) -> Mapping[str, int]:
        got = levels.get(id(held))
        if got is None:
            got = levels[id(held)] = {k: int(level) for k, level in held.items()}
        return got

    def windows_of(r: Row) -> tuple[Window, ...]:
        ident, weekly = r["id"], r["weekly"]
        more, away = extra.get(ident), busy.get(ident)
        if not more and not away:
            return weekly_of(weekly)
        windows = merge([*weekly_of(weekly), *more]) if more else list(weekly_of(weekly))
        return tuple(subtract(windows, away or ()))

    # Positional (id, lon, lat, skills, capacity, max_distance_m, availability,
    # insured_until_s): a third faster than keywords for a city's 179,000.
    return Problem(volunteers=tuple(
        Volunteer(str(r["id"]), r["lon"], r["lat"], skills_of(r["skills"]),
                  r["capacity_per_week"] * weeks - booked.get(r["id"], 0),
                  float(r["service_radius_m"]), windows_of(r),
                  _insured_until_s(r["insured_until"]))
        for r in rows if r["capacity_per_week"] * weeks > booked.get(r["id"], 0)),
        demands=demands, options=options)


async def solve_in(executor: Executor | None, problem: Problem) -> Plan:
    """Solve off the event loop (in ``executor``, or a worker thread)."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor, solve_problem, problem)


@dataclass(frozen=True)
class PreviewResult:
    """A stored, uncommitted plan."""

    plan_id: str
    plan: Plan
    problem: Problem


def _may_plan(caller: Caller, region_code: str) -> None:
    require(caller, Action.DISPATCH_PLAN, subject(region_code=region_code),
            what=f"dispatch in {region_code} (an admin or a dispatcher of it or above may)")


async def preview(db: Database, caller: Caller, request: MatchRequest, *,
                  solver: Solver) -> PreviewResult:
    """Build, solve and store a plan (``dispatch.plan`` on the region); nothing is
    dispatched."""
    _may_plan(caller, request.region_code)
    created_by = caller.sub or caller.role.value
    problem = await build_problem(db, request)
    plan = await solver(problem)
    async with db.transaction() as tx:
        plan_id = await dispatch_plans.create_plan(
            tx, region_code=request.region_code, starts=request.starts, ends=request.ends,
            options=request.options, plan=plan_to_dict(plan), created_by=created_by)
    return PreviewResult(plan_id, plan, problem)


@dataclass(frozen=True)
class CommitResult:
    """What committing a plan did."""

    plan_id: str
    offered: int
    skipped: tuple[tuple[str, str, str], ...]  # (volunteer id, demand id, why)


async def commit(db: Database, caller: Caller, *, plan_id: str, ttl_s: int) -> CommitResult:
    """Offer every assignment of a stored plan (``dispatch.plan`` on its region); those no
    longer possible are skipped, with why.

    One transaction: the plan is locked, so committing twice at once offers once.
    """
    offered = 0
    skipped: list[tuple[str, str, str]] = []
    async with db.transaction() as tx:
        row = await dispatch_plans.lock_plan(tx, plan_id=plan_id)
        if row is None:
            raise MatchError("planId", f"plan {plan_id} does not exist", "NOT_FOUND",
                             f"派单方案 {plan_id} 不存在")
        _may_plan(caller, row["region_code"])
        by = caller.sub or caller.role.value
        if row["committed_at"] is not None:
            at = shown_at(row["committed_at"])
            raise MatchError("planId", f"plan {plan_id} was already committed at {at}",
                             "ALREADY_COMMITTED", f"派单方案 {plan_id} 已于 {at} 提交")
        demand_ids: set[int] = set()
        made: list[int] = []
        for a in row["plan"]["assignments"]:
            try:
                async with tx.savepoint():  # one offer refused leaves the others
                    made_row = await store.create(tx, demand_id=int(a["demandId"]),
                                       volunteer_id=int(a["volunteerId"]), plan_id=plan_id,
                                       distance_m=a["distanceM"], reason=a.get("reason", ""),
                                       offered_by=by, ttl_s=ttl_s)
                offered += 1
                made.append(int(made_row["id"]))
                demand_ids.add(int(a["demandId"]))
            except psycopg.Error as exc:  # the database refused this one offer; say why
                skipped.append((a["volunteerId"], a["demandId"], _why(exc)))
        await tell.dispatches(tx, EventKind.OFFER_MADE, made)
        await demand_store.update_dispatched(tx, demand_ids=sorted(demand_ids))
        await dispatch_plans.update_plan_committed(tx, plan_id=plan_id, by=by)
    return CommitResult(plan_id, offered, tuple(skipped))


def _why(exc: psycopg.Error) -> str:
    constraint = exc.diag.constraint_name
    return {
        "dispatch_no_double_booking": "the volunteer was booked in an overlapping window since",
        "dispatch_slots": "the demand's slots were filled since",
    }.get(constraint or "", str(exc).splitlines()[0])
