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
from hub.schema.payloads import mutation, payload
from hub.schema.registration import MAX_UPLOAD_BYTES, ImportResult, import_answer
from hub.services import demand_import, importing
from hub.services.workflow import Code, WorkflowError


@strawberry.input(description="点单导入: a file of demands in the demand template.")
class ImportDemandsInput:
    file: Upload = strawberry.field(description="A .xlsx or .csv file (multipart upload).")
    all_or_nothing: bool = strawberry.field(default=False, description=(
        "Load nothing when any row is rejected."))


@payload(Code.INVALID, description="What an import of demands did.")
class ImportDemandsPayload(ImportResult):
    """点单导入."""


async def import_demands(info: Info, input: ImportDemandsInput) -> ImportDemandsPayload:
    ctx = info.context
    data: bytes = await input.file.read(MAX_UPLOAD_BYTES + 1)  # type: ignore[attr-defined]
    if len(data) > MAX_UPLOAD_BYTES:
        raise WorkflowError(Code.INVALID, "file", "the file is larger than "
                                                  f"{MAX_UPLOAD_BYTES // 2**20} MB",
                            f"文件超过 {MAX_UPLOAD_BYTES // 2**20} MB")
    request = importing.ImportRequest(
        "demands", data, getattr(input.file, "filename", None) or "upload", input.all_or_nothing)
    summary = await demand_import.import_demands(ctx.db, ctx.caller, request)
    return import_answer(ImportDemandsPayload, summary)


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
