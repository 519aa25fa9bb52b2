"""GraphQL for 点单 → 派单 → 接单 → 服务: mutations, lists, and live dispatch events.

Mutations follow :mod:`hub.schema.payloads`: refusals go into each payload's ``errors``; the
services ask the action table, whose refusals are top-level ``FORBIDDEN`` /
``UNAUTHENTICATED`` errors. Who may act:

* raiseDemand / cancelDemand: an admin; a dispatcher inside their region subtree; an org
  admin for a station their organisation (or one beneath it) operates.
* dispatch / cancelDispatch / markNoShow: an admin or a dispatcher of the demand's region
  (a volunteer may also cancel their own booking).
* acceptDispatch / declineDispatch / checkIn / checkOut: only the dispatch's own volunteer.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from graphql import GraphQLError

from hub.auth import Caller, Role
from hub.auth.actions import Action, Denied, actor, require, subject
from hub.geo.divisions import DivisionCodeError, normalize_code, subtree_prefix
from hub.registration.vocab import SKILLS
from hub.schema.common import Connection, PointInput, connection, page_args
from hub.schema.context import Info
from hub.schema.errors import BadUserInput, HubError
from hub.schema.node import decode_id
from hub.schema.payloads import mutation
from hub.schema.places import Demand
from hub.schema.vocab_args import normalized
from hub.schema.workflow_types import (
    AcceptDispatchInput,
    AcceptDispatchPayload,
    CancelDemandInput,
    CancelDemandPayload,
    CancelDispatchInput,
    CancelDispatchPayload,
    CheckInInput,
    CheckInPayload,
    CheckOutInput,
    CheckOutPayload,
    DeclineDispatchInput,
    DeclineDispatchPayload,
    Dispatch,
    DispatchEvent,
    DispatchFilter,
    DispatchInput,
    DispatchPayload,
    DispatchStateInfo,
    MarkNoShowInput,
    MarkNoShowPayload,
    RaiseDemandPayload,
    dispatch_loader,
)
from hub.services import demands, events, workflow
from hub.services.workflow import Code, WorkflowError

MAX_VOLUNTEERS = workflow.MAX_HAND_OFFERS
MAX_REASON = 500


def _reason(value: str, field: str = "reason") -> str:
    text = value.strip()
    if not 1 <= len(text) <= MAX_REASON:
        raise WorkflowError(Code.INVALID, field, f"{value!r} must be 1..{MAX_REASON} characters")
    return text


@strawberry.input(description="A demand (点单); give a station, or a location and region.")
class RaiseDemandInput:
    title: str
    category: str = strawberry.field(description=(
        "A service category: its code (health), Chinese label (医疗健康) or a synonym."))
    needed: int = strawberry.field(description="Volunteers needed (1..500).")
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    required_skills: list[str] = strawberry.field(default_factory=list, description=(
        "Skills, each by its code, Chinese label or a synonym."))
    station_id: strawberry.ID | None = None
    location: PointInput | None = strawberry.field(default=None, description=(
        "Where; defaults to the station's location."))
    region_code: str | None = strawberry.field(default=None, description=(
        "The division the location lies in; defaults to the station's."))
    raised_by_kind: str | None = strawberry.field(default=None, description=(
        "community | grassroots | station | dispatcher (default by role)."))
    priority: float = 1.0
    requires_insurance: bool = False
    contact_name: str | None = strawberry.field(default=None, description=(
        "Whom to call about it (1..50 characters); seen by admins and the region's "
        "dispatchers only."))
    contact_phone: str | None = strawberry.field(default=None, description=(
        "Their mainland mobile; stored encrypted, seen by admins and the region's dispatchers "
        "only (masked by other dispatchers)."))


async def _new_demand(info: Info, data: RaiseDemandInput) -> demands.NewDemand:
    station = None
    if data.station_id is not None:
        station = await info.context.loaders.station.load(
            decode_id(str(data.station_id), "Station", "stationId"))
        if station is None:
            raise WorkflowError(Code.NOT_FOUND, "stationId", f"station {data.station_id} "
                                                             "does not exist")
    code = data.region_code or (station["region_code"] if station else None)
    if code is None:
        raise WorkflowError(Code.INVALID, "regionCode", "is needed without a station")
    try:
        code = normalize_code(code)
    except DivisionCodeError:
        raise WorkflowError(Code.INVALID, "regionCode", f"{code!r} is not a division code"
                            ) from None
    if await info.context.loaders.region.load(code) is None:
        raise WorkflowError(Code.INVALID, "regionCode", f"{code!r} is not a known division")
    if data.location is not None:
        lon, lat = data.location.wgs84("location")
    elif station is not None:
        lon, lat = station["lon"], station["lat"]
    else:
        raise WorkflowError(Code.INVALID, "location", "is needed without a station")
    caller = info.context.caller
    kinds = ("community", "grassroots", "station", "dispatcher")
    kind = data.raised_by_kind or ("station" if caller.role is Role.ORG_ADMIN else "community")
    if kind not in kinds:
        raise WorkflowError(Code.INVALID, "raisedByKind", f"{kind!r} is not one of "
                                                          f"{', '.join(kinds)}")
    return demands.NewDemand(
        title=data.title, description=data.description,
        category=normalized(data.category, SKILLS),
        required_skills=tuple(normalized(s, SKILLS) for s in data.required_skills),
        needed=data.needed,
        starts_at=data.starts_at, ends_at=data.ends_at, lon=lon, lat=lat,
        station_id=station["id"] if station else None, region_code=code,
        raised_by=actor(caller), raised_by_kind=kind, priority=data.priority,
        requires_insurance=data.requires_insurance)


def _ttl(info: Info) -> int:
    return info.context.settings.dispatch_offer_ttl_s


def _dispatch_id(value: strawberry.ID) -> int:
    return decode_id(str(value), "Dispatch", "dispatchId")


@strawberry.type
class WorkflowMutation:
    @mutation("点单: raise a demand for service at a place and time. A resident's (anywhere; at "
              "a station they choose, if any) or a station staff's (at their station) starts "
              "pending_review until its reviewer approves it (approveDemand), and is "
              "rate-limited per account and per client (RATE_LIMITED).")
    async def raise_demand(self, info: Info, input: RaiseDemandInput) -> RaiseDemandPayload:
        demand = await _new_demand(info, input)
        ctx = info.context
        limits = demands.RaiseLimits(
            client=ctx.client, per_account=ctx.settings.demand_raises_per_account_per_hour,
            per_client=ctx.settings.demand_raises_per_client_per_hour)
        contact = demands.Contact(name=input.contact_name, phone=input.contact_phone)
        demand_id = await demands.raise_demand(ctx.db, ctx.caller, demand, limits=limits,
                                               region_prefix=subtree_prefix(demand.region_code),
                                               contact=contact, cipher=ctx.cipher)
        return RaiseDemandPayload(demand=await Demand.load(info, demand_id))

    @mutation("Cancel an open or dispatched demand; its offers and bookings are cancelled.")
    async def cancel_demand(self, info: Info, input: CancelDemandInput) -> CancelDemandPayload:
        demand_id = decode_id(str(input.demand_id), "Demand", "demandId")
        await demands.cancel_demand(info.context.db, info.context.caller, demand_id=demand_id,
                                    reason=_reason(input.reason))
        info.context.loaders.demand.clear_all()  # the demand as cancelled, not as cached
        return CancelDemandPayload(demand=await Demand.load(info, demand_id))

    @mutation(f"派单 by hand: offer a demand's slots to up to {MAX_VOLUNTEERS} volunteers.")
    async def dispatch(self, info: Info, input: DispatchInput) -> DispatchPayload:
        demand_id = decode_id(str(input.demand_id), "Demand", "demandId")
        if len(input.volunteer_ids) > MAX_VOLUNTEERS:  # not even decoded
            raise WorkflowError(Code.INVALID, "volunteerIds", (
                f"{len(input.volunteer_ids)} given; give 1..{MAX_VOLUNTEERS}"))
        ids = [decode_id(str(v), "Volunteer", f"volunteerIds[{n}]")
               for n, v in enumerate(input.volunteer_ids)]
        made = await workflow.offer(info.context.db, caller=info.context.caller,
                                    demand_id=demand_id, volunteer_ids=ids, ttl_s=_ttl(info))
        rows = await dispatch_loader(info).load_many(made)
        return DispatchPayload(dispatches=[Dispatch.from_row(r) for r in rows if r])

    @mutation("接单: take an offer.")
    async def accept_dispatch(self, info: Info,
                              input: AcceptDispatchInput) -> AcceptDispatchPayload:
        row = await workflow.accept(info.context.db, dispatch_id=_dispatch_id(input.dispatch_id),
                                    caller=info.context.caller, ttl_s=_ttl(info))
        return AcceptDispatchPayload(dispatch=Dispatch.from_row(row))

    @mutation("拒单: decline an offer.")
    async def decline_dispatch(self, info: Info,
                               input: DeclineDispatchInput) -> DeclineDispatchPayload:
        row = await workflow.decline(info.context.db, dispatch_id=_dispatch_id(input.dispatch_id),
                                     caller=info.context.caller, reason=_reason(input.reason),
                                     ttl_s=_ttl(info))
        return DeclineDispatchPayload(dispatch=Dispatch.from_row(row))

    @mutation("签到 at the demand, within the configured distance, from the configured tolerance "
              "(default an hour) before its window starts until it ends.")
    async def check_in(self, info: Info, input: CheckInInput) -> CheckInPayload:
        settings = info.context.settings
        lon, lat = input.point.wgs84("point")
        row = await workflow.check_in(
            info.context.db, dispatch_id=_dispatch_id(input.dispatch_id), lon=lon, lat=lat,
            caller=info.context.caller, max_distance_m=settings.checkin_max_distance_m,
            tolerance_s=settings.checkin_tolerance_s)
        return CheckInPayload(dispatch=Dispatch.from_row(row))

    @mutation("签退, once the demand's window has started: the hours served, clipped to the "
              "window, become a pending service record for the organiser or a dispatcher to "
              "confirm.")
    async def check_out(self, info: Info, input: CheckOutInput) -> CheckOutPayload:
        lon, lat = input.point.wgs84("point")
        row = await workflow.check_out(
            info.context.db, dispatch_id=_dispatch_id(input.dispatch_id), lon=lon, lat=lat,
            caller=info.context.caller)
        return CheckOutPayload(dispatch=Dispatch.from_row(row))

    @mutation("Withdraw an offer or booking (a dispatcher; or the volunteer their own).")
    async def cancel_dispatch(self, info: Info,
                              input: CancelDispatchInput) -> CancelDispatchPayload:
        row = await workflow.cancel(
            info.context.db, dispatch_id=_dispatch_id(input.dispatch_id),
            caller=info.context.caller, reason=_reason(input.reason), ttl_s=_ttl(info),
            reoffer=input.reoffer)
        return CancelDispatchPayload(dispatch=Dispatch.from_row(row))

    @mutation("未到岗: a booked volunteer did not come; the slot is offered again if there is "
              "time.")
    async def mark_no_show(self, info: Info, input: MarkNoShowInput) -> MarkNoShowPayload:
        row = await workflow.no_show(info.context.db, dispatch_id=_dispatch_id(input.dispatch_id),
                                     caller=info.context.caller, ttl_s=_ttl(info))
        return MarkNoShowPayload(dispatch=Dispatch.from_row(row))


def _listing_prefix(caller: Caller, region_code: str | None) -> str:
    """The region subtree a caller may list or hear ("" = everywhere; a volunteer's own are
    picked out by volunteer)."""
    if caller.role is Role.VOLUNTEER:
        require(caller, Action.DISPATCH_WATCH, subject(volunteer_id=caller.volunteer_id),
                what="watch dispatches")
        return ""
    if region_code is None:
        if caller.role is not Role.DISPATCHER or caller.region is None:
            require(caller, Action.DISPATCH_WATCH,
                    what="watch dispatches (admins, dispatchers and volunteers see dispatches)")
            return ""
        region_code = caller.region
    try:
        code = normalize_code(region_code)
    except DivisionCodeError:
        raise BadUserInput("regionCode", region_code, "is not a division code") from None
    require(caller, Action.DISPATCH_WATCH, subject(region_code=code),
            what="watch dispatches there (admins, dispatchers and volunteers see dispatches)")
    return subtree_prefix(code)


@strawberry.type
class WorkflowQuery:
    @strawberry.field(description="Dispatches, oldest first: a volunteer's own, or those of "
                                  "the regions a dispatcher manages.")
    async def dispatches(self, info: Info, first: int | None = None, after: str | None = None,
                         filter: DispatchFilter | None = None) -> Connection[Dispatch]:
        f = filter or DispatchFilter()
        caller = info.context.caller
        size, cursor = page_args(first, after)
        query = workflow.DispatchFilter(
            volunteer_id=caller.volunteer_id,
            demand_id=decode_id(str(f.demand_id), "Demand", "filter.demandId")
            if f.demand_id else None,
            region_prefix=_listing_prefix(caller, f.region_code), statuses=tuple(f.states or ()))
        db = info.context.db
        rows = await workflow.list_(db, filter=query, first=size,
                                    after_id=cursor.id if cursor else None)
        return connection(rows, first=size, after=cursor, make=Dispatch.from_row,
                          count_thunk=lambda: workflow.count(db, filter=query))

    @strawberry.field(description="Dispatch states and the transitions allowed between them.")
    async def dispatch_states(self, info: Info) -> list[DispatchStateInfo]:
        moves = await workflow.allowed(info.context.db)
        return [DispatchStateInfo(state=r["state"], active=r["active"], label_zh=r["label_zh"],
                                  next_states=sorted(t for f, t in moves if f == r["state"]))
                for r in await workflow.list_states(info.context.db)]


@strawberry.type(name="Subscription")
class WorkflowSubscription:
    @strawberry.subscription(description=(
        "Dispatch state changes as they are committed: in a region subtree for admins and "
        "dispatchers (default: the dispatcher's own region), a volunteer's own for volunteers."))
    async def dispatch_events(self, info: Info, region_code: str | None = None
                              ) -> AsyncGenerator[DispatchEvent, None]:
        caller = info.context.caller
        try:
            prefix = _listing_prefix(caller, region_code)
        except HubError as exc:  # subscriptions bypass ErrorCodes: code the error here
            raise GraphQLError(str(exc), extensions={**exc.extensions, "code": exc.code}
                               ) from None
        except Denied as exc:
            raise GraphQLError(exc.message, extensions={"code": exc.code,
                                                        "messageZh": exc.message_zh}) from None
        live = info.context.events
        if live is None:
            raise GraphQLError("live events are not served here",
                               extensions={"code": "INTERNAL_SERVER_ERROR"})
        conninfo = await events.conninfo_of(info.context.db)
        async for event in live.stream(conninfo, prefix):
            if caller.role is Role.VOLUNTEER and event["volunteerId"] != caller.volunteer_id:
                continue
            # Resolved while this generator waits at the yield: the event's reads see one
            # snapshot of their own, through fresh loaders ("the dispatch as it is now").
            async with info.context.one_snapshot():
                yield DispatchEvent.from_payload(event)

