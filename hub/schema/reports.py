"""GraphQL for the reports sent upward (issue 16.7): the yearly summary as a spreadsheet
(:mod:`hub.services.reports`) and the MZ/T 061 export (:mod:`hub.services.standard_export`),
each handed over as a base64 download, as import reports are."""

from __future__ import annotations

import strawberry

from hub.schema.context import Info
from hub.schema.payloads import mutation, payload
from hub.schema.recognition import Download, ExportFormat
from hub.services import reports, standard_export
from hub.services.workflow import Code


@strawberry.input(description="The region (6, 9 or 12 digits) and year of a yearly summary.")
class ExportAnnualReportInput:
    region_code: str
    year: int


@strawberry.input(description="The region and year of an MZ/T 061 export, and its format.")
class ExportVolunteerServiceDataInput:
    region_code: str
    year: int
    format: ExportFormat = ExportFormat.XLSX


@payload(Code.INVALID, Code.UNKNOWN_REGION)
class ExportAnnualReportPayload:
    download: Download | None = None


@payload(Code.INVALID, Code.UNKNOWN_REGION)
class ExportVolunteerServiceDataPayload:
    download: Download | None = None


async def _annual(info: Info, input: ExportAnnualReportInput) -> ExportAnnualReportPayload:
    found = await reports.annual(info.context.db, info.context.caller,
                                 region_code=input.region_code, year=input.year)
    return ExportAnnualReportPayload(download=Download.of(found))


async def _standard(info: Info, input: ExportVolunteerServiceDataInput
                    ) -> ExportVolunteerServiceDataPayload:
    ctx = info.context
    found = await standard_export.export(ctx.db, ctx.cipher, ctx.caller,
                                         region_code=input.region_code, year=input.year,
                                         fmt=input.format.value)
    return ExportVolunteerServiceDataPayload(download=Download.of(found))


@strawberry.type
class ReportMutation:
    export_annual_report: ExportAnnualReportPayload = mutation(
        "The yearly summary of a region (年度工作总结: teams, members by cohort, projects, "
        "activities, hours, people served, stations, 老少边贫 share, recognitions) as .xlsx "
        "with Chinese headers (admins; dispatchers for their region).", _annual)
    export_volunteer_service_data: ExportVolunteerServiceDataPayload = mutation(
        "Volunteers, organisations, projects, training, awards, service time, evaluations and "
        "certificates of a region and year in the data elements of MZ/T 061, with the "
        "volunteer unified number instead of the ID number (admins only).", _standard)
