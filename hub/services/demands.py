"""点单: raising and cancelling demands (群众需求). Commits, like every service module.

A demand is validated before it is stored: known category and skills, 1..500 volunteers, a
window in the future and at most ``MAX_WINDOW`` long, and a point inside the stated region.
Cancelling a demand cancels its offers and bookings, and is refused once service began.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hub.auth import Caller
from hub.auth.actions import Action, ActionSubject, actor, require
from hub.localization import current
from hub.registration.vocab import SKILLS
from hub.services.subjects import demand_subject
from hub.services.workflow import Code, Refused, WorkflowError, allowed
from hub.store import demands as store
from hub.store import dispatch, regions, stations
from hub.store.base import Database
from hub.store.demands import DemandFilter as DemandFilter
from hub.store.demands import NewDemand as NewDemand
from hub.store.demands import count as count
from hub.store.demands import get_many as get_many
from hub.store.demands import list_ as list_

MAX_WINDOW = timedelta(hours=72)
MAX_LEAD = timedelta(days=366)


def check_demand(demand: NewDemand, *, now: datetime) -> list[WorkflowError]:
    """Input rules of a new demand that need no database."""
    out: list[WorkflowError] = []

    def bad(field: str, message: str, message_zh: str | None = None) -> None:
        out.append(WorkflowError(Code.INVALID, field, message, message_zh))

    def unknown(field: str, value: str) -> None:
        bad(field, f"{value!r} is not one of {SKILLS.allowed('en')}",
            f"{value!r} 不是可选的服务类别，可选：{SKILLS.allowed('zh')}")

    if demand.category not in SKILLS.codes:
        unknown("category", demand.category)
    for n, skill in enumerate(demand.required_skills):
        if skill not in SKILLS.codes:
            unknown(f"requiredSkills[{n}]", skill)
    if len(set(demand.required_skills)) != len(demand.required_skills):
        bad("requiredSkills", "names a skill twice", "同一技能填写了两次")
    if not 1 <= demand.needed <= 500:
        bad("needed", f"{demand.needed} is outside 1..500",
            f"需要人数 {demand.needed} 不在 1～500 之间")
    if not 2 <= len(demand.title.strip()) <= 200:
        bad("title", f"{demand.title!r} must be 2..200 characters",
            f"标题 {demand.title!r} 须为 2～200 个字")
    if not 0 < demand.priority <= 100:
        bad("priority", f"{demand.priority} is outside (0, 100]",
            f"优先级 {demand.priority} 须大于 0 且不超过 100")
    starts, ends = demand.starts_at, demand.ends_at
    if starts.tzinfo is None or ends.tzinfo is None:
        bad("startsAt", "times need a time zone (e.g. +08:00)", "时间须带时区（例如 +08:00）")
        return out
    # Times as the caller reads them: in their zone (hub/localization.py), with its offset.
    shown_start, shown_end = (current().local(t).isoformat() for t in (starts, ends))
    if starts <= now:
        bad("startsAt", f"{shown_start} is not in the future",
            f"开始时间 {shown_start} 已经过去")
    elif starts - now > MAX_LEAD:
        bad("startsAt", f"{shown_start} is more than {MAX_LEAD.days} days ahead",
            f"开始时间 {shown_start} 超过 {MAX_LEAD.days} 天以后")
    if ends <= starts:
        bad("endsAt", f"{shown_end} is not after startsAt {shown_start}",
            f"结束时间 {shown_end} 不晚于开始时间 {shown_start}")
    elif ends - starts > MAX_WINDOW:
        hours = f"{MAX_WINDOW.total_seconds() / 3600:.0f}"
        bad("endsAt", f"{shown_end}: the window is longer than {hours} hours",
            f"结束时间 {shown_end}：服务时段超过 {hours} 小时")
    return out


async def _demand_subject(db: Database, region_code: str, station_id: int | None
                          ) -> ActionSubject:
    """A demand as the action table sees it: its region, and the teams running its station."""
    path = (await stations.get_org_path(db, station_id=station_id)
            if station_id is not None else None)
    return demand_subject(region_code, [path])


async def raise_demand(db: Database, caller: Caller, demand: NewDemand, *,
                       region_prefix: str) -> int:
    """Validate and store a demand (status open); raise :class:`Refused` listing every error.

    ``demand.raise`` on the demand's region (and station) decides who may.
    """
    require(caller, Action.DEMAND_RAISE,
            await _demand_subject(db, demand.region_code, demand.station_id),
            what="raise a demand here")
    errors = check_demand(demand, now=datetime.now(UTC))
    if not await regions.get_covers_point(db, region_code=demand.region_code,
                                          region_prefix=region_prefix, lon=demand.lon,
                                          lat=demand.lat):
        errors.append(WorkflowError(Code.INVALID, "location", (
            f"({demand.lon:.6f}, {demand.lat:.6f}) does not lie in region "
            f"{demand.region_code}")))
    if errors:
        raise Refused(errors)
    async with db.transaction() as tx:
        return await store.create(tx, demand=demand)


async def cancel_demand(db: Database, caller: Caller, *, demand_id: int, reason: str) -> None:
    """Cancel a demand and the offers and bookings it holds; refused once service began.

    ``demand.cancel`` on the demand decides who may.
    """
    by = actor(caller)
    async with db.transaction() as tx:
        demand = await store.lock(tx, demand_id=demand_id)
        if demand is None:
            raise WorkflowError(Code.NOT_FOUND, "demandId", f"demand {demand_id} does not exist")
        require(caller, Action.DEMAND_CANCEL,
                await _demand_subject(tx, demand["region_code"], demand["station_id"]),
                what="cancel this demand")
        if demand["status"] not in ("open", "dispatched"):
            raise WorkflowError(Code.DEMAND_CLOSED, "demandId",
                                f"demand {demand_id} is {demand['status']}; only open or "
                                "dispatched demands can be cancelled")
        rows = await dispatch.list_active(tx, demand_id=demand_id)
        moves = await allowed(tx)
        serving = [r["id"] for r in rows if (r["status"], "cancelled") not in moves]
        if serving:
            raise WorkflowError(Code.IN_SERVICE, "demandId", (
                f"demand {demand_id} has dispatches {serving} already in service"))
        for row in rows:
            await dispatch.update_state(tx, dispatch_id=row["id"], to_state="cancelled",
                                        by=by, reason=f"demand cancelled: {reason}")
        await store.update_cancelled(tx, demand_id=demand_id, by=by, reason=reason)
