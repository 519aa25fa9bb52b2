"""A worker's liveness, for container health checks and Kubernetes probes.

``hub worker --alive-file PATH`` rewrites PATH every :data:`PERIOD_S` seconds while its event
loop turns and procrastinate's connector reaches the job queue (``check_connection_async``:
the same connection that fetches jobs). ``hub worker --check --alive-file PATH`` then answers
0 when the file was written within ``--max-age`` seconds, else 1 with the reason: a worker
whose loop is stuck, whose database is gone, or which died, stops writing. The file is the
container's own (e.g. under /tmp), never a volume shared between workers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

log = logging.getLogger(__name__)

PERIOD_S = 10.0
MAX_AGE_S = 60.0


async def beating(path: Path, reachable: Callable[[], Awaitable[bool]], *,
                  period_s: float = PERIOD_S) -> None:
    """Write ``path`` (pid and time) after each successful check, until cancelled."""
    while True:
        try:
            ok = await asyncio.wait_for(reachable(), timeout=period_s)
        except Exception as exc:  # any failure: this beat is skipped, the reason logged
            log.warning("worker liveness: the job queue did not answer: %s", exc)
            ok = False
        if ok:
            scratch = path.with_name(path.name + ".new")
            scratch.write_text(f"{os.getpid()} {time.time():.3f}\n")
            scratch.replace(path)  # atomic: a check never reads half a file
        await asyncio.sleep(period_s)


def check(path: Path, *, max_age_s: float = MAX_AGE_S, now: float | None = None) -> str | None:
    """None when ``path`` was written within ``max_age_s``; else why not."""
    try:
        written = float(path.read_text().split()[1])
    except FileNotFoundError:
        return f"{path} does not exist: the worker has not reached its job queue yet"
    except (OSError, IndexError, ValueError) as exc:
        return f"{path} is unreadable: {exc}"
    age = (time.time() if now is None else now) - written
    if age > max_age_s:
        return (f"last beat {age:.0f} s ago (more than {max_age_s:.0f} s): the worker is "
                "stuck, stopped or cannot reach its database")
    return None
