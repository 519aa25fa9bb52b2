"""Team dispatch (派单到队伍, issue 15.5): a dispatcher offers some of a demand's slots to a
team (a 分队 or 支队, or any team up to the corps when escalation does); its captain assigns
members, who accept or decline as individuals; slots the team cannot fill go back to the
dispatcher with the reason. Transactions begin and commit here.

* **Holding slots.** An open team offer holds its slots against the demand's headcount
  (``hub_demand_taken``, sql/0026): hand dispatch, 抢单 and the matcher see them as taken, and
  the database's guards count them with the demand row locked, so no mix of offers, claims and
  team offers overfills a demand. A member's dispatch takes one of the offer's slots; when a
  member declines, the slot goes back to the team while the offer is open.
* **Who acts.** Offering (``team.offer``): an admin or a dispatcher of the demand's region.
  Assigning, returning and listing a team's offers (``team.assign``): an admin, an org admin
  of the team or a team above it, or a volunteer who captains it (队长 or 副队长: ``CAPTAIN``;
  the team's captains are loaded into the subject, :func:`team_subject`).
* **Members.** The captain may assign members of the team or of a team beneath it; each must
  be fit as for 派单 by hand (:func:`hub.services.workflow.unfit`: active, insured where the
  demand requires it) and free (the no-double-booking constraint). All of them or none.
* **Closing.** The captain returns the offer with a reason (its unassigned slots go back);
  at its deadline the sweep closes it (``filled`` when every slot is assigned, else
  ``expired``, returning the rest). The demand's ``unfilledReason`` says what came back and
  why; escalation (:mod:`hub.services.escalation`) may take the demand further.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import psycopg
from psycopg import errors as pg_errors

from hub.auth import Caller
from hub.auth.actions import Action, ActionSubject, actor, can, require, subject
from hub.matching.explain import team_dispatch_reason
from hub.services import tell
from hub.services.outbox import EventKind
from hub.services.workflow import HUB_ACTOR, SWEEP_BATCH, offerable, unfit
from hub.services.workflow_errors import (
    Code,
    Refused,
    WorkflowError,
    db_error,
    retry_conflicts,
    shown_at,
)
from hub.store import demands, volunteers
from hub.store import dispatch as dispatches
from hub.store import teams as store
from hub.store.base import ConnectionDatabase, Database, Row
from hub.store.teams import OfferFilter as OfferFilter

MAX_SLOTS = 500  # the CHECK of team_offer.slots
MAX_REASON = 500
MAX_ASSIGNED = 50  # members assigned in one call
DEFAULT_RESPOND_S = 24 * 3600  # a team offer's deadline when none is given (capped at the start)
CLOSED_ZH = {"filled": "已派满", "returned": "已退回", "expired": "已超时", "withdrawn": "已撤回"}


async def get_offers(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Team offers by id (what the caller may see of them is the caller's business: they
    reach GraphQL only through a demand's escalation log or a team's list)."""
    return await store.get_many(db, ids=ids) if ids else []


async def get_dispatches(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """The dispatches an assignment made, as every reader gets them."""
    return await dispatches.get_many(db, ids=ids) if ids else []


async def offers_of(db: Database, caller: Caller, demand_rows: list[Row]
                    ) -> dict[int, list[Row]]:
    """Each demand's team offers, oldest first, for those who dispatch there (``team.offer``);
    an empty list for others."""
    seen = [r["id"] for r in demand_rows
            if can(caller, Action.TEAM_OFFER, subject(region_code=r["region_code"]))]
    out: dict[int, list[Row]] = {r["id"]: [] for r in demand_rows}
    for row in await store.list_of_demands(db, demand_ids=seen) if seen else []:
        out[row["demand_id"]].append(row)
    return out


def team_subject(team: Row) -> ActionSubject:
    """A team as the action table decides on it: its region, its path (the org admins above
    it) and who captains it."""
    return subject(region_code=team["region_code"], org_paths=[team["path"]],
                   captain_ids=team["captain_ids"])


async def _team(db: Database, team_id: int, field: str) -> Row:
    found = (await store.get_many_teams(db, ids=[team_id])).get(team_id)
    if found is None:
        raise WorkflowError(Code.NOT_FOUND, field, f"team {team_id} does not exist",
                            f"队伍 {team_id} 不存在")
    return found


def _active_team(team: Row, field: str) -> None:
    if team["status"] != "active":
        raise WorkflowError(Code.INVALID, field, f"team {team['id']} is {team['status']}",
                            f"队伍 {team['id']}（{team['name']}）当前不在服务状态")


def _not_found(demand_id: int) -> WorkflowError:
    return WorkflowError(Code.NOT_FOUND, "demandId", f"demand {demand_id} does not exist",
                         f"需求 {demand_id} 不存在")


def slots_free(demand: Row) -> int:
    """The demand's slots nobody holds: not dispatched, claimed or held by an open team offer
    (``taken`` as :func:`hub.store.demands.lock` reads it)."""
    return max(0, int(demand["needed"]) - int(demand["taken"]))


async def make_offer(tx: ConnectionDatabase, demand: Row, team: Row, *, slots: int, by: str,
                     respond_by: datetime, step: int | None, note: str) -> int:
    """Offer ``slots`` of a locked demand to a team (the caller checked who may); the demand
    becomes dispatched. DUPLICATE when the team holds an open offer of it already."""
    try:
        async with tx.savepoint():
            made = await store.create(tx, demand_id=demand["id"], organization_id=team["id"],
                                      slots=slots, by=by, respond_by=respond_by,
                                      escalation_step=step, note=note)
    except pg_errors.UniqueViolation:
        raise WorkflowError(Code.DUPLICATE, "organizationId", (
            f"team {team['id']} already holds an open offer of demand {demand['id']}"),
            f"队伍 {team['name']} 已有该需求待处理的派单") from None
    except psycopg.Error as exc:
        raise db_error(exc, "slots", f"demand {demand['id']}") from None
    await demands.update_dispatched(tx, demand_ids=[demand["id"]])
    await tell.team_offer(tx, made, demand, team, slots=slots, respond_by=respond_by)
    return made


def _respond_by(demand: Row, respond_by: datetime | None) -> datetime:
    if respond_by is None:
        return min(demand["now"] + timedelta(seconds=DEFAULT_RESPOND_S), demand["starts_at"])
    if not demand["now"] < respond_by <= demand["starts_at"]:
        raise WorkflowError(Code.INVALID, "respondBy", (
            f"{shown_at(respond_by)} is not after now and no later than the demand's start "
            f"{shown_at(demand['starts_at'])}"),
            f"答复期限 {shown_at(respond_by)} 须晚于现在，且不晚于需求开始时间 "
            f"{shown_at(demand['starts_at'])}")
    return respond_by


async def offer_to_team(db: Database, caller: Caller, *, demand_id: int, organization_id: int,
                        slots: int, respond_by: datetime | None = None, note: str = "") -> Row:
    """Offer ``slots`` of a demand to a team until ``respond_by`` (default: a day, no later
    than the start), for a dispatcher of the demand's region (``team.offer``)."""
    note = note.strip()
    if len(note) > MAX_REASON:
        raise WorkflowError(Code.INVALID, "note", f"{len(note)} characters; at most {MAX_REASON}",
                            f"备注 {len(note)} 个字符，最多 {MAX_REASON} 个")

    async def once() -> int:
        async with db.transaction() as tx:
            demand = await demands.lock(tx, demand_id=demand_id)
            if demand is None:
                raise _not_found(demand_id)
            require(caller, Action.TEAM_OFFER, subject(region_code=demand["region_code"]),
                    what="offer demands to teams there (a dispatcher of the region may)")
            offerable(demand, "demandId")
            team = await _team(tx, organization_id, "organizationId")
            _active_team(team, "organizationId")
            free = slots_free(demand)
            if not 1 <= slots <= min(free, MAX_SLOTS):
                code = Code.SLOTS_FULL if slots >= 1 and free < slots else Code.INVALID
                raise WorkflowError(code, "slots", (
                    f"{slots} slot(s) asked; demand {demand_id} has {free} free"),
                    f"要派 {slots} 个名额，需求 {demand_id} 只剩 {free} 个空余名额")
            return await make_offer(tx, demand, team, slots=slots, by=actor(caller),
                                    respond_by=_respond_by(demand, respond_by), step=None,
                                    note=note)

    made = await retry_conflicts(once)
    [row] = await store.get_many(db, ids=[made])
    return row


def _open(offer: Row) -> None:
    if offer["status"] != "open":
        raise WorkflowError(Code.INVALID_TRANSITION, "teamOfferId", (
            f"team offer {offer['id']} is {offer['status']}"),
            f"队伍派单 {offer['id']} {CLOSED_ZH.get(offer['status'], offer['status'])}")


async def _locked(tx: ConnectionDatabase, caller: Caller, offer_id: int, what: str) -> Row:
    offer = await store.lock(tx, offer_id=offer_id)
    if offer is None:
        raise _no_offer(offer_id)
    team = await _team(tx, offer["organization_id"], "teamOfferId")
    require(caller, Action.TEAM_ASSIGN, team_subject(team), what=what)
    return offer


async def _close(tx: ConnectionDatabase, offer: Row, *, status: str, by: str,
                 reason: str) -> int:
    """Close an open offer; its unassigned slots go back, and the demand says why."""
    back = await store.update_closed(tx, offer_id=offer["id"], status=status, by=by,
                                     reason=reason) or 0
    if back:
        await demands.update_unfilled(tx, demand_id=offer["demand_id"], reason=(
            f"{offer['team_name']} returned {back} slot(s) of team offer {offer['id']}: "
            f"{reason} · {offer['team_name']}退回 {back} 个名额：{reason}"))
        await tell.demands(tx, EventKind.DEMAND_UNFILLED, [offer["demand_id"]],
                           extra={"reason": reason, "returnedSlots": back})
    return back


def _expired(tx_offer: Row) -> bool:
    return bool(tx_offer["status"] == "open" and tx_offer["respond_by"] <= tx_offer["now"])


async def _expire(tx: ConnectionDatabase, offer: Row) -> int:
    unassigned = int(offer["slots"]) - int(offer["assigned"])
    if unassigned == 0:
        return await _close(tx, offer, status="filled", by=HUB_ACTOR, reason="")
    return await _close(tx, offer, status="expired", by=HUB_ACTOR, reason=(
        f"the team assigned nobody to {unassigned} slot(s) before the deadline "
        f"{shown_at(offer['respond_by'])}"))


async def assign_members(db: Database, caller: Caller, *, offer_id: int,
                         volunteer_ids: Sequence[int], ttl_s: int) -> tuple[Row, list[int]]:
    """The captain assigns members to an open team offer's unassigned slots: each gets an
    ordinary offer to accept or decline (all of them or none). Returns the offer and the new
    dispatches' ids."""
    by = actor(caller)

    async def once() -> list[int]:
        late: WorkflowError | None = None
        made: list[int] = []
        async with db.transaction() as tx:
            offer = await _locked(tx, caller, offer_id, "assign members for this team (its "
                                                        "captain or an admin of it may)")
            _open(offer)
            if _expired(offer):
                await _expire(tx, offer)
                late = WorkflowError(Code.OFFER_EXPIRED, "teamOfferId", (
                    f"team offer {offer_id} expired at {shown_at(offer['respond_by'])}"),
                    f"队伍派单 {offer_id} 已于 {shown_at(offer['respond_by'])} 过期")
            else:
                made = await _assign(tx, offer, volunteer_ids, by, ttl_s)
        if late is not None:
            raise late
        return made

    made = await retry_conflicts(once)
    [row] = await store.get_many(db, ids=[offer_id])
    return row, made


async def _assign(tx: ConnectionDatabase, offer: Row, volunteer_ids: Sequence[int], by: str,
                  ttl_s: int) -> list[int]:
    demand = await demands.lock(tx, demand_id=offer["demand_id"])
    assert demand is not None  # locked with the offer
    offerable(demand, "teamOfferId")
    free = int(offer["slots"]) - int(offer["assigned"])
    if not 1 <= len(volunteer_ids) <= min(free, MAX_ASSIGNED):
        raise WorkflowError(Code.SLOTS_FULL if len(volunteer_ids) > free else Code.INVALID,
                            "volunteerIds", (
            f"{len(volunteer_ids)} given; team offer {offer['id']} has {free} unassigned "
            "slot(s)"), f"选了 {len(volunteer_ids)} 名队员，该队伍派单只剩 {free} 个未指派名额")
    if len(set(volunteer_ids)) != len(volunteer_ids):
        raise WorkflowError(Code.INVALID, "volunteerIds", "names a volunteer twice",
                            "同一志愿者选了两次")
    members = await store.list_members_in(tx, team_id=offer["organization_id"],
                                          volunteer_ids=volunteer_ids)
    standing = await volunteers.get_many_standing(tx, ids=volunteer_ids,
                                                  until=demand["ends_at"])
    reason = team_dispatch_reason(offer["team_name"], offer["id"], offer["escalation_step"])
    errors: list[WorkflowError] = []
    made: list[int] = []
    for n, vid in enumerate(volunteer_ids):
        field = f"volunteerIds[{n}]"
        refusal = unfit(standing.get(vid), vid, demand, field)
        if refusal is None and vid not in members:
            refusal = WorkflowError(Code.NOT_A_MEMBER, field, (
                f"volunteer {vid} is not a member of {offer['team_name']} or a team beneath it"),
                f"志愿者 {vid} 不是{offer['team_name']}或其下属队伍的队员")
        if refusal is not None:
            errors.append(refusal)
            continue
        try:
            async with tx.savepoint():
                made.append(await store.create_member_dispatch(
                    tx, offer_id=offer["id"], volunteer_id=vid, reason=reason, by=by,
                    ttl_s=ttl_s))
        except psycopg.Error as exc:
            errors.append(db_error(exc, field, f"volunteer {vid}"))
    if errors:
        raise Refused(errors)
    await tell.dispatches(tx, EventKind.OFFER_MADE, made)  # each member is offered a slot
    return made


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not 2 <= len(reason) <= MAX_REASON:
        raise WorkflowError(Code.REASON_REQUIRED, "reason", (
            f"{len(reason)} characters; say why in 2..{MAX_REASON}"),
            f"理由为 {len(reason)} 个字符，须为 2～{MAX_REASON} 个字符")
    return reason


def _no_offer(offer_id: int) -> WorkflowError:
    return WorkflowError(Code.NOT_FOUND, "teamOfferId", f"team offer {offer_id} does not exist",
                         f"队伍派单 {offer_id} 不存在")


async def return_offer(db: Database, caller: Caller, *, offer_id: int, reason: str) -> Row:
    """The captain gives an open team offer back with a reason: its unassigned slots return to
    the dispatcher (members already assigned keep theirs)."""
    reason = _reason(reason)

    async def once() -> None:
        async with db.transaction() as tx:
            offer = await _locked(tx, caller, offer_id, "return this team's offer (its captain "
                                                        "or an admin of it may)")
            _open(offer)
            await _close(tx, offer, status="returned", by=actor(caller), reason=reason)

    await retry_conflicts(once)
    [row] = await store.get_many(db, ids=[offer_id])
    return row


async def withdraw_offer(db: Database, caller: Caller, *, offer_id: int, reason: str) -> Row:
    """The dispatcher takes an open team offer back with a reason (``team.offer`` on the
    demand's region): its unassigned slots are free again; members already assigned keep
    their offers."""
    reason = _reason(reason)

    async def once() -> None:
        async with db.transaction() as tx:
            offer = await store.lock(tx, offer_id=offer_id)
            if offer is None:
                raise _no_offer(offer_id)
            require(caller, Action.TEAM_OFFER, subject(region_code=offer["region_code"]),
                    what="withdraw team offers there (a dispatcher of the region may)")
            _open(offer)
            await _close(tx, offer, status="withdrawn", by=actor(caller), reason=reason)

    await retry_conflicts(once)
    [row] = await store.get_many(db, ids=[offer_id])
    return row


async def expire_due(db: Database, *, limit: int = SWEEP_BATCH) -> int:
    """Close team offers past their deadline (a sweep step): unassigned slots return to the
    dispatcher with the reason. Checked again under the locks, so two runs at once close each
    offer once; returns how many this run closed."""
    async with db.transaction() as tx:
        due = await store.lock_due(tx, limit=limit)
    done = 0
    for offer_id in due:
        async with db.transaction() as tx:
            offer = await store.lock(tx, offer_id=offer_id)
            if offer is not None and _expired(offer):
                await _expire(tx, offer)
                done += 1
    return done


async def list_offers(db: Database, caller: Caller, *, organization_id: int | None,
                      statuses: tuple[str, ...], first: int,
                      after_id: int | None) -> tuple[list[Row], int]:
    """A team's incoming offers, newest first, for those who may act on them (``team.assign``);
    without a team, those of every team the calling volunteer captains. A page
    (``first + 1`` rows) and the total."""
    if organization_id is not None:
        team = await _team(db, organization_id, "organizationId")
        require(caller, Action.TEAM_ASSIGN, team_subject(team),
                what="see this team's offers (its captain or an admin of it may)")
        teams: tuple[int, ...] = (organization_id,)
    elif caller.volunteer_id is not None:
        teams = tuple(await store.list_captained(db, volunteer_id=caller.volunteer_id))
        if not teams:
            return [], 0
    else:  # an admin, dispatcher or org admin names the team; nobody else captains one
        return [], 0
    found = OfferFilter(organization_ids=teams, statuses=statuses)
    rows = await store.list_(db, filter=found, first=first, after_id=after_id)
    return rows, await store.count(db, filter=found)
