"""GraphQL for 注册: volunteers, exits, teams, links and collective imports.

Who may do what is in :mod:`hub.services.registration` (and repeated in each description).
Refusals come back in the payload's ``errors`` (field, code, message), never as a half-done
change; malformed input (a bad global ID, a point outside -180..180) is a GraphQL error.
``importRegistrations`` takes a GraphQL multipart upload and returns the counts, the first
rejected rows, and the full report of rejected rows as a base64 .xlsx (``reportXlsxBase64``).
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable
from datetime import date
from enum import Enum
from typing import Any

import strawberry
from strawberry.file_uploads import Upload

from hub.auth.actions import Action, require
from hub.schema.common import PointInput
from hub.schema.context import Info
from hub.schema.node import decode_id
from hub.schema.organizations import Organization, load_organization
from hub.schema.volunteers import Volunteer, load_volunteer
from hub.services import importing
from hub.services import registration as service
from hub.services.registration import OrganizationInput, Refused, VolunteerInput

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_ROW_ERRORS = 1000
MAX_LIST = 20

RegistrationErrorCode = strawberry.enum(service.Code, name="RegistrationErrorCode",
                                        description="Why a registration input was refused.")


@strawberry.type(description="One refused input field.")
class RegistrationError:
    field: str | None = strawberry.field(description="The input field (camelCase).")
    code: RegistrationErrorCode  # type: ignore[valid-type]
    message: str
    suggestion: str | None = strawberry.field(
        default=None, description="A corrected value, e.g. a team name that follows the rules.")


async def _refusals(work: Awaitable[Any]) -> tuple[Any, list[RegistrationError]]:
    """Run ``work``; its refusals as payload errors."""
    try:
        return await work, []
    except service.RegistrationError as exc:
        return None, [RegistrationError(field=exc.field, code=exc.code, message=exc.message,
                                        suggestion=exc.suggestion)]
    except Refused as exc:
        return None, [RegistrationError(field=e.field, code=e.code, message=e.message,
                                        suggestion=e.suggestion) for e in exc.errors]


@strawberry.input(description="A weekly window in China Standard Time.")
class WeeklyWindowInput:
    weekday: int = strawberry.field(description="1 = Monday … 7 = Sunday")
    start: str = strawberry.field(description="HH:MM")
    end: str = strawberry.field(description="HH:MM (24:00 for midnight)")

    def span(self) -> tuple[int, int, int]:
        def minutes(text: str) -> int:
            hours, _, mins = text.partition(":")
            return int(hours) * 60 + int(mins) if hours.isdigit() and mins.isdigit() else -1

        return self.weekday - 1, minutes(self.start), minutes(self.end)


@strawberry.input(description="A skill (服务类别 code or Chinese label) and its level 1–5.")
class SkillInput:
    skill: str
    level: int = 1


@strawberry.input(name="VolunteerInput",
                  description="What a person gives to register (科技志愿者实名注册). In an "
                              "update, an omitted field is left as it is.")
class VolunteerInputGql:
    name: str | None = strawberry.field(default=None, description="Real name (实名).")
    id_number: str | None = strawberry.field(
        default=None, description="Resident ID number (18 characters, GB 11643); register only.")
    mobile: str | None = None
    education: str | None = strawberry.field(
        default=None, description="high_school | associate | bachelor | master | doctorate, "
                                  "or the Chinese label; high school or above.")
    cohorts: list[str] | None = None
    skills: list[SkillInput] | None = None
    home: PointInput | None = strawberry.field(default=None,
                                               description="Home, in any CRS.")
    region_code: str | None = None
    availability: list[WeeklyWindowInput] | None = None
    insured_until: date | None = None

    def to_service(self) -> VolunteerInput:
        return VolunteerInput(
            name=self.name, id_number=self.id_number, mobile=self.mobile,
            education=self.education, cohorts=self.cohorts,
            skills=None if self.skills is None else {s.skill: s.level for s in self.skills},
            home=None if self.home is None else (*self.home.wgs84("home"), "WGS84"),
            region_code=self.region_code,
            weekly_spans=None if self.availability is None else [
                w.span() for w in self.availability],
            insured_until=self.insured_until)


@strawberry.type
class VolunteerPayload:
    volunteer: Volunteer | None = None
    errors: list[RegistrationError] = strawberry.field(default_factory=list)


@strawberry.type
class ExitVolunteerPayload:
    volunteer: Volunteer | None = None
    cancelled_dispatches: int = strawberry.field(
        default=0, description="Open dispatch offers cancelled by the exit.")
    errors: list[RegistrationError] = strawberry.field(default_factory=list)


@strawberry.type
class OrganizationPayload:
    organization: Organization | None = None
    errors: list[RegistrationError] = strawberry.field(default_factory=list)


@strawberry.type
class LinkVolunteerPayload:
    volunteer: Volunteer | None = None
    organization: Organization | None = None
    errors: list[RegistrationError] = strawberry.field(default_factory=list)


@strawberry.enum(description="What an import file holds.")
class ImportKind(Enum):
    VOLUNTEERS = "volunteers"
    ORGANIZATIONS = "organizations"


@strawberry.type(description="One rejected field of one row (values masked).")
class ImportRowError:
    row: int
    column: str
    value: str
    reason: str
    reason_zh: str


@strawberry.type(description="What an import did.")
class ImportRegistrationsPayload:
    rows_read: int = 0
    imported: int = 0
    skipped: int = strawberry.field(default=0, description="Already registered (duplicates).")
    rejected: int = strawberry.field(default=0, description="Rows with at least one error.")
    loaded: bool = strawberry.field(default=False,
                                    description="False when nothing was loaded.")
    row_errors: list[ImportRowError] = strawberry.field(
        default_factory=list, description=f"The first {MAX_ROW_ERRORS} rejected fields.")
    report_xlsx_base64: str | None = strawberry.field(
        default=None, description="Every rejected row (行号, 列名, 内容, 原因) as a base64 "
                                  ".xlsx; null when no row was rejected.")
    errors: list[RegistrationError] = strawberry.field(default_factory=list)


async def register_volunteer(info: Info, input: VolunteerInputGql,
                             organization_id: strawberry.ID | None = None) -> VolunteerPayload:
    ctx = info.context
    org_id = None if organization_id is None else decode_id(str(organization_id),
                                                            "Organization", "organizationId")
    attempt = service.Attempt(client=ctx.client,
                              per_hour=ctx.settings.register_attempts_per_hour)
    new_id, errors = await _refusals(service.register_volunteer(
        ctx.db, ctx.cipher, ctx.caller, input.to_service(), organization_id=org_id,
        attempt=attempt))
    return VolunteerPayload(volunteer=await load_volunteer(info, new_id) if new_id else None,
                            errors=errors)


async def update_volunteer(info: Info, id: strawberry.ID,
                           input: VolunteerInputGql) -> VolunteerPayload:
    ctx = info.context
    volunteer_id = decode_id(str(id), "Volunteer")
    _, errors = await _refusals(service.update_volunteer(
        ctx.db, ctx.cipher, ctx.caller, volunteer_id, input.to_service()))
    return VolunteerPayload(volunteer=None if errors else await load_volunteer(info, volunteer_id),
                            errors=errors)


async def exit_volunteer(info: Info, id: strawberry.ID,
                         erase_personal_data: bool = False) -> ExitVolunteerPayload:
    volunteer_id = decode_id(str(id), "Volunteer")
    cancelled, errors = await _refusals(service.exit_volunteer(
        info.context.db, info.context.caller, volunteer_id, erase=erase_personal_data))
    return ExitVolunteerPayload(
        volunteer=None if errors else await load_volunteer(info, volunteer_id),
        cancelled_dispatches=cancelled or 0, errors=errors)


@strawberry.input(name="OrganizationInput", description="A team (科技志愿服务组织) to register.")
class OrganizationInputGql:
    name: str
    level: str = strawberry.field(
        description="corps | team | detachment | squad (总队/队/支队/分队)")
    region_code: str
    parent_id: strawberry.ID | None = None
    kind: str | None = strawberry.field(
        default=None, description="For the naming rules: province | society | "
                                  "society_committee | city | county | unit | other")
    captain_name: str | None = None
    captain_mobile: str | None = None


async def register_organization(info: Info, input: OrganizationInputGql) -> OrganizationPayload:
    ctx = info.context
    parent = None if input.parent_id is None else decode_id(str(input.parent_id),
                                                            "Organization", "parentId")
    data = OrganizationInput(name=input.name, level=input.level, region_code=input.region_code,
                             parent_id=parent, kind=input.kind, captain_name=input.captain_name,
                             captain_mobile=input.captain_mobile)
    new_id, errors = await _refusals(service.register_organization(ctx.db, ctx.cipher,
                                                                   ctx.caller, data))
    return OrganizationPayload(
        organization=await load_organization(info, new_id) if new_id else None, errors=errors)


async def move_organization(info: Info, id: strawberry.ID,
                            parent_id: strawberry.ID | None) -> OrganizationPayload:
    org_id = decode_id(str(id), "Organization")
    parent = None if parent_id is None else decode_id(str(parent_id), "Organization", "parentId")
    _, errors = await _refusals(service.move_organization(info.context.db, info.context.caller,
                                                          org_id, parent))
    return OrganizationPayload(
        organization=None if errors else await load_organization(info, org_id), errors=errors)


async def link_volunteer(info: Info, volunteer_id: strawberry.ID,
                         organization_id: strawberry.ID,
                         role: str = "member") -> LinkVolunteerPayload:
    vid = decode_id(str(volunteer_id), "Volunteer", "volunteerId")
    oid = decode_id(str(organization_id), "Organization", "organizationId")
    _, errors = await _refusals(service.link_volunteer(info.context.db, info.context.caller,
                                                       vid, oid, role))
    if errors:
        return LinkVolunteerPayload(errors=errors)
    return LinkVolunteerPayload(volunteer=await load_volunteer(info, vid),
                                organization=await load_organization(info, oid))


async def import_registrations(info: Info, kind: ImportKind, file: Upload,
                               all_or_nothing: bool = False) -> ImportRegistrationsPayload:
    ctx = info.context
    # The service asks the action table again; asking first spares reading a refused upload.
    require(ctx.caller, Action.REGISTRATIONS_IMPORT, what="import registrations")
    data: bytes = await file.read(MAX_UPLOAD_BYTES + 1)  # type: ignore[attr-defined]
    if len(data) > MAX_UPLOAD_BYTES:
        return ImportRegistrationsPayload(errors=[RegistrationError(
            field="file", code=service.Code.INVALID,
            message=f"the file is larger than {MAX_UPLOAD_BYTES // 2**20} MB")])
    request = importing.ImportRequest(kind.value, data,
                                      getattr(file, "filename", None) or "upload",
                                      all_or_nothing)
    summary = await importing.import_file(ctx.db, ctx.cipher, ctx.caller, request)
    return ImportRegistrationsPayload(
        rows_read=summary.rows_read, imported=summary.imported, skipped=summary.skipped,
        rejected=summary.rejected, loaded=summary.loaded,
        row_errors=[ImportRowError(row=e.row_number, column=e.column, value=e.value_masked,
                                   reason=e.reason, reason_zh=e.reason_zh)
                    for e in summary.errors[:MAX_ROW_ERRORS]],
        report_xlsx_base64=None if summary.ok else base64.b64encode(
            summary.report_xlsx()).decode(),
        errors=[RegistrationError(field="file", code=service.Code.INVALID, message=i.message)
                for i in summary.file_errors])


@strawberry.type
class RegistrationMutation:
    register_volunteer: VolunteerPayload = strawberry.mutation(
        resolver=register_volunteer,
        description="科技志愿者注册: anyone may register themself (anonymously); linking to "
                    "`organizationId` needs the right to manage that team (admin, its "
                    "region's dispatcher, an org admin above it). ID number and age ≥ 18, "
                    "education high school or above, a mainland mobile; one ID number once. "
                    "Anonymous callers, volunteers and partners get `volunteer: null` and no "
                    "error whether the ID number was new or already registered (its holder "
                    "is told), and are rate-limited per client (RATE_LIMITED).")
    update_volunteer: VolunteerPayload = strawberry.mutation(
        resolver=update_volunteer,
        description="Change a volunteer's details (not the ID number): the volunteer, an "
                    "admin, the region's dispatcher, or an org admin above one of their teams.")
    exit_volunteer: ExitVolunteerPayload = strawberry.mutation(
        resolver=exit_volunteer,
        description="退出: the volunteer or an admin. An exited volunteer is never dispatched; "
                    "`erasePersonalData` erases ID, phone, birth date, home and name (an "
                    "anonymised label stays on the service records).")
    register_organization: OrganizationPayload = strawberry.mutation(
        resolver=register_organization,
        description="Register a team below its parent's level, named by the rules (a "
                    "suggested name comes with a NAME_RULE error). Top-level teams: an admin "
                    "or the region's dispatcher; others: whoever may manage the parent.")
    move_organization: OrganizationPayload = strawberry.mutation(
        resolver=move_organization,
        description="Put a team under another parent (members and history stay): whoever "
                    "may manage both the team and the new parent; top level: admins only.")
    link_volunteer: LinkVolunteerPayload = strawberry.mutation(
        resolver=link_volunteer,
        description="Make a registered volunteer (e.g. imported without a team) a member "
                    "(role member | captain | vice_captain | admin): whoever may manage "
                    "the team and already has the volunteer in scope, or the volunteer "
                    "themself (joining as a member).")
    import_registrations: ImportRegistrationsPayload = strawberry.mutation(
        resolver=import_registrations,
        description="集体注册: a .xlsx or .csv file (GraphQL multipart upload) of volunteers "
                    "or teams, by an admin, dispatcher (their region) or org admin (their "
                    "subtree; volunteers without a team join the org admin's team). "
                    "Idempotent on ID number and on team name within its parent.")
