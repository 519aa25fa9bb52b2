"""``hub.match_part``: one part of a fanned-out dispatch, solved by whichever worker takes it
(queue ``matching``); and the coordinator's side: a solver for ``hub match --fanout`` that
defers the parts' jobs. The work is hub.services.fanout's (docs/matching.md, "Fanned out")."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Executor

import procrastinate

from hub.jobs.context import resources
from hub.matching import Plan, Problem
from hub.services import fanout, matching
from hub.services.events import conninfo_of
from hub.settings import Settings
from hub.store.base import Database

MATCH_PART = "hub.match_part"
MATCH_QUEUE = "matching"
Solver = Callable[[Problem], Awaitable[Plan]]


def worker_name(context: procrastinate.JobContext) -> str:
    """Who solved a part: the worker's name, else host and process id."""
    named = getattr(context, "worker_name", None)
    return str(named) if named else f"{socket.gethostname()}:{os.getpid()}"


async def match_part(context: procrastinate.JobContext, fanout_id: str, part: int) -> str:
    """Solve part ``part`` of fan-out ``fanout_id`` and store its result."""
    hub = resources(context)
    return await fanout.solve_stored_part(hub.db, fanout_id=fanout_id, part=part,
                                          solved_by=worker_name(context))


def register(app: procrastinate.App, retry: procrastinate.BaseRetryStrategy) -> None:
    """Add the part task."""
    app.task(name=MATCH_PART, queue=MATCH_QUEUE, retry=retry, pass_context=True)(match_part)


def deferring(app: procrastinate.App) -> fanout.Defer:
    """Defer the job of a part on ``app`` (open)."""

    async def defer(fanout_id: str, part: int) -> None:
        await app.configure_task(MATCH_PART, queue=MATCH_QUEUE).defer_async(
            fanout_id=fanout_id, part=part)

    return defer


@contextlib.asynccontextmanager
async def fanned_solver(url: str, db: Database) -> AsyncIterator[Solver]:
    """A solver that fans the problem out to the workers of the queue at ``url``."""
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url, min_size=1,
                                                                     max_size=2))
    async with app.open_async():
        defer = deferring(app)

        async def solve(problem: Problem) -> Plan:
            return (await fanout.solve_fanned(db, problem, defer=defer)).plan

        yield solve


def preview_solver(db: Database, settings: Settings, executor: Executor | None) -> Solver:
    """The dispatch preview's solver (hub.schema): in process, unless the problem has
    ``HUB_MATCH_FANOUT_MIN_DEMANDS`` demands or more; then fanned out when a worker is up and
    takes a part (``services.fanout.solve_chosen``), deferring through an app opened on the
    preview's database for the solve's duration."""
    least = settings.match_fanout_min_demands

    async def solve(problem: Problem) -> Plan:
        if not fanout.wants_workers(problem, least):
            return await matching.solve_in(executor, problem)
        connector = procrastinate.PsycopgConnector(conninfo=await conninfo_of(db), min_size=1,
                                                   max_size=1)
        app = procrastinate.App(connector=connector)
        async with app.open_async():
            return await fanout.solve_chosen(db, problem, defer=deferring(app),
                                             min_demands=least, executor=executor)

    return solve
