"""GraphQL for 点单 → 派单 → 接单 → 服务: mutations, lists, and live dispatch events.

Expected refusals go into each payload's ``errors``; who may do what is checked first and
reported as top-level ``FORBIDDEN`` / ``UNAUTHENTICATED`` errors. Who may act:

* raiseDemand / cancelDemand: an admin; a dispatcher inside their region subtree; an org
  admin for a station their organisation (or one beneath it) operates.
* dispatch / cancelDispatch / markNoShow: an admin or a dispatcher of the demand's region
  (a volunteer may also cancel their own booking).
* acceptDispatch / declineDispatch / checkIn / checkOut: only the dispatch's own volunteer.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError

from hub.auth import Caller, Role
from hub.auth.actions import Action, Denied, actor, require, subject
from hub.geo.divisions import DivisionCodeError, normalize_code, subtree_prefix
from hub.schema.common import Connection, PointInput, connection, page_args
from hub.schema.context import Info
from hub.schema.errors import BadUserInput, HubError
from hub.schema.node import decode_id
from hub.schema.places import Demand
from hub.schema.workflow_types import (
    AcceptDispatchInput,
    CancelDemandInput,
    CancelDispatchInput,
    CheckPointInput,
    DeclineDispatchInput,
    Dispatch,
    DispatchEvent,
    DispatchFilter,
    DispatchInput,
    DispatchStateInfo,
    MarkNoShowInput,
    MutationTypes,
)
from hub.services import demands, events, workflow
from hub.services.workflow import Code, Refused, WorkflowError
from hub.store import workflow as store
from hub.store.base import Row

MAX_VOLUNTEERS = workflow.MAX_HAND_OFFERS
MAX_REASON = 500
_C = Code
_BASE = (_C.INVALID, _C.NOT_FOUND)
_MOVE = (*_BASE, _C.INVALID_TRANSITION, _C.CONFLICT)
RAISE = MutationTypes("RaiseDemand", "demand", Demand, _BASE)
CANCEL_DEMAND = MutationTypes("CancelDemand", "demand", Demand,
                              (*_BASE, _C.DEMAND_CLOSED, _C.IN_SERVICE, _C.CONFLICT))
DISPATCH = MutationTypes("Dispatch", "dispatches", list[Dispatch], (
    *_BASE, _C.DEMAND_CLOSED, _C.WINDOW_STARTED, _C.SLOTS_FULL, _C.DOUBLE_BOOKED,
    _C.VOLUNTEER_INACTIVE, _C.NOT_INSURED, _C.CONFLICT))
ACCEPT = MutationTypes("AcceptDispatch", "dispatch", Dispatch, (*_MOVE, _C.OFFER_EXPIRED))
DECLINE = MutationTypes("DeclineDispatch", "dispatch", Dispatch, (*_MOVE, _C.OFFER_EXPIRED))
CHECK_IN = MutationTypes("CheckIn", "dispatch", Dispatch, (
    *_MOVE, _C.TOO_FAR, _C.TOO_EARLY, _C.WINDOW_STARTED))
CHECK_OUT = MutationTypes("CheckOut", "dispatch", Dispatch, (*_MOVE, _C.TOO_EARLY))
CANCEL_DISPATCH = MutationTypes("CancelDispatch", "dispatch", Dispatch, _MOVE)
NO_SHOW = MutationTypes("MarkNoShow", "dispatch", Dispatch, (*_MOVE, _C.TOO_EARLY))


def _reason(value: str, field: str = "reason") -> str:
    text = value.strip()
    if not 1 <= len(text) <= MAX_REASON:
        raise WorkflowError(Code.INVALID, field, f"{value!r} must be 1..{MAX_REASON} characters")
    return text


def _id(value: strawberry.ID, type_name: str, field: str) -> int:
    try:
        return decode_id(str(value), type_name, field)
    except BadUserInput as exc:
        raise WorkflowError(Code.INVALID, field, str(exc)) from None


def _point(point: PointInput, field: str) -> tuple[float, float]:
    try:
        return point.wgs84(field)
    except BadUserInput as exc:
        raise WorkflowError(Code.INVALID, field, str(exc)) from None


async def _run(types: MutationTypes, work: Callable[[], Awaitable[Any]]) -> Any:
    """A payload from ``work``: its result, or the refusals it raised."""
    try:
        return types.ok(await work())
    except WorkflowError as exc:
        return types.fail([exc])
    except Refused as exc:
        return types.fail(exc.errors)


async def _dispatch_row(info: Info, value: strawberry.ID, field: str = "dispatchId") -> Row:
    dispatch_id = _id(value, "Dispatch", field)
    rows = await store.get_dispatches(info.context.db, ids=[dispatch_id])
    if not rows:
        raise WorkflowError(Code.NOT_FOUND, field, f"dispatch {value} does not exist")
    return rows[0]


async def _demand_row(info: Info, value: strawberry.ID, field: str = "demandId") -> Row:
    row = await info.context.loaders.demand.load(_id(value, "Demand", field))
    if row is None:
        raise WorkflowError(Code.NOT_FOUND, field, f"demand {value} does not exist")
    return row


@strawberry.input(description="A demand (点单); give a station, or a location and region.")
class RaiseDemandInput:
    title: str
    category: str = strawberry.field(description="A service category code, e.g. health.")
    needed: int = strawberry.field(description="Volunteers needed (1..500).")
    starts_at: datetime
    ends_at: datetime
    description: str = ""
    required_skills: list[str] = strawberry.field(default_factory=list)
    station_id: strawberry.ID | None = None
    location: PointInput | None = strawberry.field(default=None, description=(
        "Where; defaults to the station's location."))
    region_code: str | None = strawberry.field(default=None, description=(
        "The division the location lies in; defaults to the station's."))
    raised_by_kind: str | None = strawberry.field(default=None, description=(
        "community | grassroots | station | dispatcher (default by role)."))
    priority: float = 1.0
    requires_insurance: bool = False


async def _new_demand(info: Info, data: RaiseDemandInput) -> store.NewDemand:
    station = None
    if data.station_id is not None:
        station = await info.context.loaders.station.load(
            _id(data.station_id, "Station", "stationId"))
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
        lon, lat = _point(data.location, "location")
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
    return store.NewDemand(
        title=data.title, description=data.description, category=data.category,
        required_skills=tuple(data.required_skills), needed=data.needed,
        starts_at=data.starts_at, ends_at=data.ends_at, lon=lon, lat=lat,
        station_id=station["id"] if station else None, region_code=code,
        raised_by=actor(caller), raised_by_kind=kind, priority=data.priority,
        requires_insurance=data.requires_insurance)


def _ttl(info: Info) -> int:
    return info.context.settings.dispatch_offer_ttl_s


def _payload(types: MutationTypes) -> Any:
    """The mutation field's declared GraphQL type."""
    return types.payload


@strawberry.type
class WorkflowMutation:
    @strawberry.mutation(graphql_type=_payload(RAISE), description=(
        "点单: raise a demand for service at a place and time."))
    async def raise_demand(self, info: Info, input: RaiseDemandInput) -> Any:
        async def work() -> Demand | None:
            demand = await _new_demand(info, input)
            demand_id = await demands.raise_demand(
                info.context.db, info.context.caller, demand,
                region_prefix=subtree_prefix(demand.region_code))
            return await Demand.load(info, demand_id)
        return await _run(RAISE, work)

    @strawberry.mutation(graphql_type=_payload(CANCEL_DEMAND), description=(
        "Cancel an open or dispatched demand; its offers and bookings are cancelled."))
    async def cancel_demand(self, info: Info, input: CancelDemandInput) -> Any:
        async def work() -> Demand | None:
            row = await _demand_row(info, input.demand_id)
            await demands.cancel_demand(info.context.db, info.context.caller,
                                        demand_id=row["id"], reason=_reason(input.reason))
            info.context.loaders.demand.clear(row["id"])
            return await Demand.load(info, row["id"])
        return await _run(CANCEL_DEMAND, work)

    @strawberry.mutation(graphql_type=_payload(DISPATCH), description=(
        f"派单 by hand: offer a demand's slots to up to {MAX_VOLUNTEERS} volunteers."))
    async def dispatch(self, info: Info, input: DispatchInput) -> Any:
        async def work() -> list[Dispatch]:
            row = await _demand_row(info, input.demand_id)
            if len(input.volunteer_ids) > MAX_VOLUNTEERS:  # not even decoded
                raise WorkflowError(Code.INVALID, "volunteerIds", (
                    f"{len(input.volunteer_ids)} given; give 1..{MAX_VOLUNTEERS}"))
            ids = [_id(v, "Volunteer", f"volunteerIds[{n}]")
                   for n, v in enumerate(input.volunteer_ids)]
            made = await workflow.offer(info.context.db, caller=info.context.caller,
                                        demand_id=row["id"], volunteer_ids=ids, ttl_s=_ttl(info))
            return [Dispatch.from_row(r) for r in
                    await store.get_dispatches(info.context.db, ids=made)]
        return await _run(DISPATCH, work)

    @strawberry.mutation(graphql_type=_payload(ACCEPT), description="接单: take an offer.")
    async def accept_dispatch(self, info: Info, input: AcceptDispatchInput) -> Any:
        async def work() -> Dispatch:
            row = await _dispatch_row(info, input.dispatch_id)
            return Dispatch.from_row(await workflow.accept(
                info.context.db, dispatch_id=row["id"], caller=info.context.caller,
                ttl_s=_ttl(info)))
        return await _run(ACCEPT, work)

    @strawberry.mutation(graphql_type=_payload(DECLINE), description="拒单: decline an offer.")
    async def decline_dispatch(self, info: Info, input: DeclineDispatchInput) -> Any:
        async def work() -> Dispatch:
            row = await _dispatch_row(info, input.dispatch_id)
            return Dispatch.from_row(await workflow.decline(
                info.context.db, dispatch_id=row["id"], caller=info.context.caller,
                reason=_reason(input.reason), ttl_s=_ttl(info)))
        return await _run(DECLINE, work)

    @strawberry.mutation(graphql_type=_payload(CHECK_IN), description=(
        "签到 at the demand, within the configured distance, from the configured tolerance "
        "(default an hour) before its window starts until it ends."))
    async def check_in(self, info: Info, input: CheckPointInput) -> Any:
        async def work() -> Dispatch:
            row = await _dispatch_row(info, input.dispatch_id)
            lon, lat = _point(input.point, "point")
            return Dispatch.from_row(await workflow.check_in(
                info.context.db, dispatch_id=row["id"], lon=lon, lat=lat,
                caller=info.context.caller,
                max_distance_m=info.context.settings.checkin_max_distance_m,
                tolerance_s=info.context.settings.checkin_tolerance_s))
        return await _run(CHECK_IN, work)

    @strawberry.mutation(graphql_type=_payload(CHECK_OUT), description=(
        "签退, once the demand's window has started: the hours served, clipped to the window, "
        "become a pending service record for the organiser or a dispatcher to confirm."))
    async def check_out(self, info: Info, input: CheckPointInput) -> Any:
        async def work() -> Dispatch:
            row = await _dispatch_row(info, input.dispatch_id)
            lon, lat = _point(input.point, "point")
            return Dispatch.from_row(await workflow.check_out(
                info.context.db, dispatch_id=row["id"], lon=lon, lat=lat,
                caller=info.context.caller))
        return await _run(CHECK_OUT, work)

    @strawberry.mutation(graphql_type=_payload(CANCEL_DISPATCH), description=(
        "Withdraw an offer or booking (a dispatcher; or the volunteer their own)."))
    async def cancel_dispatch(self, info: Info, input: CancelDispatchInput) -> Any:
        async def work() -> Dispatch:
            row = await _dispatch_row(info, input.dispatch_id)
            caller = info.context.caller
            return Dispatch.from_row(await workflow.cancel(
                info.context.db, dispatch_id=row["id"], caller=caller,
                reason=_reason(input.reason), ttl_s=_ttl(info), reoffer=input.reoffer))
        return await _run(CANCEL_DISPATCH, work)

    @strawberry.mutation(graphql_type=_payload(NO_SHOW), description=(
        "未到岗: a booked volunteer did not come; the slot is offered again if there is time."))
    async def mark_no_show(self, info: Info, input: MarkNoShowInput) -> Any:
        async def work() -> Dispatch:
            row = await _dispatch_row(info, input.dispatch_id)
            return Dispatch.from_row(await workflow.no_show(
                info.context.db, dispatch_id=row["id"], caller=info.context.caller,
                ttl_s=_ttl(info)))
        return await _run(NO_SHOW, work)


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
        query = store.DispatchFilter(
            volunteer_id=caller.volunteer_id,
            demand_id=decode_id(str(f.demand_id), "Demand", "filter.demandId")
            if f.demand_id else None,
            region_prefix=_listing_prefix(caller, f.region_code), statuses=tuple(f.states or ()))
        db = info.context.db
        rows = await store.list_dispatches(db, filter=query, first=size,
                                           after_id=cursor.id if cursor else None)
        return connection(rows, first=size, after=cursor, make=Dispatch.from_row,
                          count_thunk=lambda: store.count_dispatches(db, filter=query))

    @strawberry.field(description="Dispatch states and the transitions allowed between them.")
    async def dispatch_states(self, info: Info) -> list[DispatchStateInfo]:
        moves = await workflow.allowed(info.context.db)
        return [DispatchStateInfo(state=r["state"], active=r["active"], label_zh=r["label_zh"],
                                  next_states=sorted(t for f, t in moves if f == r["state"]))
                for r in await store.states(info.context.db)]


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
        conninfo = await events.conninfo_of(info.context.db)
        async for event in events.events(conninfo, prefix):
            if caller.role is Role.VOLUNTEER and event["volunteerId"] != caller.volunteer_id:
                continue
            yield DispatchEvent.from_payload(event)

