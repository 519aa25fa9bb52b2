"""GraphQL for 点单导入: ``importDemands`` takes the demand template (GraphQL multipart upload,
``input.file``) and answers as ``importRegistrations`` does: counts, the first rejected fields
and notes, and the full report as a base64 .xlsx; ``demandImportTemplate`` gives the template.
"""

from __future__ import annotations

import base64
import io

import strawberry
from strawberry.file_uploads import Upload

from hub.registration.templates import write_template
from hub.schema.context import Info
from hub.schema.payloads import Refusal, mutation, payload, with_refusals
from hub.schema.registration import (
    MAX_ROW_ERRORS,
    MAX_UPLOAD_BYTES,
    ImportRowError,
    ImportRowNote,
)
from hub.services import demand_import
from hub.services.workflow import Code, WorkflowError


@strawberry.input(description="点单导入: a file of demands in the demand template.")
class ImportDemandsInput:
    file: Upload = strawberry.field(description="A .xlsx or .csv file (multipart upload).")
    all_or_nothing: bool = strawberry.field(default=False, description=(
        "Load nothing when any row is rejected."))


@payload(Code.INVALID, description="What an import of demands did.")
class ImportDemandsPayload:
    rows_read: int = 0
    imported: int = 0
    skipped: int = strawberry.field(default=0, description="需求编号 imported before.")
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


async def import_demands(info: Info, input: ImportDemandsInput) -> ImportDemandsPayload:
    ctx = info.context
    data: bytes = await input.file.read(MAX_UPLOAD_BYTES + 1)  # type: ignore[attr-defined]
    if len(data) > MAX_UPLOAD_BYTES:
        raise WorkflowError(Code.INVALID, "file", "the file is larger than "
                                                  f"{MAX_UPLOAD_BYTES // 2**20} MB",
                            f"文件超过 {MAX_UPLOAD_BYTES // 2**20} MB")
    request = demand_import.DemandImportRequest(
        data, getattr(input.file, "filename", None) or "upload", input.all_or_nothing)
    summary = await demand_import.import_demands(ctx.db, ctx.caller, request)
    return with_refusals(ImportDemandsPayload(
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


@strawberry.type
class DemandImportMutation:
    import_demands: ImportDemandsPayload = mutation(
        "点单导入: a .xlsx or .csv file in the demand template (GraphQL multipart upload) by an "
        "admin or a dispatcher (rows of their region only). Rows are checked as raiseDemand "
        "checks a demand and reported row by row (row, column, value, reason in Chinese and "
        "English); good rows become open demands (no review), unless `allOrNothing` and a row "
        "is bad. Idempotent on 需求编号 within the importer's region.", import_demands)


@strawberry.type
class DemandImportQuery:
    @strawberry.field(description="The demand import template (.xlsx, 需求信息 sheet and 填写说明) "
                                  "as base64.")
    def demand_import_template(self) -> str:
        out = io.BytesIO()
        write_template("demands", out)
        return base64.b64encode(out.getvalue()).decode()
