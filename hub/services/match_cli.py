"""``hub match --region CODE --from DATE --to DATE``: solve from PostGIS and store the plan."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hub.auth.tokens import SYSTEM
from hub.geo.divisions import DivisionCodeError, normalize_code, subtree_prefix
from hub.matching import plan_to_dict
from hub.services import matching
from hub.services.matching import CST, MatchError, MatchRequest, Solver
from hub.store.base import ConnectionDatabase, connect

#: Opens a solver on the command's database for the command's duration.
SolverScope = Callable[[ConnectionDatabase], AbstractAsyncContextManager[Solver]]


def parse_moment(text: str, field: str) -> datetime:
    """A date (midnight, China Standard Time) or an ISO date-time with a zone."""
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), CST)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise MatchError(field, f"{text!r} is not a date (2026-12-01) or date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=CST)


async def match_region(db: ConnectionDatabase, request: MatchRequest, *, plan_path: Path | None,
                       commit: bool, ttl_s: int, solver: Solver | None = None) -> dict[str, Any]:
    """Preview (and optionally commit) a plan; return the summary the CLI prints. ``solver``:
    in this process unless given (``--fanout``: the job queue's workers)."""
    result = await matching.preview(db, SYSTEM, request,
                                    solver=solver or (lambda p: matching.solve_in(None, p)))
    doc = plan_to_dict(result.plan)
    if plan_path is not None:
        plan_path.write_text(json.dumps(doc, ensure_ascii=False, indent=1))
    summary = {"planId": result.plan_id, "demands": len(result.problem.demands),
               "slots": sum(d.needed for d in result.problem.demands),
               "volunteers": len(result.problem.volunteers), **{
                   k: doc["stats"][k] for k in ("solver", "status", "filledSlots",
                                                "totalDistanceM", "seconds")}}
    if commit:
        done = await matching.commit(db, SYSTEM, plan_id=result.plan_id, ttl_s=ttl_s)
        summary["offered"], summary["skipped"] = done.offered, len(done.skipped)
    return summary


async def _run(url: str, request: MatchRequest, plan_path: Path | None, commit: bool,
               ttl_s: int, scope: SolverScope | None) -> dict[str, Any]:
    async with connect(url, autocommit=True) as db:
        if scope is None:
            return await match_region(db, request, plan_path=plan_path, commit=commit,
                                      ttl_s=ttl_s)
        async with scope(db) as solver:
            return await match_region(db, request, plan_path=plan_path, commit=commit,
                                      ttl_s=ttl_s, solver=solver)


def run(url: str, *, region: str, starts: str, ends: str, options: str | None,
        plan_path: str | None, commit: bool, ttl_s: int, scope: SolverScope | None = None
        ) -> int:
    """Exit status 0 on success, 2 on bad input. ``scope`` opens another solver (the
    fanned-out one of hub.jobs.fanout) on the command's database."""
    try:
        code = normalize_code(region)
        request = MatchRequest(code, subtree_prefix(code), parse_moment(starts, "--from"),
                               parse_moment(ends, "--to"), json.loads(options or "{}"))
        summary = asyncio.run(_run(url, request, Path(plan_path) if plan_path else None,
                                   commit, ttl_s, scope))
    except (DivisionCodeError, MatchError, json.JSONDecodeError) as exc:
        print(f"hub match: {exc}", file=sys.stderr)
        return 2
    width = max(len(k) for k in summary)
    for key, value in summary.items():
        shown = f"{value:,.1f}" if isinstance(value, float) else value
        print(f"{key:<{width}}  {shown}")
    return 0
