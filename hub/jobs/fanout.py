"""``hub.match_part``: one part of a fanned-out dispatch, solved by whichever worker takes it
(queue ``matching``); and the coordinator's side: a solver for ``hub match --fanout`` that
defers the parts' jobs. The work is hub.services.fanout's (docs/matching.md, "Fanned out")."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import procrastinate

from hub.jobs.context import resources
from hub.matching import Plan, Problem
from hub.services import fanout
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
