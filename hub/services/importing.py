"""集体注册: import a volunteers or organisations file (.xlsx / .csv) in one transaction.

Every row is validated by :mod:`hub.registration`, then checked against the database (known
division codes, teams named in the file, the caller's scope). Good rows are loaded, bad rows
reported with their column and reason; with ``all_or_nothing`` nothing is loaded when any row
is bad. Volunteers are COPYed into a temporary stage and moved with ``INSERT … ON CONFLICT
DO NOTHING`` on the ID-number hash, teams inserted ``ON CONFLICT DO NOTHING`` on (parent,
name): importing the same file twice changes nothing, and the repeats count as skipped.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

import numpy as np

from hub.auth import Caller, Role
from hub.auth.actions import Action, can, require, subject
from hub.geo.crs import convert
from hub.pii import PiiCipher, mask_id_number
from hub.registration.org_rows import OrganizationRow, validate_organization_rows
from hub.registration.results import FileIssue, RowError, RowResults, RowWarning
from hub.registration.rows import Skill, VolunteerRow, validate_volunteer_rows
from hub.registration.table import Table, TableError, read_table
from hub.registration.templates import write_report
from hub.services.import_checks import (
    ALREADY_REGISTERED,
    NO_TEAM_GIVEN,
    TEAM_EXISTS,
    UNKNOWN_REGION,
    Kind,
    Named,
    code12,
    errors_of,
    problems_of,
    row_error,
    row_warning,
)
from hub.services.registration_values import (
    ORG_KIND_COLUMN,
    encrypted_id,
    encrypted_phone,
    id_hash,
    may_manage_org,
    point_ewkt,
    today_cst,
    weekly_from_text,
)
from hub.store import imports, organizations, regions, volunteer_import, volunteers
from hub.store.base import ConnectionDatabase, Database

KINDS: tuple[Kind, ...] = ("volunteers", "organizations")
Progress = Callable[[str, int, int], None]
"""``progress(phase, done, total)``: "check" (read and validate; total 0 until done), "load"."""
MAX_ROWS = 200_000
CHUNK = 20_000
_PROFILE_KEYS = ("specialty", "employer", "title", "email", "address", "availability", "note")


def _quiet(phase: str, done: int, total: int) -> None:
    """No progress output."""


@dataclass
class ImportSummary:
    """What an import did. ``ok``: every row imported or skipped as a duplicate."""

    kind: Kind
    rows_read: int = 0
    imported: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[FileIssue] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    batch_id: int | None = None
    loaded: bool = False

    @property
    def rejected(self) -> int:
        """Rows with at least one error."""
        return len({e.row_number for e in self.errors})

    @property
    def ok(self) -> bool:
        return not self.file_errors and not self.errors

    def line(self) -> str:
        """The summary line the CLI prints."""
        return (f"imported {self.imported}, skipped {self.skipped} (duplicates), "
                f"rejected {self.rejected}")

    def report_xlsx(self) -> bytes:
        """The report of every rejected row (行号, 列名, 填写内容 masked, 原因) as .xlsx."""
        out = io.BytesIO()
        write_report(self.errors, out, file_errors=self.file_errors, warnings=self.warnings)
        return out.getvalue()


@dataclass(frozen=True)
class ImportRequest:
    """One file to import and how."""

    kind: Kind
    data: bytes
    filename: str
    all_or_nothing: bool = False


class _Abort(Exception):
    """Rolls the import's transaction back (all-or-nothing with bad rows)."""


R = TypeVar("R")


async def validated(summary: ImportSummary, validate: Callable[[], RowResults[R]]
                    ) -> RowResults[R] | None:
    """Read and validate a file (``validate``, in a thread) and take its counts and problems
    into ``summary``; None when the file as a whole cannot be used (problems in ``summary``)."""
    try:
        results = await asyncio.to_thread(validate)
    except TableError as exc:
        summary.file_errors.append(FileIssue(exc.message, exc.message_zh))
        return None
    summary.rows_read = results.rows_read
    summary.errors, summary.file_errors = list(results.errors), list(results.file_errors)
    summary.warnings = list(results.row_warnings)
    return None if summary.file_errors else results


def _validate(request: ImportRequest, today: date) -> RowResults[Any]:
    table: Table = read_table(request.data, request.filename, max_rows=MAX_ROWS)
    if request.kind == "volunteers":
        return validate_volunteer_rows(table, today=today)
    return validate_organization_rows(table, today=today)


async def import_file(db: Database, cipher: PiiCipher, caller: Caller, request: ImportRequest,
                      *, progress: Progress = _quiet) -> ImportSummary:
    """Validate and load one file; see the module docstring."""
    require(caller, Action.REGISTRATIONS_IMPORT,
            what="import registrations (an admin, a dispatcher or an org admin may)")
    summary = ImportSummary(request.kind)
    progress("check", 0, 0)
    results = await validated(summary, lambda: _validate(request, today_cst()))
    progress("check", summary.rows_read, summary.rows_read)
    if results is None:
        return summary
    if request.all_or_nothing and summary.errors:  # nothing loads: still report every problem
        if request.kind == "volunteers":
            await _check_references(db, caller, [*results.rejected_references, *results.good],
                                    summary)
        return summary
    async def load(tx: ConnectionDatabase) -> None:
        if request.kind == "volunteers":
            await _check_references(tx, caller, results.rejected_references, summary)
            await _load_volunteers(tx, cipher, caller, results.good, summary, progress)
        else:
            await _load_organizations(tx, cipher, caller, results.good, summary, progress)

    return await load_in_batch(db, caller, summary, request, load)


async def load_in_batch(db: Database, caller: Caller, summary: ImportSummary,
                        request: ImportRequest,
                        load: Callable[[ConnectionDatabase], Awaitable[None]]) -> ImportSummary:
    """Record the file as an import batch and run ``load`` in one transaction with it; with
    ``all_or_nothing`` roll all back when a row was rejected (``loaded`` stays False)."""
    try:
        async with db.transaction() as tx:
            summary.batch_id = batch_id = await imports.create(tx, values={
                "kind": request.kind, "filename": request.filename[:200],
                "file_sha256": hashlib.sha256(request.data).digest(),
                "imported_by": caller.sub or "cli", "organization_id": caller.org,
                "all_or_nothing": request.all_or_nothing, "rows_read": summary.rows_read,
                "imported": 0, "skipped": 0, "rejected": summary.rejected})
            await load(tx)
            if request.all_or_nothing and summary.errors:
                raise _Abort
            await imports.update(tx, batch_id=batch_id, imported=summary.imported,
                                 skipped=summary.skipped, rejected=summary.rejected)
    except _Abort:
        summary.imported = summary.skipped = 0
        summary.batch_id = None
        return summary
    summary.loaded = True
    return summary


# -- volunteers --------------------------------------------------------------------------------
async def _check_references(db: Database, caller: Caller, refs: Sequence[Named],
                            summary: ImportSummary) -> None:
    """Report an unknown team or division of rows already rejected for other reasons, so
    the uploader sees every problem of a row at once (and of every row, when nothing loads)."""
    if refs:
        summary.errors += errors_of((await problems_of(db, caller, refs))[0])


async def _check_volunteers(db: Database, caller: Caller, rows: Sequence[VolunteerRow],
                            summary: ImportSummary) -> list[tuple[VolunteerRow, int | None]]:
    """Rows that pass the database checks, with their team id; a warning for each row that
    joins no team."""
    problems, teams = await problems_of(db, caller, rows)
    summary.errors += errors_of(problems)
    default_team = caller.org if caller.role is Role.ORG_ADMIN else None
    good: list[tuple[VolunteerRow, int | None]] = []
    for row in rows:
        if problems[row.row_number]:
            continue
        team = teams[row.team_name] if row.team_name else default_team
        if team is None:
            summary.warnings.append(row_warning("volunteers", row.row_number, "team", "",
                                                NO_TEAM_GIVEN))
        good.append((row, team if isinstance(team, int) else None))
    return good


def _homes(rows: Sequence[VolunteerRow]) -> list[str | None]:
    """WGS-84 EWKT homes, converted per CRS in vectorised batches."""
    lon = np.array([r.longitude if r.longitude is not None else np.nan for r in rows])
    lat = np.array([r.latitude if r.latitude is not None else np.nan for r in rows])
    crs = np.array([r.crs or "WGS84" for r in rows])
    for name in ("GCJ02", "BD09"):
        mask = crs == name
        if mask.any():
            lon[mask], lat[mask] = convert(lon[mask], lat[mask], name, "WGS84")
    return [None if np.isnan(x) else point_ewkt(x, y)
            for x, y in zip(lon.tolist(), lat.tolist(), strict=True)]


Fresh = tuple[VolunteerRow, int | None, bytes]
"""A row to load, its team id and its ID-number hash."""


def _prepare(rows: Sequence[Fresh], cipher: PiiCipher, batch_id: int | None,
             by: str) -> list[tuple[Any, ...]]:
    """Stage rows: personal numbers encrypted and hashed, homes in WGS-84."""
    out = []
    for (row, team, hashed), home in zip(rows, _homes([r[0] for r in rows]), strict=True):
        ident = encrypted_id(cipher, row.id_number, hashed)
        phone = encrypted_phone(cipher, row.mobile)
        profile = {k: v for k in _PROFILE_KEYS if (v := getattr(row, k))}
        out.append((
            row.row_number, team, row.team_role, row.name, ident["id_number_enc"],
            ident["id_number_hash"], ident["id_number_masked"], phone["phone_enc"],
            phone["phone_hash"], phone["phone_masked"], row.birth_date, row.gender,
            row.education, list(row.cohorts), _skills_json(row.skills), home,
            code12(row.region_code) if row.region_code else None,
            _weekly(row.availability), row.insurance_until, by, batch_id,
            _JSON(profile) if profile else "{}"))
    return out


_JSON = json.JSONEncoder(ensure_ascii=False).encode


@functools.lru_cache(maxsize=4096)
def _skills_json(skills: tuple[Skill, ...]) -> str:
    return _JSON({s.code: s.level for s in skills})


@functools.lru_cache(maxsize=4096)
def _weekly(text: str | None) -> str:
    return weekly_from_text(text) or "{}"


async def _load_volunteers(tx: ConnectionDatabase, cipher: PiiCipher, caller: Caller,
                           rows: Sequence[VolunteerRow], summary: ImportSummary,
                           progress: Progress) -> None:
    """Rows whose ID number is registered are skipped before any encryption; the others are
    COPYed chunk by chunk, the next chunk encrypted (in a thread) while the server inserts
    the previous one, so the two cores work at once. ``ON CONFLICT`` still guards against a
    concurrent import of the same people."""
    good = await _check_volunteers(tx, caller, rows, summary)
    if not good:
        return
    hashes = await asyncio.to_thread(lambda: [id_hash(cipher, r.id_number) for r, _ in good])
    taken = await volunteers.list_registered(tx, hashes=hashes)
    fresh = [(r, team, h) for (r, team), h in zip(good, hashes, strict=True) if h not in taken]
    summary.warnings += [row_warning("volunteers", r.row_number, "id_number",
                                  mask_id_number(r.id_number) or "", ALREADY_REGISTERED)
                         for (r, _), h in zip(good, hashes, strict=True) if h in taken]
    await volunteer_import.create_stage(tx)
    by, inserted, pending = caller.sub or "cli", 0, None
    for start in range(0, len(fresh), CHUNK):
        staged = await asyncio.to_thread(_prepare, fresh[start:start + CHUNK], cipher,
                                         summary.batch_id, by)
        if pending is not None:
            inserted += (await pending)[0]
        await volunteer_import.copy_stage(tx, rows=staged)
        pending = asyncio.ensure_future(volunteer_import.create_from_stage(tx))
        progress("load", start + len(staged), len(fresh))
    if pending is not None:
        inserted += (await pending)[0]
    summary.imported, summary.skipped = inserted, len(good) - inserted


# -- organisations ------------------------------------------------------------------------------
async def _load_organizations(tx: ConnectionDatabase, cipher: PiiCipher, caller: Caller,
                              rows: Sequence[OrganizationRow], summary: ImportSummary,
                              progress: Progress) -> None:
    """Insert teams parents first; a parent is one of this file or a team in the database."""
    in_file: dict[str, dict[str, Any]] = {}
    names = sorted({r.parent_name for r in rows if r.parent_name})
    in_db: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for team in await organizations.list_named(tx, names=names):
        in_db[team["name"]].append(team)
    known = await regions.list_known(tx, codes={code12(r.region_code) for r in rows})
    for done, row in enumerate(sorted(rows, key=lambda r: (r.level_rank, r.row_number))):
        parent, why = _parent_of(row, in_file, in_db)
        region = code12(row.region_code)
        if why is None and region not in known:
            why = ("region_code", *UNKNOWN_REGION)
        if why is None:
            why = _org_scope(caller, row, parent, region)
        if why is not None:
            key, reason, reason_zh = why
            shown = row.parent_name if key == "parent" else region if key == "region_code" \
                else row.name
            summary.errors.append(row_error("organizations", row.row_number, key, shown or "",
                                         reason, reason_zh))
            continue
        values = _org_values(row, cipher, parent, region, caller, summary.batch_id)
        org_id = await organizations.create(tx, values=values)
        if org_id is None:
            summary.skipped += 1
            summary.warnings.append(row_warning("organizations", row.row_number, "name",
                                                row.name or "", TEAM_EXISTS))
            found = await organizations.get_under(tx, parent_id=values["parent_id"],
                                                   name=row.name)
            assert found is not None  # the conflict was on this name under this parent
            in_file[row.name] = found
        else:
            summary.imported += 1
            in_file[row.name] = {"id": org_id, "level": row.level, "region_code": region,
                                 "path": f"{parent['path']}.{org_id}" if parent else str(org_id)}
        progress("load", done + 1, len(rows))


Why = tuple[str, str, str] | None


def _parent_of(row: OrganizationRow, in_file: dict[str, dict[str, Any]],
               in_db: dict[str, list[dict[str, Any]]]) -> tuple[dict[str, Any] | None, Why]:
    if not row.parent_name:
        return None, None
    if row.parent_name in in_file:
        return in_file[row.parent_name], None
    found = in_db.get(row.parent_name, [])
    if not found:
        return None, ("parent", "no team of this name in the file or registered",
                      "上级队伍不存在（文件中和平台上均未找到）")
    if len(found) > 1:
        return None, ("parent", "several registered teams have this name",
                      "平台上有多支同名队伍，无法确定上级")
    parent = found[0]
    if row.level_rank <= {"corps": 1, "team": 2, "detachment": 3, "squad": 4}[parent["level"]]:
        return None, ("level", f"a {row.level} cannot sit under a {parent['level']}",
                      "层级须低于上级队伍")
    return parent, None


def _org_scope(caller: Caller, row: OrganizationRow, parent: dict[str, Any] | None,
               region: str) -> Why:
    if parent is not None:
        if may_manage_org(caller, parent):
            return None
        return ("parent", "is not a team you manage", "上级队伍不在您的管理范围内")
    if can(caller, Action.TEAM_CREATE_TOP, subject(region_code=region)):
        return None
    return ("parent", "only an admin or the region's dispatcher may add a top-level team",
            "只有管理员或本地区调度员可以新建顶级队伍")


def _org_values(row: OrganizationRow, cipher: PiiCipher, parent: dict[str, Any] | None,
                region: str, caller: Caller, batch_id: int | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": row.name, "level": row.level, "parent_id": parent["id"] if parent else None,
        "region_code": region, "kind": ORG_KIND_COLUMN.get(row.kind or "other", "other"),
        "registered_by": caller.sub or "cli", "import_batch_id": batch_id,
        "captain_name": row.captain_name, "admin_name": row.admin_name,
        **encrypted_phone(cipher, row.captain_mobile, "captain_phone"),
        "profile": {k: v for k in ("kind", "email", "address", "description", "note")
                    if (v := getattr(row, k))} | (
            {"founded_on": row.founded_on.isoformat()} if row.founded_on else {}) | (
            {"service_categories": list(row.service_categories)}
            if row.service_categories else {}),
    }
    if row.admin_mobile:
        values |= encrypted_phone(cipher, row.admin_mobile, "admin_phone")
    return values
