"""Steps the attendance tests share."""

from __future__ import annotations

from typing import Any

import psycopg


async def started(aconn: psycopg.AsyncConnection[Any], activity: int) -> None:
    """The activity began an hour ago and ends in two."""
    await aconn.execute("UPDATE activity SET time_window = tstzrange(now() - interval '1 hour',"
                        " now() + interval '2 hours') WHERE id = %s", (activity,))
