"""A signed-in person's own data (``me``) and a volunteer's own settings (``updateMyProfile``),
and station staff accounts (issue 14.1).

``me`` answers only the caller's own account and volunteer record: nobody reads another's
through it. A volunteer changes their own skills and weekly availability (checked as
registration checks them, :func:`hub.services.registration.update_volunteer`), their time off
(不可服务时段, the periods that have not ended are replaced) and their service radius.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hub.auth.actions import Action, Denied, require, subject
from hub.auth.tokens import Caller, Role
from hub.pii import PiiCipher, mask_phone
from hub.services import registration, workflow
from hub.services.accounts import AccountError, Code, parse_phone
from hub.services.workflow_errors import Refused
from hub.store import accounts as store
from hub.store import stations, volunteers
from hub.store.base import Database, Row

MIN_RADIUS_M, MAX_RADIUS_M = 100, 500_000
MAX_TIME_OFF = 50
MAX_NOTE = 200
MAX_OFFERS = 100


@dataclass(frozen=True)
class Mine:
    """What ``me`` reads for the caller."""

    account: Row | None
    volunteer_id: int | None
    offers: list[Row] = field(default_factory=list)
    time_off: list[Row] = field(default_factory=list)


async def mine(db: Database, caller: Caller) -> Mine | None:
    """The caller's own account, volunteer, open offers and time off; ``None`` for a caller
    who is no one (anonymous, or a token of no account or volunteer)."""
    account = None if caller.account_id is None else await store.get(
        db, account_id=caller.account_id)
    volunteer_id = caller.volunteer_id
    if account is not None and account["volunteer_id"] != volunteer_id:
        account = None  # a token's account claim that is not this volunteer's: not theirs
    if account is None and volunteer_id is None:
        return None
    if volunteer_id is None:
        return Mine(account, None)
    offers = await workflow.list_(db, filter=workflow.DispatchFilter(
        volunteer_id=volunteer_id, statuses=("offered",)), first=MAX_OFFERS, after_id=None)
    return Mine(account, volunteer_id, offers[:MAX_OFFERS],
                await volunteers.list_time_off(db, volunteer_id=volunteer_id))


@dataclass
class ProfileInput:
    """What a volunteer may change of their own (``None``: unchanged)."""

    skills: dict[str, int] | None = None
    weekly_spans: list[tuple[int, int, int]] | None = None
    time_off: list[tuple[datetime, datetime, str]] | None = None
    service_radius_m: int | None = None


def _checked_time_off(periods: Sequence[tuple[datetime, datetime, str]]
                      ) -> list[AccountError]:
    errors = []
    if len(periods) > MAX_TIME_OFF:
        errors.append(AccountError(Code.INVALID, "timeOff", f"at most {MAX_TIME_OFF} periods"))
    for k, (starts, ends, note) in enumerate(periods):
        if not starts < ends:
            errors.append(AccountError(Code.INVALID, f"timeOff[{k}]",
                                       f"{starts.isoformat()} is not before {ends.isoformat()}",
                                       f"开始时间 {starts.isoformat()} 须早于结束时间"))
        if len(note) > MAX_NOTE:
            errors.append(AccountError(Code.INVALID, f"timeOff[{k}].note",
                                       f"a note has at most {MAX_NOTE} characters"))
    return errors


async def update_my_profile(db: Database, cipher: PiiCipher, caller: Caller,
                            data: ProfileInput) -> int:
    """Change the calling volunteer's own settings; their volunteer id."""
    volunteer_id = caller.volunteer_id
    require(caller, Action.VOLUNTEER_UPDATE, subject(volunteer_id=volunteer_id),
            what="change a volunteer's own profile")
    if volunteer_id is None:
        raise AccountError(Code.NOT_A_VOLUNTEER, "input", "only a signed-in volunteer has a "
                                                          "profile of their own to change")
    errors = [] if data.time_off is None else _checked_time_off(data.time_off)
    radius = data.service_radius_m
    if radius is not None and not MIN_RADIUS_M <= radius <= MAX_RADIUS_M:
        errors.append(AccountError(
            Code.INVALID, "serviceRadiusM", f"{radius} is not {MIN_RADIUS_M}–{MAX_RADIUS_M} m",
            f"服务半径 {radius} 米不在 {MIN_RADIUS_M}–{MAX_RADIUS_M} 米之间"))
    if errors:
        raise Refused(errors)
    # Skills and availability are checked and written as registration does them; what is
    # left was checked above, so only the database itself could refuse it now.
    await registration.update_volunteer(db, cipher, caller, volunteer_id,
                                        registration.VolunteerInput(
                                            skills=data.skills, weekly_spans=data.weekly_spans))
    async with db.transaction() as tx:
        if radius is not None and not await volunteers.update_service_radius(
                tx, volunteer_id=volunteer_id, metres=radius):
            raise AccountError(Code.EXITED, "input", "the volunteer has exited")
        if data.time_off is not None:
            await volunteers.update_time_off(tx, volunteer_id=volunteer_id, periods=data.time_off)
    return volunteer_id


async def add_station_staff(db: Database, cipher: PiiCipher, caller: Caller, phone_text: str,
                            station_id: int) -> int:
    """Make the account of a mobile a station's staff (admins and the hub itself); its id."""
    if caller.role not in (Role.ADMIN, Role.SYSTEM):
        raise Denied("only an admin may add station staff",
                     message_zh="只有系统管理员可以添加站点工作人员")
    phone = parse_phone(phone_text)
    async with db.transaction() as tx:
        if not await stations.get_exists(tx, station_id=station_id):
            raise AccountError(Code.NOT_FOUND, "station", f"no station {station_id}")
        made = await store.create_station_staff(
            tx, phone_hash=cipher.blind_index(phone, field="phone"),
            phone_masked=mask_phone(phone) or "",
            phone_enc=cipher.encrypt(phone, field="phone"), station_id=station_id)
    if made is None:
        raise AccountError(Code.INVALID, "phone", "this phone is a volunteer's account")
    return made
