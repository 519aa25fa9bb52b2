"""点单: raising and cancelling demands (群众需求). Commits, like every service module.

A demand is validated before it is stored: known category and skills, 1..500 volunteers, a
window in the future and at most ``MAX_WINDOW`` long, and a point inside the stated region.
Cancelling a demand cancels its offers and bookings, and is refused once service began.

Residents and station staff raise demands too (public 点单, issue 14.3): theirs start
``pending_review`` until a reviewer approves them (:mod:`hub.services.demand_review`), and
their raising is rate-limited per account and per client (``RATE_LIMITED``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from hub.auth import Caller, Role
from hub.auth.actions import Action, ActionSubject, actor, require
from hub.localization import current
from hub.pii import PiiCipher, mask_phone
from hub.registration.errors import FieldError
from hub.registration.phone import parse_mobile
from hub.registration.vocab import SKILLS
from hub.services import ratelimit, tell
from hub.services.outbox import EventKind
from hub.services.subjects import demand_subject
from hub.services.workflow import Code, Refused, WorkflowError, allowed
from hub.store import demands as store
from hub.store import dispatch, publishing, regions, stations
from hub.store import teams as team_offers
from hub.store.base import Database
from hub.store.demands import DemandFilter as DemandFilter
from hub.store.demands import NewDemand as NewDemand
from hub.store.demands import count as count
from hub.store.demands import get_many as get_many
from hub.store.demands import list_ as list_

MAX_WINDOW = timedelta(hours=72)
MAX_LEAD = timedelta(days=366)
REVIEWED_FIRST = {Role.RESIDENT: "community", Role.STATION_STAFF: "station"}
"""Roles whose demands wait for review (审核), and the ``raised_by_kind`` their demands get."""
HOUR_S = 3600


@dataclass(frozen=True)
class RaiseLimits:
    """Where a resident's or station's demand comes from (the client's address) and how many
    each account and each client may raise an hour."""

    client: str | None = None
    per_account: int = 5
    per_client: int = 30


@dataclass(frozen=True)
class Contact:
    """Whom to call about a demand, in clear (personal data: the policy's demand.contact)."""

    name: str | None = None
    phone: str | None = None


def _with_contact(demand: NewDemand, contact: Contact, cipher: PiiCipher | None,
                  errors: list[WorkflowError]) -> NewDemand:
    """The demand with its contact checked, and the mobile encrypted and masked."""
    name = (contact.name or "").strip() or None
    if name is not None and len(name) > 50:
        errors.append(WorkflowError(Code.INVALID, "contactName", f"{len(name)} characters; at "
                                    "most 50", f"联系人共 {len(name)} 个字，最多 50 个字"))
    if not contact.phone:
        return replace(demand, contact_name=name)
    try:
        phone = parse_mobile(contact.phone, field="contactPhone")
    except FieldError as exc:
        errors.append(WorkflowError(Code.INVALID, "contactPhone", f"{exc.value!r}: {exc.reason}",
                                    f"{exc.value!r}：{exc.reason_zh}"))
        return demand
    if cipher is None:
        raise RuntimeError("a contact's mobile needs the data key to be stored")
    return replace(demand, contact_name=name, contact_phone_masked=mask_phone(phone),
                   contact_phone_enc=cipher.encrypt(phone, field="phone"))


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


async def _demand_subject(db: Database, region_code: str, station_id: int | None,
                          requester: str | None = None) -> ActionSubject:
    """A demand as the action table sees it: its region, the teams running its station, the
    station itself, and who raised it."""
    path = (await stations.get_org_path(db, station_id=station_id)
            if station_id is not None else None)
    return demand_subject(region_code, [path], requester, station_id)


async def _limit(db: Database, caller: Caller, limits: RaiseLimits) -> None:
    """Count a resident's or station's attempt to raise a demand, per account and client."""
    await ratelimit.check(db, bucket=f"demand-raise:account:{caller.role.value}:{caller.sub}",
                          limit=limits.per_account, window_s=HOUR_S,
                          what="demands raised from this account")
    if limits.client:
        await ratelimit.check(db, bucket=f"demand-raise:client:{limits.client[:120]}",
                              limit=limits.per_client, window_s=HOUR_S,
                              what="demands raised from this client")


async def _station_open(db: Database, station_id: int) -> bool:
    """Whether demands may be raised at the station: published and not closed (14.2)."""
    row = await publishing.get(db, kind="station", id=station_id)
    return row is not None and row["status"] in publishing.OPEN["station"]


async def raise_demand(db: Database, caller: Caller, demand: NewDemand, *,
                       region_prefix: str, limits: RaiseLimits = RaiseLimits(),
                       contact: Contact = Contact(), cipher: PiiCipher | None = None) -> int:
    """Validate and store a demand; raise :class:`Refused` listing every error.

    ``demand.raise`` on the demand's region (and station) decides who may. A resident's or a
    station's demand is rate-limited (``limits``) and starts pending review, with the kind
    of its raiser; everyone else's starts open. ``contact``'s mobile is stored encrypted
    with ``cipher``.
    """
    require(caller, Action.DEMAND_RAISE,
            await _demand_subject(db, demand.region_code, demand.station_id),
            what="raise a demand here")
    kind = REVIEWED_FIRST.get(caller.role)
    if kind is not None:
        await _limit(db, caller, limits)
        demand = replace(demand, status="pending_review", raised_by_kind=kind)
    errors = check_demand(demand, now=datetime.now(UTC))
    demand = _with_contact(demand, contact, cipher, errors)
    if demand.station_id is not None and not await _station_open(db, demand.station_id):
        errors.append(WorkflowError(Code.INVALID, "stationId", (
            f"station {demand.station_id} is not open (a draft, under review or closed)"),
            f"站点 {demand.station_id} 未开放（草稿、待审核或已关闭）"))
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
                await _demand_subject(tx, demand["region_code"], demand["station_id"],
                                      demand["raised_by"]),
                what="cancel this demand")
        if demand["status"] not in ("pending_review", "open", "dispatched"):
            raise WorkflowError(Code.DEMAND_CLOSED, "demandId",
                                f"demand {demand_id} is {demand['status']}; only pending, "
                                "open or dispatched demands can be cancelled")
        rows = await dispatch.list_active(tx, demand_id=demand_id)
        moves = await allowed(tx)
        serving = [r["id"] for r in rows if (r["status"], "cancelled") not in moves]
        if serving:
            raise WorkflowError(Code.IN_SERVICE, "demandId", (
                f"demand {demand_id} has dispatches {serving} already in service"))
        for row in rows:
            await dispatch.update_state(tx, dispatch_id=row["id"], to_state="cancelled",
                                        by=by, reason=f"demand cancelled: {reason}")
        await tell.dispatches(tx, EventKind.OFFER_CANCELLED, [r["id"] for r in rows],
                              extra={"reason": reason})
        await team_offers.update_withdrawn_of_demand(tx, demand_id=demand_id, by=by,
                                                     reason=f"demand cancelled: {reason}")
        await store.update_cancelled(tx, demand_id=demand_id, by=by, reason=reason)
