"""GraphQL for 注册: volunteers, exits, teams, links and collective imports.

Who may do what is in :mod:`hub.services.registration` (and repeated in each description).
Mutations follow :mod:`hub.schema.payloads`: refusals come back in the payload's ``errors``
(field, code, message, messageZh), never as a half-done change; an input that cannot be
decoded (a bad global ID, a point outside -180..180) is refused there too, as INVALID.
``importRegistrations`` takes a GraphQL multipart upload (``input.file``) and returns the
counts, the first rejected rows, and the full report of rejected rows as a base64 .xlsx
(``reportXlsxBase64``).
"""

from __future__ import annotations

import base64
from datetime import date
from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.file_uploads import Upload

from hub.registration.availability import MAX_WEEKLY_WINDOWS
from hub.schema.common import PointInput
from hub.schema.context import Info
from hub.schema.node import decode_id
from hub.schema.organizations import Organization, load_organization
from hub.schema.payloads import Refusal, mutation, payload, with_refusals
from hub.schema.volunteers import Volunteer, load_volunteer
from hub.services import importing
from hub.services import registration as service
from hub.services.registration import Code, OrganizationInput, VolunteerInput

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_ROW_ERRORS = 1000
MAX_LIST = 20


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


AVAILABILITY_BOUND = (f"Weekly windows: at most {MAX_WEEKLY_WINDOWS} separate windows a week "
                      "(overlapping or touching ones count as one), else TOO_MANY_WINDOWS.")


@strawberry.input(description="A skill (服务类别 code or Chinese label) and its level 1–5.")
class SkillInput:
    skill: str
    level: int = 1


@strawberry.input
class VolunteerFields:
    """What a person gives to register (科技志愿者实名注册), or changes."""

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
    availability: list[WeeklyWindowInput] | None = strawberry.field(
        default=None, description=AVAILABILITY_BOUND)
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


@strawberry.input(description="科技志愿者实名注册: who registers, and the team to join.")
class RegisterVolunteerInput(VolunteerFields):
    organization_id: strawberry.ID | None = strawberry.field(default=None, description=(
        "A team to join (whoever may manage it)."))


@strawberry.input(description="A volunteer's details to change: an omitted field is left as "
                              "it is.")
class UpdateVolunteerInput(VolunteerFields):
    id: strawberry.ID


@strawberry.input(description="退出: a volunteer leaves.")
class ExitVolunteerInput:
    id: strawberry.ID
    erase_personal_data: bool = strawberry.field(default=False, description=(
        "Erase ID, phone, birth date, home and name."))


@strawberry.type
class VolunteerResult:
    """The volunteer as they now are."""

    volunteer: Volunteer | None = None


@payload(Code.INVALID, Code.UNDERAGE, Code.EDUCATION_TOO_LOW, Code.DUPLICATE,
         Code.UNKNOWN_REGION, Code.NOT_FOUND, Code.TOO_MANY_WINDOWS)
class RegisterVolunteerPayload(VolunteerResult):
    """注册."""


@payload(Code.INVALID, Code.NOT_FOUND, Code.EXITED, Code.EDUCATION_TOO_LOW, Code.UNKNOWN_REGION,
         Code.TOO_MANY_WINDOWS)
class UpdateVolunteerPayload(VolunteerResult):
    """修改."""


@payload(Code.INVALID, Code.NOT_FOUND)
class ExitVolunteerPayload(VolunteerResult):
    cancelled_dispatches: int = strawberry.field(
        default=0, description="Open dispatch offers cancelled by the exit.")


@strawberry.type
class OrganizationResult:
    """The team as it now is."""

    organization: Organization | None = None


@payload(Code.INVALID, Code.NOT_FOUND, Code.LEVEL_ORDER, Code.NAME_RULE, Code.UNKNOWN_REGION,
         Code.DUPLICATE, suggestion=True)
class RegisterOrganizationPayload(OrganizationResult):
    """注册队伍."""


@payload(Code.INVALID, Code.NOT_FOUND, Code.LEVEL_ORDER)
class MoveOrganizationPayload(OrganizationResult):
    """调整隶属."""


@strawberry.input(description="Make a registered volunteer a member of a team.")
class LinkVolunteerInput:
    volunteer_id: strawberry.ID
    organization_id: strawberry.ID
    role: str = strawberry.field(default="member", description=(
        "member | captain | vice_captain | admin"))


@payload(Code.INVALID, Code.NOT_FOUND, Code.EXITED)
class LinkVolunteerPayload(VolunteerResult):
    organization: Organization | None = None


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


@strawberry.type(description="A note on an accepted or skipped row (提示): a duplicate skipped, "
                             "no home or no team given, a time it could not read.")
class ImportRowNote(ImportRowError):
    pass


@strawberry.input(description="集体注册: a file of volunteers or teams.")
class ImportRegistrationsInput:
    kind: ImportKind
    file: Upload = strawberry.field(description="A .xlsx or .csv file (multipart upload).")
    all_or_nothing: bool = strawberry.field(default=False, description=(
        "Load nothing when any row is rejected."))


@strawberry.type(description="What an import of a file did.")
class ImportResult:
    rows_read: int = 0
    imported: int = 0
    skipped: int = strawberry.field(default=0, description=(
        "Rows imported or registered before (duplicates: an ID number, a team's name under "
        "its parent, a demand's 需求编号)."))
    rejected: int = strawberry.field(default=0, description="Rows with at least one error.")
    loaded: bool = strawberry.field(default=False,
                                    description="False when nothing was loaded.")
    row_errors: list[ImportRowError] = strawberry.field(
        default_factory=list, description=f"The first {MAX_ROW_ERRORS} rejected fields.")
    row_notes: list[ImportRowNote] = strawberry.field(
        default_factory=list, description=f"The first {MAX_ROW_ERRORS} notes (提示).")
    report_xlsx_base64: str | None = strawberry.field(
        default=None, description="Every rejected row (行号, 列名, 内容, 原因) and every note "
                                  "(提示 sheet) as a base64 .xlsx; null when there are neither.")


@payload(Code.INVALID, description="What an import did.")
class ImportRegistrationsPayload(ImportResult):
    """集体注册."""


Answer = TypeVar("Answer", bound=ImportResult)


def import_answer(payload_type: type[Answer], summary: importing.ImportSummary) -> Answer:
    """The payload of an import (volunteers, teams or demands): its counts, the first rejected
    fields and notes, the report, and the file's problems as the payload's errors."""
    return with_refusals(payload_type(
        rows_read=summary.rows_read, imported=summary.imported, skipped=summary.skipped,
        rejected=summary.rejected, loaded=summary.loaded,
        row_errors=[ImportRowError(row=e.row_number, column=e.column, value=e.value_masked,
                                   reason=e.reason, reason_zh=e.reason_zh)
                    for e in summary.errors[:MAX_ROW_ERRORS]],
        row_notes=[ImportRowNote(row=w.row_number, column=w.column, value=w.value_masked,
                                 reason=w.reason, reason_zh=w.reason_zh or w.reason)
                   for w in summary.warnings[:MAX_ROW_ERRORS]],
        report_xlsx_base64=None if summary.ok and not summary.warnings else base64.b64encode(
            summary.report_xlsx()).decode()),
        [Refusal(Code.INVALID, "file", i.message, i.message_zh) for i in summary.file_errors])


async def register_volunteer(info: Info,
                             input: RegisterVolunteerInput) -> RegisterVolunteerPayload:
    ctx = info.context
    org_id = None if input.organization_id is None else decode_id(
        str(input.organization_id), "Organization", "organizationId")
    attempt = service.Attempt(client=ctx.client,
                              per_hour=ctx.settings.register_attempts_per_hour)
    new_id = await service.register_volunteer(ctx.db, ctx.cipher, ctx.caller, input.to_service(),
                                              organization_id=org_id, attempt=attempt)
    return RegisterVolunteerPayload(volunteer=await load_volunteer(info, new_id)
                                    if new_id else None)


async def update_volunteer(info: Info, input: UpdateVolunteerInput) -> UpdateVolunteerPayload:
    ctx = info.context
    volunteer_id = decode_id(str(input.id), "Volunteer")
    await service.update_volunteer(ctx.db, ctx.cipher, ctx.caller, volunteer_id,
                                   input.to_service())
    return UpdateVolunteerPayload(volunteer=await load_volunteer(info, volunteer_id))


async def exit_volunteer(info: Info, input: ExitVolunteerInput) -> ExitVolunteerPayload:
    volunteer_id = decode_id(str(input.id), "Volunteer")
    cancelled = await service.exit_volunteer(info.context.db, info.context.caller, volunteer_id,
                                             erase=input.erase_personal_data)
    return ExitVolunteerPayload(volunteer=await load_volunteer(info, volunteer_id),
                                cancelled_dispatches=cancelled)


@strawberry.input(description="A team (科技志愿服务组织) to register.")
class RegisterOrganizationInput:
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


async def register_organization(info: Info, input: RegisterOrganizationInput
                                ) -> RegisterOrganizationPayload:
    ctx = info.context
    parent = None if input.parent_id is None else decode_id(str(input.parent_id),
                                                            "Organization", "parentId")
    data = OrganizationInput(name=input.name, level=input.level, region_code=input.region_code,
                             parent_id=parent, kind=input.kind, captain_name=input.captain_name,
                             captain_mobile=input.captain_mobile)
    new_id = await service.register_organization(ctx.db, ctx.cipher, ctx.caller, data)
    return RegisterOrganizationPayload(organization=await load_organization(info, new_id))


@strawberry.input(description="Put a team under another parent.")
class MoveOrganizationInput:
    id: strawberry.ID
    parent_id: strawberry.ID | None = strawberry.field(default=None, description=(
        "The new parent; null (or omitted): top level."))


async def move_organization(info: Info, input: MoveOrganizationInput) -> MoveOrganizationPayload:
    org_id = decode_id(str(input.id), "Organization")
    parent = None if input.parent_id is None else decode_id(str(input.parent_id),
                                                            "Organization", "parentId")
    await service.move_organization(info.context.db, info.context.caller, org_id, parent)
    return MoveOrganizationPayload(organization=await load_organization(info, org_id))


async def link_volunteer(info: Info, input: LinkVolunteerInput) -> LinkVolunteerPayload:
    vid = decode_id(str(input.volunteer_id), "Volunteer", "volunteerId")
    oid = decode_id(str(input.organization_id), "Organization", "organizationId")
    await service.link_volunteer(info.context.db, info.context.caller, vid, oid, input.role)
    return LinkVolunteerPayload(volunteer=await load_volunteer(info, vid),
                                organization=await load_organization(info, oid))


async def import_registrations(info: Info,
                               input: ImportRegistrationsInput) -> ImportRegistrationsPayload:
    ctx = info.context
    data: bytes = await input.file.read(MAX_UPLOAD_BYTES + 1)  # type: ignore[attr-defined]
    if len(data) > MAX_UPLOAD_BYTES:
        raise service.RegistrationError("file", Code.INVALID, "the file is larger than "
                                                              f"{MAX_UPLOAD_BYTES // 2**20} MB")
    request = importing.ImportRequest(input.kind.value, data,
                                      getattr(input.file, "filename", None) or "upload",
                                      input.all_or_nothing)
    summary = await importing.import_file(ctx.db, ctx.cipher, ctx.caller, request)
    return import_answer(ImportRegistrationsPayload, summary)


@strawberry.type
class RegistrationMutation:
    register_volunteer: RegisterVolunteerPayload = mutation(
        "科技志愿者注册: anyone may register themself (anonymously); linking to `organizationId` "
        "needs the right to manage that team (admin, its region's dispatcher, an org admin "
        "above it). ID number and age ≥ 18, education high school or above, a mainland "
        "mobile; one ID number once. Anonymous callers, volunteers and partners get "
        "`volunteer: null` and no error whether the ID number was new or already registered "
        "(its holder is told), and are rate-limited per client (RATE_LIMITED).",
        register_volunteer)
    update_volunteer: UpdateVolunteerPayload = mutation(
        "Change a volunteer's details (not the ID number): the volunteer, an admin, the "
        "region's dispatcher, or an org admin above one of their teams.", update_volunteer)
    exit_volunteer: ExitVolunteerPayload = mutation(
        "退出: the volunteer or an admin. An exited volunteer is never dispatched; "
        "`erasePersonalData` erases ID, phone, birth date, home and name (an anonymised label "
        "stays on the service records).", exit_volunteer)
    register_organization: RegisterOrganizationPayload = mutation(
        "Register a team below its parent's level, named by the rules (a suggested name comes "
        "with a NAME_RULE error). Top-level teams: an admin or the region's dispatcher; "
        "others: whoever may manage the parent.", register_organization)
    move_organization: MoveOrganizationPayload = mutation(
        "Put a team under another parent (members and history stay): whoever may manage both "
        "the team and the new parent; top level: admins only.", move_organization)
    link_volunteer: LinkVolunteerPayload = mutation(
        "Make a registered volunteer (e.g. imported without a team) a member (role member | "
        "captain | vice_captain | admin): whoever may manage the team and already has the "
        "volunteer in scope, or the volunteer themself (joining as a member).", link_volunteer)
    import_registrations: ImportRegistrationsPayload = mutation(
        "集体注册: a .xlsx or .csv file (GraphQL multipart upload) of volunteers or teams, by an "
        "admin, dispatcher (their region) or org admin (their subtree; volunteers without a "
        "team join the org admin's team). Idempotent on ID number and on team name within its "
        "parent.", import_registrations)
