"""退队 and 转队: a volunteer leaves a team or moves to another.

* **Leaving** (``volunteer.leave_team`` on the team): the volunteer themself, or a manager of
  the team removing a member (with a reason). The membership moves to ``membership_history``
  (joined, left, how, why, by whom), so the team's member list shows current members and its
  past ones stay on record.
* **Transfer** (``volunteer.transfer`` on both teams): the volunteer themself (immediate, as
  joining a team by ``linkVolunteer`` is), or a manager of both teams. One transaction ends
  the old membership (``transferred``) and starts a plain membership in the new team.
* **Records follow the volunteer**: service records, hours, stars, points and certificates
  are the volunteer's and never move; a team's hours count what its members served while
  members (:func:`hub.store.memberships.list_served_hours`).
* **Captains** (``organization.captain_id``) cannot leave or transfer until the team has a
  new captain (``CAPTAIN_MUST_HAND_OVER``; name one with ``linkVolunteer(role: captain)``).
Suspension and reinstatement are :mod:`hub.services.suspension`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub.auth import Caller
from hub.auth.actions import Action, Denied, require
from hub.services.records import RecordsError, in_transaction, recorded_name
from hub.services.subjects import org_subject
from hub.store import memberships as store
from hub.store import organizations, volunteers
from hub.store.base import ConnectionDatabase, Database, Row
from hub.store.memberships import list_served_hours as list_served_hours

REASON_MAX = 500


class MembershipError(RecordsError):
    """A refused change of membership or status: ``code``, ``field``, messages."""


def reason_of(text: str | None, *, required: bool) -> str:
    reason = (text or "").strip()
    if (required and len(reason) < 2) or len(reason) > REASON_MAX:
        raise MembershipError("REASON_REQUIRED", "reason",
                              f"give a reason of 2 to {REASON_MAX} characters "
                              f"({len(reason)} given)",
                              f"请填写 2～{REASON_MAX} 个字的原因（现为 {len(reason)} 个字）")
    return reason


async def _team(db: Database, organization_id: int, field: str) -> Row:
    org = await organizations.get(db, organization_id=organization_id)
    if org is None:
        raise MembershipError("NOT_FOUND", field, f"organisation {organization_id} does not "
                                                  "exist", f"组织 {organization_id} 不存在")
    return org


async def volunteer_facts(db: Database, volunteer_id: int) -> Row:
    """The volunteer's facts for the action table (``NOT_FOUND`` if there is none)."""
    facts = await volunteers.get_facts(db, volunteer_id=volunteer_id)
    if facts is None:
        raise MembershipError("NOT_FOUND", "volunteerId",
                              f"volunteer {volunteer_id} does not exist",
                              f"志愿者 {volunteer_id} 不存在")
    return facts


def _in_team(org: Row, volunteer_id: int) -> Any:
    return org_subject(org["region_code"], org["path"], volunteer_id)


async def _end(tx: Database, *, volunteer_id: int, org: Row, how: str, reason: str,
               by: str) -> Row:
    """End a current membership (locked first); a captain must hand over first."""
    member = await store.lock(tx, volunteer_id=volunteer_id, organization_id=org["id"])
    if member is None:
        raise MembershipError("NOT_A_MEMBER", "organizationId",
                              f"volunteer {volunteer_id} is not a member of {org['name']}",
                              f"志愿者 {volunteer_id} 不是{org['name']}的成员")
    if member["is_captain"]:
        raise MembershipError("CAPTAIN_MUST_HAND_OVER", "volunteerId", (
            f"volunteer {volunteer_id} is the captain of {org['name']}; name a new captain "
            "first (linkVolunteer with role captain)"),
            f"志愿者 {volunteer_id} 是{org['name']}的队长，请先任命新队长")
    [ended] = await store.delete_membership(tx, volunteer_id=volunteer_id,
                                            organization_id=org["id"], how=how, reason=reason,
                                            by=by)
    return ended


async def leave_team(db: Database, caller: Caller, *, volunteer_id: int, organization_id: int,
                     reason: str | None) -> Row:
    """退队: end a volunteer's membership of a team; returns the history row."""
    org = await _team(db, organization_id, "organizationId")
    require(caller, Action.VOLUNTEER_LEAVE_TEAM, _in_team(org, volunteer_id),
            what="take this volunteer out of this team (they themself or its managers may)")
    await volunteer_facts(db, volunteer_id)
    own = caller.volunteer_id == volunteer_id
    text = reason_of(reason, required=not own)

    async def work(tx: ConnectionDatabase) -> Row:
        return await _end(tx, volunteer_id=volunteer_id, org=org, how="left" if own else
                          "removed", reason=text, by=recorded_name(caller))

    return await in_transaction(db, work)


@dataclass(frozen=True)
class Transfer:
    """What a transfer did: the ended membership and the team joined."""

    ended: Row
    joined_organization_id: int


async def transfer(db: Database, caller: Caller, *, volunteer_id: int, from_id: int,
                   to_id: int, reason: str | None) -> Transfer:
    """转队: move a volunteer from one team to another at once (as a plain member)."""
    if from_id == to_id:
        raise MembershipError("SAME_TEAM", "toOrganizationId",
                              "the volunteer would move to the team they are leaving",
                              "转入和转出的是同一支队伍")
    source = await _team(db, from_id, "fromOrganizationId")
    target = await _team(db, to_id, "toOrganizationId")
    for org in (source, target):
        require(caller, Action.VOLUNTEER_TRANSFER, _in_team(org, volunteer_id),
                what="move this volunteer between these teams (they themself, or a manager "
                     "of both teams may)")
    facts = await volunteer_facts(db, volunteer_id)
    if facts["status"] == "exited":
        raise MembershipError("EXITED", "volunteerId", f"volunteer {volunteer_id} has exited",
                              f"志愿者 {volunteer_id} 已退出")
    text = reason_of(reason, required=caller.volunteer_id != volunteer_id)

    async def work(tx: ConnectionDatabase) -> Transfer:
        if await store.lock(tx, volunteer_id=volunteer_id, organization_id=to_id) is not None:
            raise MembershipError("ALREADY_MEMBER", "toOrganizationId",
                                  f"volunteer {volunteer_id} is already in {target['name']}",
                                  f"志愿者 {volunteer_id} 已是{target['name']}的成员")
        ended = await _end(tx, volunteer_id=volunteer_id, org=source, how="transferred",
                           reason=text, by=recorded_name(caller))
        await organizations.create_membership(tx, volunteer_id=volunteer_id,
                                              organization_id=to_id, role="member")
        return Transfer(ended, to_id)

    return await in_transaction(db, work)


async def past_members_of(db: Database, caller: Caller, *, teams: Sequence[Row],
                          limit: int) -> list[list[Row] | Denied]:
    """Teams' ended memberships with why, latest first (``team.manage``: their managers), for
    several teams (rows with ``id``, ``region_code``, ``path``) in one statement: per team
    its memberships, or the :class:`Denied` refusal where the caller does not manage it."""
    refused = {t["id"]: _refusal(caller, t) for t in teams}
    allowed = [i for i, denied in refused.items() if denied is None]
    rows = await store.list_past(db, organization_ids=allowed, limit=limit) if allowed else []
    by_team: dict[int, list[Row]] = {i: [] for i in allowed}
    for row in rows:
        by_team[row["organization_id"]].append(row)
    return [refused[t["id"]] or by_team[t["id"]] for t in teams]


def _refusal(caller: Caller, team: Row) -> Denied | None:
    try:
        require(caller, Action.TEAM_MANAGE, org_subject(team["region_code"], team["path"]),
                what="see this team's past members")
    except Denied as denied:
        return denied
    return None
