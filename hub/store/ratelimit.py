"""Statements on fixed-window rate limits (rate_limit, migration 0014)."""

from __future__ import annotations

from hub.store.base import Database

STALE_AFTER_S = 2 * 86400
"""Windows older than this are deleted, a few at a time, whenever a new window opens."""


async def count_hit(db: Database, *, bucket: str, window_s: int) -> tuple[int, float]:
    """Count one hit in ``bucket``'s current window: (hits so far, seconds the window has left).

    One upsert, so concurrent hits from any number of processes are all counted.
    """
    rows = await db.fetch(
        "INSERT INTO rate_limit AS r (bucket, window_start, hits) VALUES (%(b)s, "
        "to_timestamp(floor(extract(epoch FROM now()) / %(w)s) * %(w)s), 1) "
        "ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + 1 "
        "RETURNING hits, extract(epoch FROM r.window_start + make_interval(secs => %(w)s) "
        "- now())::float8 AS left_s", {"b": bucket, "w": window_s})
    hits, left_s = int(rows[0]["hits"]), float(rows[0]["left_s"])
    if hits == 1:
        await db.fetch(
            "DELETE FROM rate_limit WHERE (bucket, window_start) IN (SELECT bucket, window_start "
            "FROM rate_limit WHERE window_start < now() - make_interval(secs => %(s)s) LIMIT 100)",
            {"s": STALE_AFTER_S})
    return hits, left_s
