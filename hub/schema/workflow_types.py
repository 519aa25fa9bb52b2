"""GraphQL types of the dispatch lifecycle: the Dispatch node, events, states, inputs, who may act,
and each mutation's payload (:func:`hub.schema.payloads.payload`: `errors: [XxxError!]!`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Self

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from hub.auth import Caller
from hub.auth.actions import Action, can
from hub.schema import node as nodes_
from hub.schema.common import CRS, GeoPoint, PointInput, geo_point
from hub.schema.context import Info
from hub.schema.node import LoadedNode, encode_id
from hub.schema.payloads import payload
from hub.schema.places import Demand
from hub.schema.volunteers import Volunteer
from hub.services import workflow
from hub.services.subjects import dispatch_subject
from hub.services.workflow import Code
from hub.store.base import Row

LOADER = "dispatch"


def may_see(caller: Caller, row: Row) -> bool:
    """Who may see a dispatch: those who may watch it (``dispatch.watch``): its volunteer, or
    whoever manages its demand's region."""
    return can(caller, Action.DISPATCH_WATCH, dispatch_subject(row))


def _request_loader(info: Info, name: str, load: Any) -> Any:
    """A DataLoader kept on the request's loaders under ``name`` (made on first use)."""
    loaders = info.context.loaders
    if name not in loaders.__dict__:
        loaders.__dict__[name] = DataLoader(load_fn=load)
    return loaders.__dict__[name]


def dispatch_loader(info: Info) -> DataLoader[int, Row | None]:
    """Dispatches by id, batched per request."""
    db = info.context.db

    async def load(ids: list[int]) -> list[Row | None]:
        by_id = {r["id"]: r for r in await workflow.get_many(db, ids=ids)}
        return [by_id.get(i) for i in ids]

    loader: DataLoader[int, Row | None] = _request_loader(info, LOADER, load)
    return loader


def history_loader(info: Info) -> DataLoader[int, list[Row]]:
    """The state changes of dispatches, batched per request."""
    db = info.context.db

    async def load(ids: list[int]) -> list[list[Row]]:
        groups: dict[int, list[Row]] = {i: [] for i in ids}
        for row in await workflow.list_events(db, dispatch_ids=ids):
            groups[row["dispatch_id"]].append(row)
        return [groups[i] for i in ids]

    loader: DataLoader[int, list[Row]] = _request_loader(info, "dispatch_history", load)
    return loader


@strawberry.type(description="One change of a dispatch's state, and who made it.")
class DispatchChange:
    from_state: str | None
    to_state: str
    actor: str = strawberry.field(description="role:subject, or `hub` for automatic steps.")
    reason: str | None
    at: datetime


@strawberry.federation.type(keys=["id"], description="派单: a demand's slot offered to a "
                                                      "volunteer, and what became of it.")
class Dispatch(LoadedNode):
    loader = LOADER
    id: relay.NodeID[int]
    state: str = strawberry.field(description="offered | accepted | checked_in | completed | "
                                              "declined | expired | cancelled | no_show | "
                                              "claim_pending | claim_rejected")
    active: bool = strawberry.field(description="Holds the slot and the volunteer's time.")
    starts_at: datetime
    ends_at: datetime
    distance_m: float | None = strawberry.field(description="Home to demand, when planned.")
    reason: str = strawberry.field(description="Why this volunteer was chosen.")
    offered_by: str
    offered_at: datetime
    respond_by: datetime = strawberry.field(description="Accept or decline before this.")
    responded_at: datetime | None
    decline_reason: str | None
    check_in_at: datetime | None
    check_in_distance_m: float | None
    check_out_at: datetime | None
    hours: float | None = strawberry.field(description="Check-in to check-out, clipped to the "
                                                        "demand's window.")
    claimed: bool = strawberry.field(description="抢单: the volunteer claimed it themself.")
    row: strawberry.Private[Row]

    @classmethod
    def from_row(cls, row: Row) -> Self:
        return cls(id=row["id"], state=row["status"], active=row["active"],
                   starts_at=row["starts_at"], ends_at=row["ends_at"],
                   distance_m=row["distance_m"], reason=row["reason"],
                   offered_by=row["offered_by"], offered_at=row["offered_at"],
                   respond_by=row["respond_by"], responded_at=row["responded_at"],
                   decline_reason=row["decline_reason"], check_in_at=row["check_in_at"],
                   check_in_distance_m=row["check_in_distance_m"],
                   check_out_at=row["check_out_at"], hours=row["hours"],
                   claimed=row["claimed"], row=row)

    @classmethod
    async def load(cls, info: Info, key: Any) -> Self | None:
        row = await dispatch_loader(info).load(int(key))
        return cls.from_row(row) if row and may_see(info.context.caller, row) else None

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Sequence[str], required: bool = False
    ) -> list[Self | None]:
        return [await cls.load(info, int(i)) for i in node_ids]

    @strawberry.field
    async def volunteer(self, info: Info) -> Volunteer | None:
        return await Volunteer.load(info, self.row["volunteer_id"])

    @strawberry.field
    async def demand(self, info: Info) -> Demand | None:
        return await Demand.load(info, self.row["demand_id"])

    @strawberry.field(description="Where the volunteer checked in.")
    def check_in_point(self, crs: CRS | None = CRS.WGS84) -> GeoPoint | None:
        return geo_point(self.row["check_in_lon"], self.row["check_in_lat"], crs)

    @strawberry.field(description="Where the volunteer checked out.")
    def check_out_point(self, crs: CRS | None = CRS.WGS84) -> GeoPoint | None:
        return geo_point(self.row["check_out_lon"], self.row["check_out_lat"], crs)

    @strawberry.field(description="Every change of state, oldest first.")
    async def history(self, info: Info) -> list[DispatchChange]:
        rows = await history_loader(info).load(self.row["id"])
        return [DispatchChange(from_state=r["from_state"], to_state=r["to_state"],
                               actor=r["actor"], reason=r["reason"], at=r["at"]) for r in rows]


@strawberry.type(description="A dispatch state, whether it holds the slot, and where it may go.")
class DispatchStateInfo:
    state: str
    active: bool
    label_zh: str
    next_states: list[str]


@strawberry.type(description="A committed change of a dispatch's state (live).")
class DispatchEvent:
    event_id: strawberry.ID
    dispatch_id: strawberry.ID
    demand_id: strawberry.ID
    volunteer_id: strawberry.ID
    region_code: str
    from_state: str | None
    to_state: str
    actor: str
    reason: str | None
    at: datetime

    @classmethod
    def from_payload(cls, event: dict[str, Any]) -> DispatchEvent:
        return cls(event_id=strawberry.ID(str(event["eventId"])),
                   dispatch_id=strawberry.ID(encode_id("Dispatch", event["dispatchId"])),
                   demand_id=strawberry.ID(encode_id("Demand", event["demandId"])),
                   volunteer_id=strawberry.ID(encode_id("Volunteer", event["volunteerId"])),
                   region_code=event["regionCode"], from_state=event.get("fromState"),
                   to_state=event["toState"], actor=event["actor"],
                   reason=event.get("reason"), at=datetime.fromisoformat(event["at"]))

    @strawberry.field(description="The dispatch as it is now (null if you may not see it).")
    async def dispatch(self, info: Info) -> Dispatch | None:
        return await Dispatch.load(info, nodes_.decode_id(str(self.dispatch_id), "Dispatch"))


@strawberry.input(description="Cancel a demand and its offers and bookings.")
class CancelDemandInput:
    demand_id: strawberry.ID
    reason: str


@strawberry.input(description="Offer a demand's slots to volunteers by hand (all or none).")
class DispatchInput:
    demand_id: strawberry.ID
    volunteer_ids: list[strawberry.ID]


@strawberry.input(description="Take an offered slot.")
class AcceptDispatchInput:
    dispatch_id: strawberry.ID


@strawberry.input(description="Turn an offer down; the slot goes to the next best candidate.")
class DeclineDispatchInput:
    dispatch_id: strawberry.ID
    reason: str


@strawberry.input(description="签到: where the device is (any CRS).")
class CheckInInput:
    dispatch_id: strawberry.ID
    point: PointInput


@strawberry.input(description="签退: where the device is (any CRS).")
class CheckOutInput(CheckInInput):
    pass


@strawberry.input(description="Withdraw an offer or booking.")
class CancelDispatchInput:
    dispatch_id: strawberry.ID
    reason: str
    reoffer: bool = strawberry.field(default=True, description=(
        "Offer the freed slot to the next best candidate."))


@strawberry.input(description="A booked volunteer did not come.")
class MarkNoShowInput:
    dispatch_id: strawberry.ID


@strawberry.input(description="Which dispatches; volunteers always see only their own.")
class DispatchFilter:
    demand_id: strawberry.ID | None = None
    region_code: str | None = None
    states: list[str] | None = None


_C = Code
_BASE = (_C.INVALID, _C.NOT_FOUND)
_MOVE = (*_BASE, _C.INVALID_TRANSITION, _C.CONFLICT)


@payload(*_BASE)
class RaiseDemandPayload:
    demand: Demand | None = None


@payload(*_BASE, _C.DEMAND_CLOSED, _C.IN_SERVICE, _C.CONFLICT)
class CancelDemandPayload:
    demand: Demand | None = None


@payload(*_BASE, _C.DEMAND_CLOSED, _C.WINDOW_STARTED, _C.SLOTS_FULL, _C.DOUBLE_BOOKED,
         _C.VOLUNTEER_INACTIVE, _C.NOT_INSURED, _C.CONFLICT)
class DispatchPayload:
    dispatches: list[Dispatch] | None = None


@strawberry.type
class DispatchResult:
    """What a step of one dispatch's lifecycle answers: the dispatch as it now is."""

    dispatch: Dispatch | None = None


@payload(*_MOVE, _C.OFFER_EXPIRED)
class AcceptDispatchPayload(DispatchResult):
    """接单."""


@payload(*_MOVE, _C.OFFER_EXPIRED)
class DeclineDispatchPayload(DispatchResult):
    """拒单."""


@payload(*_MOVE, _C.TOO_FAR, _C.TOO_EARLY, _C.WINDOW_STARTED)
class CheckInPayload(DispatchResult):
    """签到."""


@payload(*_MOVE, _C.TOO_EARLY)
class CheckOutPayload(DispatchResult):
    """签退."""


@payload(*_MOVE)
class CancelDispatchPayload(DispatchResult):
    """撤回."""


@payload(*_MOVE, _C.TOO_EARLY)
class MarkNoShowPayload(DispatchResult):
    """未到岗."""
