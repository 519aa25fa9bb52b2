"""注册 use cases: one volunteer, exit (退出) and erasure, teams (register, move, link).

Who may do what is the action table's (:mod:`hub.auth.actions`): each use case builds the
subject and calls ``require`` (``Denied`` is a top-level FORBIDDEN). Registering is open to
anyone; a stranger (anonymous, a volunteer, a partner) gets the same answer whether or not
the ID number is taken (the holder gets an owner notice) and is rate-limited per client.
Linking a volunteer to a team takes ``team.manage`` on the team and ``volunteer.join`` on the
volunteer: their own request (as a member), or a manager whose scope already holds them.
Business refusals are :class:`RegistrationError`: a field, a :class:`Code` and a message that
never holds a full ID or phone number nor says who holds a taken ID number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from hub.auth import Caller, Role
from hub.auth.actions import Action, ActionSubject, require, subject
from hub.pii import PiiCipher
from hub.registration.availability import MAX_WEEKLY_WINDOWS, window_count
from hub.registration.fields import parse_choice, parse_choices, parse_person_name
from hub.registration.idcard import age_on, parse_id_number
from hub.registration.naming import check_name
from hub.registration.phone import parse_mobile
from hub.registration.rows import MIN_AGE, parse_education
from hub.registration.vocab import COHORTS, ORG_LEVEL_RANK, ORG_LEVELS, SKILLS, TEAM_ROLES
from hub.services import notices, ratelimit
from hub.services.registration_errors import (
    DUPLICATE_ZH,
    Collector,
    duplicate_message,
)
from hub.services.registration_errors import Code as Code
from hub.services.registration_errors import Refused as Refused
from hub.services.registration_errors import RegistrationError as RegistrationError
from hub.services.registration_errors import region12 as region12
from hub.services.registration_values import (
    MINUTES_PER_DAY,
    ORG_KIND_COLUMN,
    encrypted_id,
    encrypted_phone,
    home_ewkt,
    multirange,
    today_cst,
)
from hub.services.subjects import org_subject, volunteer_subject
from hub.services.suspension import Held, leave_activities
from hub.store import dispatch, memberships, organizations, regions, volunteers
from hub.store.base import Database

# -- authorisation ----------------------------------------------------------------------------
STRANGERS = frozenset({Role.ANONYMOUS, Role.VOLUNTEER, Role.PARTNER, Role.RESIDENT,
                       Role.STATION_STAFF})
"""Callers who may not learn whether an ID number is registered (staff may: imports say so)."""
REGISTER_WINDOW_S = 3600


def team_subject(org: dict[str, Any]) -> ActionSubject:
    """A team (a row of :func:`hub.store.organizations.get`) as a subject."""
    return org_subject(org["region_code"], org["path"])


async def managed_org(db: Database, caller: Caller, org_id: int, field_name: str) -> dict[str, Any]:
    """The organisation, if it exists and the caller may manage it."""
    org = await organizations.get(db, organization_id=org_id)
    if org is None:
        raise RegistrationError(field_name, Code.NOT_FOUND, f"organisation {org_id} does not exist",
                                message_zh=f"组织 {org_id} 不存在")
    require(caller, Action.TEAM_MANAGE, team_subject(org), what="manage this organisation")
    return org


# -- volunteers -------------------------------------------------------------------------------
@dataclass
class VolunteerInput:
    """What a person gives to register (or to change, where ``None`` means unchanged)."""

    name: str | None = None
    id_number: str | None = None
    mobile: str | None = None
    education: str | None = None
    cohorts: Sequence[str] | None = None
    skills: dict[str, int] | None = None
    home: tuple[float, float, str | None] | None = None
    region_code: str | None = None
    weekly_spans: Sequence[tuple[int, int, int]] | None = None
    insured_until: date | None = None
    profile: dict[str, str] = field(default_factory=dict)


def _columns(data: VolunteerInput, cipher: PiiCipher, today: date) -> dict[str, Any]:
    """Validate the given fields and turn them into column values; raise :class:`Refused`."""
    c, out = Collector(), {}
    if data.name is not None:
        out["real_name"] = c.take("name", lambda: parse_person_name(data.name, field="name"))
    if data.id_number is not None:
        ident = c.take("idNumber", lambda: parse_id_number(data.id_number, today=today))
        if ident is not None:
            if age_on(ident.birth_date, today) < MIN_AGE:
                c.errors.append(RegistrationError("idNumber", Code.UNDERAGE,
                                                  f"a volunteer must be at least {MIN_AGE}",
                                                  message_zh=f"志愿者须年满 {MIN_AGE} 周岁"))
            out |= encrypted_id(cipher, ident.number)
            out |= {"birth_date": ident.birth_date, "gender": ident.gender}
    if data.mobile is not None:
        mobile = c.take("mobile", lambda: parse_mobile(data.mobile))
        if mobile is not None:
            out |= encrypted_phone(cipher, mobile)
    if data.education is not None:
        out["education"] = c.take("education", lambda: parse_education(data.education,
                                                                       field="education"),
                                  code=Code.EDUCATION_TOO_LOW)
    if data.cohorts is not None:
        out["cohorts"] = c.take("cohorts", lambda: list(parse_choices(
            "、".join(data.cohorts or ()), COHORTS, field="cohorts")))
    if data.skills is not None:
        out["skills"] = c.take("skills", lambda: _skills(data.skills or {}))
    if data.home is not None:
        out["home_geom"] = c.take("home", lambda: home_ewkt(*data.home))
    if data.region_code is not None:
        out["region_code"] = c.take("regionCode", lambda: region12(data.region_code or ""))
    if data.weekly_spans is not None:
        out["weekly_availability"] = c.take("availability", lambda: _weekly(data.weekly_spans))
    if data.insured_until is not None:
        out["insured_until"] = data.insured_until
    if data.profile:
        out["profile"] = data.profile
    if c.errors:
        raise Refused(c.errors)
    return out


def _skills(levels: dict[str, int]) -> dict[str, int]:
    out: dict[str, int] = {}
    for name, level in levels.items():
        code = parse_choice(name, SKILLS, field="skills", required=True)
        if code is None or code in out or not 1 <= level <= 5:
            raise RegistrationError("skills", Code.INVALID,
                                    f"{name}: give each skill once, with a level 1–5",
                                    message_zh=f"{name}：每项技能填写一次，等级为 1～5")
        out[code] = level
    return out


def _weekly(spans: Sequence[tuple[int, int, int]] | None) -> str:
    for day, start, end in spans or ():
        if not (0 <= day <= 6 and 0 <= start < end <= MINUTES_PER_DAY):
            raise RegistrationError("availability", Code.INVALID,
                                    f"weekday {day + 1} {start}–{end} is not a window of a day",
                                    message_zh=f"星期{day + 1} 的 {start}–{end} 不是一天之内的时段")
    windows = window_count(spans or ())
    if windows > MAX_WEEKLY_WINDOWS:
        raise RegistrationError("availability", Code.TOO_MANY_WINDOWS,
                                f"{windows} separate windows a week; at most "
                                f"{MAX_WEEKLY_WINDOWS} (merge or drop some)",
                                message_zh=f"每周可服务时段共 {windows} 段，最多 "
                                           f"{MAX_WEEKLY_WINDOWS} 段（请合并或删减）")
    return multirange(list(spans or ()))


async def _known_region(db: Database, values: dict[str, Any]) -> None:
    code = values.get("region_code")
    if code and not await regions.list_known(db, codes=[code]):
        raise Refused([RegistrationError("regionCode", Code.UNKNOWN_REGION,
                                         f"{code} is not a known division code",
                                         message_zh=f"{code} 不是已知的行政区划代码")])


@dataclass(frozen=True)
class Attempt:
    """Where a registration comes from: the client (an IP address) and its hourly limit."""

    client: str | None = None
    per_hour: int = 20


async def register_volunteer(db: Database, cipher: PiiCipher, caller: Caller,
                             data: VolunteerInput, *, organization_id: int | None = None,
                             role: str = "member", attempt: Attempt = Attempt()) -> int | None:
    """Register one person (real name, ID, age ≥ 18, education, mobile).

    Returns the new id, or ``None`` to a stranger (:data:`STRANGERS`), who is told the same
    whether the ID number was new or taken.
    """
    require(caller, Action.VOLUNTEER_REGISTER, what="register volunteers")
    stranger = caller.role in STRANGERS
    if stranger:
        await ratelimit.check(db, bucket=f"register:{attempt.client or 'unknown'}",
                              limit=attempt.per_hour, window_s=REGISTER_WINDOW_S,
                              what="registration attempts from this client")
    missing = [RegistrationError(f, Code.INVALID, "required", message_zh="必填") for f, v in
               (("name", data.name), ("idNumber", data.id_number), ("mobile", data.mobile),
                ("education", data.education)) if not v]
    if missing:
        raise Refused(missing)
    values = _columns(data, cipher, today_cst())
    await _known_region(db, values)
    if organization_id is not None:
        await managed_org(db, caller, organization_id, "organizationId")
    values["registered_by"] = caller.sub or "self"
    async with db.transaction() as tx:
        volunteer_id = await volunteers.create(tx, values=values)
        if volunteer_id is None:
            if not stranger:
                raise Refused([RegistrationError("idNumber", Code.DUPLICATE,
                                                 duplicate_message(),
                                                 message_zh=DUPLICATE_ZH)])
            holder = await volunteers.get_id(tx, id_hash=values["id_number_hash"])
            if holder is not None:
                await notices.tell_owner(tx, volunteer_id=holder, kind="registration_attempt")
            return None
        if organization_id is not None:
            await organizations.create_membership(tx, volunteer_id=volunteer_id,
                                                  organization_id=organization_id, role=role)
    return None if stranger else volunteer_id


async def _facts(db: Database, volunteer_id: int) -> dict[str, Any]:
    facts = await volunteers.get_facts(db, volunteer_id=volunteer_id)
    if facts is None:
        raise Refused([RegistrationError("id", Code.NOT_FOUND, "no such volunteer",
                                         message_zh="志愿者不存在")])
    return facts


async def update_volunteer(db: Database, cipher: PiiCipher, caller: Caller, volunteer_id: int,
                           data: VolunteerInput) -> None:
    """Change a volunteer's details (never the ID number: that is who they are)."""
    facts = await _facts(db, volunteer_id)
    require(caller, Action.VOLUNTEER_UPDATE, volunteer_subject(facts),
            what="change this volunteer")
    if facts["status"] == "exited":
        raise Refused([RegistrationError("id", Code.EXITED, "the volunteer has exited",
                                         message_zh="志愿者已退出")])
    if data.id_number is not None:
        raise Refused([RegistrationError("idNumber", Code.INVALID,
                                         "the ID number cannot be changed",
                                         message_zh="身份证号不能修改")])
    values = _columns(data, cipher, today_cst())
    await _known_region(db, values)
    async with db.transaction() as tx:
        await volunteers.update(tx, volunteer_id=volunteer_id, values=values)


async def exit_volunteer(db: Database, caller: Caller, volunteer_id: int, *,
                         erase: bool) -> int:
    """退出: never dispatched again, their places and waitlist entries for activities not yet
    started given up; with ``erase`` the personal data goes, records stay."""
    facts = await _facts(db, volunteer_id)
    require(caller, Action.VOLUNTEER_EXIT, volunteer_subject(facts),
            what="exit this volunteer (only the volunteer or an admin may)")
    async with db.transaction() as tx:
        # Their activity places and waitlist entries go too, each freed place to the
        # waitlist; the activities are locked before the volunteer's row, as a suspension
        # takes them (hub.services.suspension), so a sign-up racing the exit is left or refused.
        held = Held(volunteer_id)
        await held.take(tx)
        await volunteers.update_exited(tx, volunteer_id=volunteer_id)
        await held.take(tx)
        await leave_activities(tx, held)
        cancelled = await dispatch.update_cancelled_of_volunteer(tx, volunteer_id=volunteer_id,
                                                                 reason="volunteer exited")
        # Their teams list them no more (kept in membership_history), nor as captain.
        await memberships.delete_membership(tx, volunteer_id=volunteer_id, organization_id=None,
                                            how="exited", reason="",
                                            by=caller.sub or caller.role.value)
        await memberships.update_captaincies_ended(tx, volunteer_id=volunteer_id)
        if erase and facts["erased_at"] is None:
            await volunteers.update_erased(tx, volunteer_id=volunteer_id)
    return cancelled


# -- organisations -----------------------------------------------------------------------------
@dataclass
class OrganizationInput:
    """A team to register (seed 002 naming rules)."""

    name: str
    level: str
    region_code: str
    parent_id: int | None = None
    kind: str | None = None
    captain_name: str | None = None
    captain_mobile: str | None = None


async def register_organization(db: Database, cipher: PiiCipher, caller: Caller,
                                data: OrganizationInput) -> int:
    """A team below its parent's level, named by the rules; return its id."""
    level = ORG_LEVELS.lookup(data.level)
    if level is None:
        raise Refused([RegistrationError("level", Code.INVALID, f"{data.level!r} is not one of "
                                         "corps|team|detachment|squad (总队/队/支队/分队)",
                                         message_zh=f"{data.level!r} 不是可选的层级，"
                                                    "可选：总队、队、支队、分队")])
    parent = (await managed_org(db, caller, data.parent_id, "parentId")
              if data.parent_id is not None else None)
    region = region12(data.region_code)
    if parent is None:
        require(caller, Action.TEAM_CREATE_TOP, subject(region_code=region),
                what="add a top-level team here (an admin or the region's dispatcher may)")
    if parent is not None and ORG_LEVEL_RANK[level] <= ORG_LEVEL_RANK[parent["level"]]:
        raise Refused([RegistrationError("level", Code.LEVEL_ORDER,
                                         f"a {level} cannot sit under a {parent['level']}",
                                         message_zh=f"{ORG_LEVELS.label(level)}不能隶属于"
                                                    f"{ORG_LEVELS.label(parent['level'])}")])
    check = check_name(data.name, level, parent["name"] if parent else None, kind=data.kind)
    if check.is_error:
        raise Refused([RegistrationError("name", Code.NAME_RULE, check.reason or "bad name",
                                         suggestion=check.suggestion,
                                         message_zh=check.reason_zh)])
    await _known_region(db, {"region_code": region})
    values: dict[str, Any] = {
        "name": data.name, "level": level, "parent_id": data.parent_id, "region_code": region,
        "kind": ORG_KIND_COLUMN.get(data.kind or "other", "other"),
        "registered_by": caller.sub or "anonymous", "captain_name": data.captain_name}
    if data.captain_mobile:
        mobile = Collector()
        number = mobile.take("captainMobile", lambda: parse_mobile(data.captain_mobile))
        if mobile.errors:
            raise Refused(mobile.errors)
        values |= encrypted_phone(cipher, number, "captain_phone")
    async with db.transaction() as tx:
        org_id = await organizations.create(tx, values=values)
    if org_id is None:
        raise Refused([RegistrationError("name", Code.DUPLICATE,
                                         "the parent already has a team of this name",
                                         message_zh="上级已有同名队伍")])
    return org_id


async def move_organization(db: Database, caller: Caller, organization_id: int,
                            parent_id: int | None) -> None:
    """Put a team under another parent; its members, records and subtree go with it."""
    org = await managed_org(db, caller, organization_id, "id")
    if parent_id is None:
        require(caller, Action.TEAM_CREATE_TOP, subject(region_code=org["region_code"]),
                what="make this team top-level")
    else:
        parent = await managed_org(db, caller, parent_id, "parentId")
        if ORG_LEVEL_RANK[org["level"]] <= ORG_LEVEL_RANK[parent["level"]]:
            raise Refused([RegistrationError("parentId", Code.LEVEL_ORDER,
                                             f"a {org['level']} cannot sit under a "
                                             f"{parent['level']}",
                                             message_zh=f"{ORG_LEVELS.label(org['level'])}不能"
                                             f"隶属于{ORG_LEVELS.label(parent['level'])}")])
        if str(organization_id) in parent["path"].split("."):
            raise Refused([RegistrationError("parentId", Code.LEVEL_ORDER,
                                             "a team cannot move under its own subtree",
                                             message_zh="队伍不能移到自己的下级之下")])
    async with db.transaction() as tx:
        await organizations.update_parent(tx, organization_id=organization_id, parent_id=parent_id,
                                          by=caller.sub or "anonymous")


async def link_volunteer(db: Database, caller: Caller, volunteer_id: int, organization_id: int,
                         role: str) -> None:
    """Make a registered volunteer a member of a team (or change their role in it).

    Both sides must agree: the caller manages the team, and either the volunteer asks
    themself (as a plain member) or the caller's scope already holds the volunteer, so that
    linking never brings anyone's personal data into a scope it was not in.
    """
    role_code = TEAM_ROLES.lookup(role) or (role if role == "vice_captain" else None)
    if role_code is None:
        raise Refused([RegistrationError("role", Code.INVALID,
                                         "role is member | captain | vice_captain | admin",
                                         message_zh="角色须为队员、队长、副队长或管理员")])
    facts = await _facts(db, volunteer_id)
    joining_self = caller.volunteer_id == volunteer_id
    require(caller, Action.VOLUNTEER_JOIN, volunteer_subject(facts),
            what="bring this volunteer into a team: they must ask themself, or already be in "
                 "your scope")
    org = await organizations.get(db, organization_id=organization_id)
    if org is None:
        raise Refused([RegistrationError("organizationId", Code.NOT_FOUND,
                                         f"organisation {organization_id} does not exist",
                                         message_zh=f"组织 {organization_id} 不存在")])
    if joining_self:
        if role_code != "member":
            raise Refused([RegistrationError("role", Code.INVALID,
                                             "a volunteer joins a team as a member; its "
                                             "managers give other roles")])
    else:
        require(caller, Action.TEAM_MANAGE, team_subject(org), what="manage this organisation")
    if facts["status"] == "exited":
        raise Refused([RegistrationError("volunteerId", Code.EXITED, "the volunteer has exited")])
    async with db.transaction() as tx:
        await organizations.create_membership(tx, volunteer_id=volunteer_id,
                                              organization_id=organization_id, role=role_code,
                                              keep_role=joining_self)
