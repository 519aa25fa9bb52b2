"""审核: residents' and stations' demands reviewed before they can be dispatched (public 点单).

A demand a resident or a station's staff raises starts ``pending_review``. Who reviews it is
the action table's ``demand.vet`` on :func:`~hub.services.subjects.vetting_subject`: an admin;
the dispatcher of its region; and, for a resident's demand at a station the resident chose,
that station's staff (a station's own demands go to the dispatcher: nobody approves their own
station's). Approving makes it ``open`` (dispatchable); rejecting needs a reason; both keep
who and when, and the requester sees the outcome on their demand (``myDemands``,
``Demand.review``). The demand's row lock makes two reviewers at once one decision.

Until approved, a demand is seen only by its reviewers and its requester: never matched,
dispatched, claimed, listed or drawn for anyone else (:data:`hub.store.demands.UNVETTED`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from hub.auth import Caller, Role
from hub.auth.actions import Action, Denied, actor, can, require, subject
from hub.geo.divisions import subtree_prefix
from hub.services import tell
from hub.services.outbox import EventKind
from hub.services.subjects import vetting_subject
from hub.services.workflow import Code, WorkflowError
from hub.store import demand_intake as intake
from hub.store import demands as store
from hub.store.base import Database, Row
from hub.store.demands import UNVETTED, DemandFilter
from hub.store.listing import Cursor

MAX_REASON = 500


def is_requester(caller: Caller, row: Row) -> bool:
    """Whether the caller raised the demand (``raised_by`` is ``role:sub``)."""
    return caller.sub is not None and row.get("raised_by") == actor(caller)


def may_see_review(caller: Caller, row: Row) -> bool:
    """Who may see how a demand's review went: its requester and whoever may review it."""
    return is_requester(caller, row) or can(caller, Action.DEMAND_VET, vetting_subject(row))


def may_see(caller: Caller, row: Row) -> bool:
    """A demand pending review or rejected exists only for its requester and reviewers."""
    return row["status"] not in UNVETTED or may_see_review(caller, row)


async def vet_demand(db: Database, caller: Caller, *, demand_id: int, approve: bool,
                     reason: str | None) -> None:
    """Approve (→ open) or reject (→ rejected, with ``reason``) a demand pending review."""
    text = (reason or "").strip()
    if not approve and not text:
        raise WorkflowError(Code.REASON_REQUIRED, "reason", "a rejection needs a reason",
                            "驳回须填写原因")
    if len(text) > MAX_REASON:
        raise WorkflowError(Code.INVALID, "reason", f"{len(text)} characters; at most "
                                                    f"{MAX_REASON}",
                            f"原因共 {len(text)} 个字，最多 {MAX_REASON} 个字")
    async with db.transaction() as tx:
        row = await store.lock(tx, demand_id=demand_id)
        if row is None:
            raise WorkflowError(Code.NOT_FOUND, "demandId", f"demand {demand_id} does not exist",
                                f"需求 {demand_id} 不存在")
        require(caller, Action.DEMAND_VET, vetting_subject(row), what="review this demand")
        if row["status"] != "pending_review":
            raise WorkflowError(
                Code.INVALID_TRANSITION, "demandId",
                f"demand {demand_id} is {row['status']}: only a demand pending review can be "
                "approved or rejected", f"需求 {demand_id} 不在待审核状态，不能再审核")
        await intake.update_vetted(tx, demand_id=demand_id, approve=approve, by=actor(caller),
                                   reason=text or None)
        await tell.demands(tx, EventKind.DEMAND_APPROVED if approve else EventKind.DEMAND_REJECTED,
                           [demand_id], extra={"reason": text or None})


def _scope(caller: Caller, region_code: str | None) -> DemandFilter:
    """The demands pending review a caller may list: an admin's (anywhere, or a region), a
    dispatcher's region (or a part of it), a station staff's residents' demands there."""
    if caller.role is Role.STATION_STAFF and caller.station_id is not None:
        require(caller, Action.DEMAND_VET, subject(station_id=caller.station_id),
                what="review demands")
        return DemandFilter(statuses=("pending_review",), unvetted=True,
                            station_id=caller.station_id, raised_by_residents=True)
    code = region_code or (caller.region if caller.role is Role.DISPATCHER else None)
    if code is None:
        require(caller, Action.DEMAND_VET, what="review demands (admins, dispatchers and "
                                                  "station staff review demands)")
        return DemandFilter(statuses=("pending_review",), unvetted=True)
    require(caller, Action.DEMAND_VET, subject(region_code=code),
            what="review demands there")
    return DemandFilter(statuses=("pending_review",), unvetted=True,
                        region_prefix=subtree_prefix(code))


Page = tuple[list[Row], Callable[[], Awaitable[int]]]
"""A page of demands and a thunk that counts them all."""


async def list_to_review(db: Database, caller: Caller, *, region_code: str | None, first: int,
                         after: Cursor | None) -> Page:
    """Demands waiting for the caller's review, oldest first (``region_code``: normalised)."""
    query = _scope(caller, region_code)
    rows = await store.list_(db, filter=query, first=first, after=after, near=None, within=None)
    return rows, lambda: store.count(db, filter=query, near=None, within=None)


async def list_mine(db: Database, caller: Caller, *, first: int, after: Cursor | None) -> Page:
    """The demands the caller raised, whatever became of them (a resident sees their review)."""
    if caller.is_anonymous or caller.sub is None:
        raise Denied("sign in to see the demands you raised", code="UNAUTHENTICATED",
                     message_zh="请先登录")
    query = DemandFilter(raised_by=actor(caller), unvetted=True)
    rows = await store.list_(db, filter=query, first=first, after=after, near=None, within=None)
    return rows, lambda: store.count(db, filter=query, near=None, within=None)
