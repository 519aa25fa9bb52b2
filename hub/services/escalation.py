"""Escalation up the tree (逐级上报, issue 15.6): a demand still short of volunteers a set time
before it starts is offered, step by step, to the teams above the one that could not fill it,
each step logged and shown to the dispatcher (``Demand.escalation``).

* **When.** ``escalate_before_hours`` of the demand's region (sql/0026; inherited down the
  region tree, else :data:`DEFAULT_BEFORE_H`) before the demand starts, while it is short
  (its slots not all held by dispatches, claims or open team offers) and no team offer of it
  is open; the next step comes once the previous step's team offers have closed (returned,
  expired or filled) and the demand is still short.
* **The steps**, from the demand's *base team* (the team it was last offered to by hand, else
  its station's team, the organiser):
  1. ``parent`` — the base team's parent;
  2. ``corps`` — the corps (总队) at the root of the base team's tree (without a base team:
     the corps of the nearest region above the demand's);
  3. ``pairing`` — the 学会 teams paired with the demand's county (or a region above it) on
     the demand's date (``team_pairing``; an ended or expired pairing is skipped), the short
     slots shared out between them in the pairings' order.
  A step with no team to offer (no parent, the same team as an earlier step, no pairing valid
  that day) is logged ``skipped`` with why, and the next step is taken at once.
* **Offers.** Each step's team offer is an ordinary team offer (:mod:`hub.services.teams`) made
  by the hub, answered within a third of the lead time and no later than the start; the
  captain's assignments say which step brought the demand to the team
  (:func:`hub.matching.explain.team_dispatch_reason`).
* **Once.** ``escalate_due`` checks every condition again with the demand row locked and the
  log refuses a second row for a step and team, so two runs at once (two workers) make each
  step once.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import psycopg

from hub.auth import Caller
from hub.auth.actions import Action, actor, can, require, subject
from hub.services import region_settings, teams
from hub.services.matching import CST
from hub.services.workflow import HUB_ACTOR, SWEEP_BATCH
from hub.services.workflow_errors import Code, WorkflowError, db_error
from hub.store import demands
from hub.store import escalation as store
from hub.store import region_settings as settings_store
from hub.store import teams as team_store
from hub.store.base import ConnectionDatabase, Database, Row

log = logging.getLogger(__name__)
DEFAULT_BEFORE_H = region_settings.DEFAULT_ESCALATE_H
KINDS = {1: "parent", 2: "corps", 3: "pairing"}
SOCIETY = "society"  # organization.kind of a 学会 team
MAX_NOTE = 500


async def escalate_due(db: Database, *, default_before_h: int = DEFAULT_BEFORE_H,
                       limit: int = SWEEP_BATCH) -> int:
    """Take the next escalation step of every demand due for one (a sweep step); returns how
    many team offers it made."""
    made = 0
    for demand_id in await store.list_due(db, default_before_h=default_before_h, limit=limit):
        async with db.transaction() as tx:
            made += await _escalate(tx, demand_id, default_before_h)
    return made


async def _escalate(tx: ConnectionDatabase, demand_id: int, default_before_h: int) -> int:
    demand = await demands.lock(tx, demand_id=demand_id)
    if demand is None or not await _still_due(tx, demand, default_before_h):
        return 0
    steps = await store.list_steps(tx, demand_ids=[demand_id])
    done = max((r["step"] for r in steps), default=0)
    offered = {r["organization_id"] for r in steps if r["outcome"] == "offered"}
    base = await store.get_base_team(tx, demand_id=demand_id)
    chain = [r["code"] for r in await settings_store.list_chain(
        tx, region_code=demand["region_code"])]
    before_h = await store.get_before_h(tx, region_code=demand["region_code"]) or default_before_h
    respond_by = min(demand["now"] + timedelta(hours=before_h) / 3, demand["starts_at"])
    for step in range(done + 1, store.LAST_STEP + 1):
        targets = await _targets(tx, step, demand, base, chain)
        made = 0
        shares = _shares(teams.slots_free(demand), len(targets))
        for (team_id, why), slots in zip(targets, shares, strict=True):
            if team_id is not None and team_id in offered:
                why = f"team {team_id} was offered the demand at an earlier step · 此前已派给该队"
            elif team_id is not None and team_id == base:
                why = f"team {team_id} is the team the demand came from · 需求即来自该队"
            if team_id is None or why or slots == 0:
                await _log(tx, demand_id, step, team_id, None,
                           why or "no slot left for this team · 名额已分完")
                continue
            made += await _offer(tx, demand, step, team_id, slots, respond_by)
            offered.add(team_id)
        if made:
            return made
    return 0


async def _still_due(tx: ConnectionDatabase, demand: Row, default_before_h: int) -> bool:
    """Every condition of :func:`hub.store.escalation.list_due`, read again under the lock."""
    if demand["status"] not in ("open", "dispatched") or demand["starts_at"] <= demand["now"]:
        return False
    if teams.slots_free(demand) == 0:
        return False
    if await team_store.list_open_of_demand(tx, demand_id=demand["id"]):
        return False
    before_h = await store.get_before_h(tx, region_code=demand["region_code"]) or default_before_h
    return bool(demand["starts_at"] - demand["now"] <= timedelta(hours=before_h))


Target = tuple[int | None, str]  # a team, or None; why it is skipped ('' when it is not)


async def _targets(tx: ConnectionDatabase, step: int, demand: Row, base: int | None,
                   chain: list[str]) -> list[Target]:
    """The teams one step reaches."""
    if step == 3:
        day: date = demand["starts_at"].astimezone(CST).date()
        paired = await store.list_paired_teams(tx, region_codes=chain, day=day)
        return [(t, "") for t in paired] or [(None, (
            f"no 学会 team is paired with the county on {day.isoformat()} · "
            f"{day.isoformat()} 无结对学会队伍"))]
    team = (await team_store.get_many_teams(tx, ids=[base])).get(base) if base else None
    if step == 1:
        if team is None:
            return [(None, "the demand has no organising team · 需求无承办队伍")]
        if team["parent_id"] is None:
            return [(None, f"{team['name']} has no parent team · {team['name']}无上级队伍")]
        return [(int(team["parent_id"]), "")]
    corps = (int(team["path"].split(".")[0]) if team is not None
             else await store.get_corps(tx, region_codes=chain))
    if corps is None:
        return [(None, "no corps above the demand's region · 无上级总队")]
    return [(corps, "")]


def _shares(slots: int, teams_n: int) -> list[int]:
    """``slots`` shared out between ``teams_n`` teams as evenly as possible, the first first."""
    return [slots // teams_n + (1 if k < slots % teams_n else 0) for k in range(teams_n)]


async def _offer(tx: ConnectionDatabase, demand: Row, step: int, team_id: int, slots: int,
                 respond_by: datetime) -> int:
    team = (await team_store.get_many_teams(tx, ids=[team_id])).get(team_id)
    if team is None or team["status"] != "active":
        await _log(tx, demand["id"], step, team_id, None, "the team is not active · 队伍未在服务")
        return 0
    if step == 3 and team["kind"] != SOCIETY:
        await _log(tx, demand["id"], step, team_id, None, "the team is not a 学会 team")
        return 0
    note = f"escalation step {step} ({KINDS[step]}) · 逐级上报第{step}步"
    try:
        made = await teams.make_offer(tx, demand, team, slots=slots, by=HUB_ACTOR,
                                      respond_by=respond_by, step=step, note=note)
    except WorkflowError as exc:  # e.g. the slots went meanwhile: logged, not raised
        await _log(tx, demand["id"], step, team_id, None, exc.message[:MAX_NOTE])
        return 0
    await _log(tx, demand["id"], step, team_id, made, "")
    return 1


async def _log(tx: ConnectionDatabase, demand_id: int, step: int, team_id: int | None,
               offer_id: int | None, note: str) -> None:
    await store.create_step(tx, demand_id=demand_id, step=step, kind=KINDS[step],
                            organization_id=team_id, team_offer_id=offer_id,
                            outcome="offered" if offer_id is not None else "skipped",
                            note=note[:MAX_NOTE])


async def steps_of(db: Database, caller: Caller, demand_rows: list[Row]) -> dict[int, list[Row]]:
    """The escalation log of each demand, for those who dispatch there (``team.offer``); an
    empty list for others."""
    seen = [r["id"] for r in demand_rows
            if can(caller, Action.TEAM_OFFER, subject(region_code=r["region_code"]))]
    out: dict[int, list[Row]] = {r["id"]: [] for r in demand_rows}
    if seen:
        for row in await store.list_steps(db, demand_ids=seen):
            out[row["demand_id"]].append(row)
    return out


# 学会–县区 pairings ------------------------------------------------------------------------

async def add_pairing(db: Database, caller: Caller, *, organization_id: int, region_code: str,
                      valid_from: date, valid_to: date | None, note: str = "") -> Row:
    """Pair a 学会 team with a county (or any region) from ``valid_from`` through ``valid_to``
    (None: no end), for an admin or a dispatcher of that region (``team.pairing``)."""
    require(caller, Action.TEAM_PAIRING, subject(region_code=region_code),
            what="pair teams with this region (an admin or the region's dispatcher may)")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise WorkflowError(Code.INVALID, "note", f"{len(note)} characters; at most {MAX_NOTE}",
                            f"备注 {len(note)} 个字符，最多 {MAX_NOTE} 个")
    if valid_to is not None and valid_to < valid_from:
        raise WorkflowError(Code.INVALID, "validTo", (
            f"{valid_to.isoformat()} is before validFrom {valid_from.isoformat()}"),
            f"结束日期 {valid_to.isoformat()} 早于开始日期 {valid_from.isoformat()}")
    async with db.transaction() as tx:
        if not await settings_store.list_chain(tx, region_code=region_code):
            raise WorkflowError(Code.UNKNOWN_REGION, "regionCode", f"no region {region_code}",
                                f"没有行政区划 {region_code}")
        team = (await team_store.get_many_teams(tx, ids=[organization_id])).get(organization_id)
        if team is None:
            raise WorkflowError(Code.NOT_FOUND, "organizationId",
                                f"team {organization_id} does not exist",
                                f"队伍 {organization_id} 不存在")
        if team["kind"] != SOCIETY:
            raise WorkflowError(Code.INVALID, "organizationId", (
                f"team {organization_id} is of kind {team['kind']}, not a 学会 (society) team"),
                f"队伍 {team['name']} 不是学会队伍")
        try:
            async with tx.savepoint():
                return await store.create_pairing(
                    tx, organization_id=organization_id, region_code=region_code,
                    valid_from=valid_from, valid_to=valid_to, note=note, by=actor(caller))
        except psycopg.Error as exc:
            if exc.diag.constraint_name == "team_pairing_no_overlap":
                raise WorkflowError(Code.DUPLICATE, "validFrom", (
                    f"team {organization_id} is already paired with {region_code} in part of "
                    "that period"),
                    f"队伍 {team['name']} 在该期间已与 {region_code} 结对") from None
            raise db_error(exc, "organizationId", f"team {organization_id}") from None


async def end_pairing(db: Database, caller: Caller, *, pairing_id: int) -> Row | None:
    """End a pairing today (valid through yesterday); one not yet begun is removed (None)."""
    async with db.transaction() as tx:
        found = await store.lock_pairing(tx, pairing_id=pairing_id)
        if found is None:
            raise WorkflowError(Code.NOT_FOUND, "pairingId", f"pairing {pairing_id} does not exist",
                                f"结对 {pairing_id} 不存在")
        require(caller, Action.TEAM_PAIRING, subject(region_code=found["region_code"]),
                what="end pairings of this region (an admin or the region's dispatcher may)")
        if found["valid_from"] >= found["today"]:
            await store.delete_pairing(tx, pairing_id=pairing_id)
            return None
        return await store.update_ended(tx, pairing_id=pairing_id, until=found["today"],
                                        by=actor(caller))
