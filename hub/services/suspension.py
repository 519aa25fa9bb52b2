"""暂停 and 恢复: an org admin of one of a volunteer's teams, their region's dispatcher or an
admin suspends a volunteer with a reason, or reinstates them (``volunteer.suspend``; never the
volunteer themself). Every change is logged with who, when and why
(``volunteer_status_change``).

A suspended volunteer is never offered a slot and cannot accept, claim or sign up: the
workflow's and sign-up's status checks say ``VOLUNTEER_INACTIVE``, and the database refuses a
dispatch of a volunteer who is not active (sql/0023 ``dispatch_volunteer_active``). In the
suspension's own transaction their offers, accepted bookings and pending claims are cancelled,
each freed slot going to the next best candidate as a dispatcher's cancellation does
(:func:`hub.services.workflow.refill`), and their places and waitlist entries for activities
not yet started are cancelled, each freed place going to the waitlist
(:func:`hub.services.activities.fill_from_waitlist`). Service already checked in is left to
finish (the volunteer checks out; the record is confirmed as usual).

Concurrency: writers of a dispatch lock its demand then it, and an offer or acceptance then
share-locks the volunteer's row; a sign-up locks its activity then reads the volunteer
share-locked. The suspension locks what it will withdraw first (dispatches, activities), then
the volunteer's row, then what was made before that lock was taken; so an acceptance, offer or
sign-up racing it either commits first and is withdrawn, or waits and is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.auth import Caller
from hub.auth.actions import Action, actor, require
from hub.services import activities, workflow
from hub.services.membership import MembershipError, reason_of, volunteer_facts
from hub.services.records import in_transaction, recorded_name
from hub.services.subjects import volunteer_subject
from hub.store import activities as activity_store
from hub.store import demands, signups
from hub.store import dispatch as dispatches
from hub.store import memberships as store
from hub.store.base import ConnectionDatabase, Database, Row


@dataclass(frozen=True)
class StatusChange:
    """A logged change of status, and what a suspension withdrew."""

    change: Row
    withdrawn: tuple[int, ...] = ()
    """Dispatches cancelled."""
    left_activities: tuple[int, ...] = ()
    """Activities whose place or waitlist entry was cancelled."""


async def _authorised(db: Database, caller: Caller, volunteer_id: int, what: str) -> None:
    facts = await volunteer_facts(db, volunteer_id)
    require(caller, Action.VOLUNTEER_SUSPEND, volunteer_subject(facts), what=what)


@dataclass
class Held:
    """What a suspension (or an exit: hub.services.registration) has locked: dispatches
    (their rows) and activities. Take it before the volunteer's row and again after."""

    volunteer_id: int
    dispatches: dict[int, Row] = field(default_factory=dict)
    activities: set[int] = field(default_factory=set)

    async def take(self, tx: Database) -> None:
        """Lock the volunteer's withdrawable dispatches and open activities not held yet."""
        for row in await dispatches.list_withdrawable_of_volunteer(
                tx, volunteer_id=self.volunteer_id):
            if row["id"] not in self.dispatches:
                locked = await dispatches.lock(tx, dispatch_id=row["id"])
                self.dispatches[row["id"]] = locked or row
        for row in await signups.list_open_of_volunteer(tx, volunteer_id=self.volunteer_id):
            if row["activity_id"] not in self.activities:
                await activity_store.lock_source(tx, activity_id=row["activity_id"])
                self.activities.add(row["activity_id"])


async def _withdraw_dispatches(tx: ConnectionDatabase, held: Held, *, by: str, reason: str,
                               ttl_s: int) -> tuple[int, ...]:
    allowed = await workflow.allowed(tx)
    withdrawn = []
    for dispatch_id, row in sorted(held.dispatches.items()):
        if not row.get("active", True) or (row["status"], "cancelled") not in allowed:
            continue
        await dispatches.update_state(tx, dispatch_id=dispatch_id, to_state="cancelled",
                                      by=by, reason=f"volunteer suspended: {reason}")
        await workflow.refill(tx, demand_id=row["demand_id"], ttl_s=ttl_s)
        await demands.update_status(tx, demand_id=row["demand_id"])
        withdrawn.append(dispatch_id)
    return tuple(withdrawn)


async def leave_activities(tx: Database, held: Held) -> tuple[int, ...]:
    """Cancel the volunteer's places and waitlist entries in the held activities, each freed
    place going to the waitlist; the activities left."""
    left = []
    for activity_id in sorted(held.activities):
        place = await signups.lock(tx, activity_id=activity_id, volunteer_id=held.volunteer_id)
        if place is None or place["status"] not in ("signed_up", "waitlisted"):
            continue
        await signups.update_status(tx, activity_id=activity_id,
                                    volunteer_id=held.volunteer_id, status="cancelled")
        if place["status"] == "signed_up":
            await signups.update_signed_up(tx, activity_id=activity_id, delta=-1)
            await activities.fill_from_waitlist(tx, activity_id=activity_id)
        left.append(activity_id)
    return tuple(left)


async def suspend(db: Database, caller: Caller, *, volunteer_id: int, reason: str,
                  ttl_s: int) -> StatusChange:
    """暂停: suspend an active volunteer with a reason; withdraw their dispatches and places."""
    await _authorised(db, caller, volunteer_id, "suspend this volunteer (an admin of one of "
                                                "their teams, their dispatcher or an admin may)")
    text = reason_of(reason, required=True)

    async def work(tx: ConnectionDatabase) -> StatusChange:
        held = Held(volunteer_id)
        await held.take(tx)  # before the volunteer's row: see the module's note
        status = await store.lock_volunteer(tx, volunteer_id=volunteer_id)
        if status != "active":
            exited = status == "exited"
            raise MembershipError("EXITED" if exited else "ALREADY_SUSPENDED", "volunteerId",
                                  f"volunteer {volunteer_id} is {status}",
                                  f"志愿者 {volunteer_id} 已{'退出' if exited else '暂停服务'}")
        change = await store.update_status(tx, volunteer_id=volunteer_id, status="suspended",
                                           reason=text, by=recorded_name(caller))
        await held.take(tx)  # made meanwhile, before the volunteer's row was locked
        withdrawn = await _withdraw_dispatches(tx, held, by=actor(caller), reason=text,
                                               ttl_s=ttl_s)
        return StatusChange(change, withdrawn, await leave_activities(tx, held))

    return await in_transaction(db, work)


async def reinstate(db: Database, caller: Caller, *, volunteer_id: int,
                    reason: str) -> StatusChange:
    """恢复: a suspended volunteer is active again (with a reason, logged)."""
    await _authorised(db, caller, volunteer_id, "reinstate this volunteer")
    text = reason_of(reason, required=True)

    async def work(tx: ConnectionDatabase) -> StatusChange:
        status = await store.lock_volunteer(tx, volunteer_id=volunteer_id)
        if status != "suspended":
            code = "EXITED" if status == "exited" else "NOT_SUSPENDED"
            raise MembershipError(code, "volunteerId", f"volunteer {volunteer_id} is {status}",
                                  f"志愿者 {volunteer_id} 当前未被暂停")
        return StatusChange(await store.update_status(
            tx, volunteer_id=volunteer_id, status="active", reason=text,
            by=recorded_name(caller)))

    return await in_transaction(db, work)


async def status_changes(db: Database, caller: Caller, *, volunteer_id: int,
                         limit: int) -> list[Row]:
    """A volunteer's suspensions and reinstatements (``record.read``: themself, or their
    managers)."""
    facts = await volunteer_facts(db, volunteer_id)
    require(caller, Action.RECORD_READ, volunteer_subject(facts),
            what="read this volunteer's status history")
    return await store.list_status_changes(db, volunteer_id=volunteer_id, limit=limit)
