"""Publishing and review (谁主办谁负责, seed 003): one life cycle for stations, activities and
projects, used three times.

``draft`` → submit → ``pending_review`` (→ withdraw → ``draft``) → approve → live (a
station ``active``, an activity ``published``, a project ``active``) or reject (with a reason)
→ ``rejected``, which is edited and submitted again; live → close → ``closed``; draft,
rejected, closed (or cancelled) → archive → ``archived``. Every step is one transaction on the
locked row, logged in the append-only ``publication_review`` table, so two reviewers acting
at once give one outcome.

Who: the kind's MANAGE action creates, edits, submits, closes and archives (org admins for
their teams' activities and projects; dispatchers and the station's own staff for stations);
``publication.review`` approves and rejects: the hosting team or one above it, the region's
dispatchers, admins; never the person who submitted it (an admin's CLI, ``SYSTEM``, excepted).

Editing: a draft or rejected row, any field; a live row only what changes nothing a reviewer
approved (``LIVE_EDITABLE``: a station's hours, contact and 六有 flags; an activity's capacity
and description; a project's description); anything else is refused
(``LOCKED_WHILE_PUBLISHED``); under review, closed or archived, nothing (``NOT_EDITABLE``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import psycopg

from hub.auth import Caller, Role
from hub.auth.actions import ACTIONS, Action, ActionSubject, Grant, actor, can, require, subject
from hub.auth.ids import region_prefix
from hub.geo.divisions import subtree_prefix
from hub.pii import PiiCipher
from hub.services import activities
from hub.services import publishing_values as values
from hub.services.workflow_errors import Code, Refused, WorkflowError, db_error, status_zh
from hub.store import organizations, regions, stations
from hub.store import publishing as store
from hub.store.base import Database, Row
from hub.store.projects import ProjectFilter as ProjectFilter
from hub.store.projects import count as count_projects
from hub.store.projects import list_ as list_projects
from hub.store.publishing import LIVE, OPEN, PUBLIC, Reach
from hub.store.publishing import list_reviews as list_reviews
from hub.vocabulary import vocabulary

__all__ = ["KINDS", "LIVE", "PUBLIC", "ProjectFilter", "Reach", "Step", "count_projects",
           "create", "list_projects", "list_reviews",
           "may_manage", "may_see", "reach", "transition", "update", "visible_rows"]

KINDS = store.KINDS
MANAGE: Mapping[str, Action] = {"station": Action.STATION_MANAGE,
                                "activity": Action.ACTIVITY_MANAGE,
                                "project": Action.PROJECT_MANAGE}
NAMES = {"station": ("station", "站点"), "activity": ("activity", "活动"),
         "project": ("project", "项目")}
LIVE_EDITABLE: Mapping[str, frozenset[str]] = {
    "station": frozenset({"opening_hours", "contact_name", "contact_phone_enc",
                          "contact_phone_masked", *(f"has_{h}" for h in values.SIX_HAS)}),
    "activity": frozenset({"capacity", "description"}),
    "project": frozenset({"description"}),
}
EDITABLE = ("draft", "rejected")


class Step(StrEnum):
    """A step of the life cycle (the review log's ``decision``)."""

    SUBMIT = "submit"
    WITHDRAW = "withdraw"
    APPROVE = "approve"
    REJECT = "reject"
    CLOSE = "close"
    ARCHIVE = "archive"


DONE = {Step.SUBMIT: "submitted for review", Step.WITHDRAW: "withdrawn from review",
        Step.APPROVE: "approved", Step.REJECT: "rejected", Step.CLOSE: "closed",
        Step.ARCHIVE: "archived"}
DONE_ZH = {Step.SUBMIT: "提交审核", Step.WITHDRAW: "撤回审核", Step.APPROVE: "审核通过",
           Step.REJECT: "退回", Step.CLOSE: "关闭", Step.ARCHIVE: "归档"}
STATUSES = {kind: vocabulary(f"{kind}Status") for kind in store.KINDS}


def _status_zh(kind: str, status: str) -> str:
    """A status's Chinese label, quoted, for a message."""
    return status_zh(STATUSES[kind], status)


def _from(kind: str, step: Step) -> tuple[str, ...]:
    """The statuses a step leaves."""
    return {Step.SUBMIT: EDITABLE, Step.WITHDRAW: ("pending_review",),
            Step.APPROVE: ("pending_review",),
            Step.REJECT: ("pending_review",), Step.CLOSE: OPEN[kind],
            Step.ARCHIVE: (*EDITABLE, "closed", "cancelled")}[step]


def _to(kind: str, step: Step) -> str:
    """The status a step reaches."""
    return {Step.SUBMIT: "pending_review", Step.WITHDRAW: "draft", Step.APPROVE: LIVE[kind],
            Step.REJECT: "rejected", Step.CLOSE: "closed", Step.ARCHIVE: "archived"}[step]


def host(kind: str, row: Row) -> ActionSubject:
    """The row as the action table sees it: a station's region and itself; an activity's
    region and organising team; a project's owner team and its region."""
    if kind == "station":
        return subject(region_code=row["region_code"], station_id=row["id"])
    if kind == "activity":
        return subject(region_code=row["region_code"], org_paths=[row.get("org_path")])
    return subject(region_code=row.get("owner_region"), org_paths=[row.get("org_path")])


def may_manage(caller: Caller, kind: str, row: Row) -> bool:
    """Whether the caller manages or reviews the row (sees its drafts and review log)."""
    subj = host(kind, row)
    return can(caller, MANAGE[kind], subj) or can(caller, Action.PUBLICATION_REVIEW, subj)


def may_see(caller: Caller, kind: str, row: Row) -> bool:
    """Whether the row is public, or the caller's to manage or review."""
    return row["status"] in PUBLIC[kind] or may_manage(caller, kind, row)


def visible_rows(caller: Caller, kind: str, rows: list[Row]) -> list[Row]:
    """The rows the caller may see (loaders filter relations and lookups by ID through it)."""
    return [r for r in rows if may_see(caller, kind, r)]


def reach(caller: Caller, kind: str) -> Reach:
    """Which unpublished rows of a kind a list shows the caller: what the action table's
    grants of MANAGE and REVIEW come to for the caller's role, as a :class:`Reach`."""
    held = ACTIONS[MANAGE[kind]][caller.role] | ACTIONS[Action.PUBLICATION_REVIEW][caller.role]
    if Grant.ANY in held:
        return Reach(everything=True)
    region = org = station = None
    if Grant.IN_SCOPE in held:
        if caller.role is Role.DISPATCHER and caller.region is not None:
            region = region_prefix(caller.region)
        if caller.role is Role.ORG_ADMIN and caller.org is not None and kind != "station":
            org = caller.org  # a station's host is its region, not a team
    if Grant.STATION in held and kind == "station":
        station = caller.station_id
    return Reach(region_prefix=region, org_id=org, station_id=station)


def _not_found(kind: str, id: int) -> WorkflowError:
    en, zh = NAMES[kind]
    return WorkflowError(Code.NOT_FOUND, "id", f"{en} {id} does not exist", f"{zh} {id} 不存在")


async def _locked(tx: Database, caller: Caller, kind: str, id: int, action: Action,
                  what: str) -> Row:
    row = await store.lock(tx, kind=kind, id=id)
    if row is None:
        raise _not_found(kind, id)
    require(caller, action, host(kind, row), what=what)
    return row


@dataclass(frozen=True)
class Outcome:
    """A step taken: the row's new status and the log entry."""

    kind: str
    id: int
    status: str
    review: Row


async def transition(db: Database, caller: Caller, *, kind: str, id: int, step: Step,
                     reason: str | None = None) -> Outcome:
    """Take one step of the life cycle on a row, or refuse it with a coded error."""
    reviewing = step in (Step.APPROVE, Step.REJECT)
    action = Action.PUBLICATION_REVIEW if reviewing else MANAGE[kind]
    en = NAMES[kind][0]
    text = (reason or "").strip()
    async with db.transaction() as tx:
        row = await _locked(tx, caller, kind, id, action, f"{step.value} this {en}")
        status = row["status"]
        if status not in _from(kind, step):
            raise WorkflowError(Code.INVALID_TRANSITION, "id",
                                f"a {en} that is {status} cannot be {DONE[step]}",
                                f"{NAMES[kind][1]}当前为{_status_zh(kind, status)}，"
                                f"不能{DONE_ZH[step]}")
        if step is Step.REJECT and not text:
            raise WorkflowError(Code.REASON_REQUIRED, "reason", "a rejection needs a reason",
                                "退回须填写原因")
        if len(text) > 1000:
            raise WorkflowError(Code.INVALID, "reason", f"the reason has {len(text)} characters;"
                                " at most 1000", f"原因有 {len(text)} 个字，最多 1000 个字")
        if step is Step.APPROVE and caller.role is not Role.SYSTEM:
            submitter = await store.get_last_submitter(tx, kind=kind, subject_id=id)
            if submitter == actor(caller):
                raise WorkflowError(Code.SELF_REVIEW, "id",
                                    f"{submitter} submitted this {en} and may not approve it",
                                    "不能审核通过自己提交的内容")
        if step in (Step.SUBMIT, Step.APPROVE):
            _ready(kind, row)
        review = await store.update_status(tx, review=store.NewReview(
            kind=kind, subject_id=id, decision=step.value, from_status=status,
            to_status=_to(kind, step), reason=text, actor=actor(caller)))
    return Outcome(kind, id, review["to_status"], review)


def _ready(kind: str, row: Row) -> None:
    """What a row needs before it is reviewed or published (seed 003: every activity has a
    safety plan; nobody signs up for what has begun)."""
    if kind != "activity":
        return
    errors = []
    if not row["safety_plan"].strip():
        errors.append(WorkflowError(Code.SAFETY_PLAN_REQUIRED, "safetyPlan",
                                    f"activity {row['id']} has no safety plan",
                                    f"活动 {row['id']} 尚无安全预案"))
    if row["starts_at"] <= datetime.now(UTC):
        errors.append(WorkflowError(Code.WINDOW_STARTED, "startsAt",
                                    f"activity {row['id']} began at "
                                    f"{row['starts_at'].isoformat()}",
                                    f"活动 {row['id']} 已于 {row['starts_at'].isoformat()} 开始"))
    if errors:
        raise Refused(errors)


Fields = values.StationFields | values.ActivityFields | values.ProjectFields


async def create(db: Database, cipher: PiiCipher, caller: Caller, *, kind: str,
                 data: Fields) -> int:
    """A new draft; its id. Everything is checked before anything is stored."""
    checks = _checks(kind, data, cipher, creating=True, row=None)
    if kind == "station" and "region_code" not in checks.values:
        raise Refused(checks.errors)  # no region: nobody's to decide on yet
    async with db.transaction() as tx:
        place = await _place(tx, kind, checks.values)
        require(caller, MANAGE[kind], place, what=f"create this {NAMES[kind][0]}")
        await _check_places(tx, kind, checks)
        if checks.errors:
            raise Refused(checks.errors)
        try:
            return await store.create(tx, kind=kind, values={
                **checks.values, "status": "draft", "created_by": actor(caller)})
        except psycopg.IntegrityError as exc:  # a rule only the database knows: still coded
            raise db_error(exc, "input", f"this {NAMES[kind][0]}") from exc


async def update(db: Database, cipher: PiiCipher, caller: Caller, *, kind: str, id: int,
                 data: Fields) -> None:
    """Change a row as far as its status allows (module docstring)."""
    async with db.transaction() as tx:
        row = await _locked(tx, caller, kind, id, MANAGE[kind], f"edit this {NAMES[kind][0]}")
        checks = _checks(kind, data, cipher, creating=False, row=row)
        _editable(kind, row, checks)
        if kind == "activity" and "capacity" in checks.values and (
                checks.values["capacity"] < row["signed_up"]):
            checks.bad("capacity", f"{checks.values['capacity']} is below the "
                       f"{row['signed_up']} volunteers signed up",
                       f"名额 {checks.values['capacity']} 少于已报名的 {row['signed_up']} 人",
                       Code.CAPACITY_BELOW_SIGN_UPS)
        await _check_places(tx, kind, checks, row=row)
        if checks.errors:
            raise Refused(checks.errors)
        if checks.values:
            try:
                await store.update(tx, kind=kind, id=id, values=checks.values)
            except psycopg.IntegrityError as exc:
                raise db_error(exc, "input", f"{NAMES[kind][0]} {id}") from exc
        if kind == "activity" and "capacity" in checks.values:
            await activities.fill_from_waitlist(tx, activity_id=id)  # more places: move up


def _checks(kind: str, data: Fields, cipher: PiiCipher, *, creating: bool,
            row: Row | None) -> values.Checks:
    if isinstance(data, values.StationFields):
        return values.check_station(data, cipher, creating=creating)
    if isinstance(data, values.ActivityFields):
        window = (row["starts_at"], row["ends_at"]) if row else None
        return values.check_activity(data, creating=creating, now=datetime.now(UTC),
                                     window=window)
    period = (row["starts_on"], row["ends_on"]) if row else None
    return values.check_project(data, creating=creating, period=period)


def _editable(kind: str, row: Row, checks: values.Checks) -> None:
    status, en = row["status"], NAMES[kind][0]
    if status in EDITABLE:
        return
    if status not in OPEN[kind]:
        raise WorkflowError(Code.NOT_EDITABLE, "id", f"a {en} that is {status} cannot be edited",
                            f"{NAMES[kind][1]}当前为{_status_zh(kind, status)}，不能修改")
    locked = sorted(set(checks.values) - LIVE_EDITABLE[kind])
    if locked:
        names = ", ".join(values.camel(n) for n in locked)
        raise WorkflowError(Code.LOCKED_WHILE_PUBLISHED, values.camel(locked[0]),
                            f"{names} of a {status} {en} cannot change without a new review; "
                            "close it and create another",
                            f"已发布的{NAMES[kind][1]}不能直接修改 {names}，请关闭后重新创建")


async def _place(tx: Database, kind: str, given: dict[str, Any]) -> ActionSubject:
    """The host a new row will have, as the action table sees it (its team must exist)."""
    if kind == "station":
        return subject(region_code=given.get("region_code"))
    key = "organization_id" if kind == "activity" else "owner_id"
    team_id = given.get(key)
    found = await organizations.get_many(tx, ids=[team_id]) if team_id is not None else []
    team = found[0] if found else None
    if team_id is not None and team is None:
        raise WorkflowError(Code.NOT_FOUND, values.camel(key),
                            f"organisation {team_id} does not exist", f"组织 {team_id} 不存在")
    region = given.get("region_code") if kind == "activity" else None
    return subject(region_code=region or (team["region_code"] if team else None),
                   org_paths=[team["path"] if team else None])


async def _check_places(tx: Database, kind: str, checks: values.Checks,
                        row: Row | None = None) -> None:
    """What needs the database: the station an activity is at (its point and region by
    default), the project it belongs to, the region the point lies in."""
    v = checks.values
    if v.get("organization_id") is not None and kind == "station" and (
            not await organizations.get_many(tx, ids=[v["organization_id"]])):
        checks.bad("organizationId", f"organisation {v['organization_id']} does not exist",
                   f"组织 {v['organization_id']} 不存在", Code.NOT_FOUND)
    if kind == "project":
        return
    if kind == "activity":
        await _activity_links(tx, checks, row)
        if row is None and "lon" not in v:
            checks.bad("location", "is needed without a station", "未指定站点时须填写地点")
        if row is None and "region_code" not in v:
            checks.bad("regionCode", "is needed without a station", "未指定站点时须填写行政区划")
    stored = row or {}
    if kind == "station" and row is not None and ("lon" in v or "region_code" in v):
        current = await _station_point(tx, row["id"])
        stored = {**stored, **current}
    if "lon" not in v and "region_code" not in v:
        return
    lon, lat = v.get("lon", stored.get("lon")), v.get("lat", stored.get("lat"))
    code = v.get("region_code", stored.get("region_code"))
    if lon is None or lat is None or code is None:
        if lon is None:
            checks.bad("location", "is needed without a station", "未指定站点时须填写地点")
        return
    if not await regions.list_known(tx, codes=[code]):
        checks.bad("regionCode", f"{code} is not a known division code",
                   f"{code} 不是已知的行政区划代码", Code.UNKNOWN_REGION)
    elif not await regions.get_covers_point(tx, region_code=code,
                                            region_prefix=subtree_prefix(code), lon=lon, lat=lat):
        checks.bad("location", f"({lon:.6f}, {lat:.6f}) does not lie in region {code}",
                   f"地点 ({lon:.6f}, {lat:.6f}) 不在行政区划 {code} 内")
    v.setdefault("lon", lon)
    v.setdefault("lat", lat)
    v.setdefault("region_code", code)


async def _station_point(tx: Database, station_id: int) -> dict[str, Any]:
    rows = await stations.get_many(tx, ids=[station_id])
    return {"lon": rows[0]["lon"], "lat": rows[0]["lat"], "region_code": rows[0]["region_code"]}


async def _activity_links(tx: Database, checks: values.Checks, row: Row | None) -> None:
    """An activity's station (live, and its point and region by default) and project (on
    its team's line: the team, above it or beneath it)."""
    v = checks.values
    if v.get("station_id") is not None:  # cleared: the activity keeps its place and region
        station = await store.get(tx, kind="station", id=v["station_id"])
        if station is None or station["status"] not in OPEN["station"]:
            checks.bad("stationId", f"station {v['station_id']} does not exist or is not open",
                       f"站点 {v['station_id']} 不存在或未开放")
        else:
            place = await _station_point(tx, v["station_id"])
            for key in ("lon", "lat", "region_code"):
                v.setdefault(key, place[key])
    team = v.get("organization_id") or (row["organization_id"] if row else None)
    if v.get("project_id") is not None and team is not None:
        in_line = await store.check_project_in_line(tx, project_id=v["project_id"],
                                                    team_id=team)
        if not in_line:
            checks.bad("projectId", f"project {v['project_id']} "
                       + ("does not exist" if in_line is None else
                          f"is not run by organisation {team}, above it or beneath it"),
                       f"项目 {v['project_id']} 不存在或不属于组织 {team} 所在的队伍体系")
