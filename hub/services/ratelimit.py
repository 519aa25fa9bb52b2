"""Rate limits: a fixed window per bucket, counted in PostgreSQL so every process shares it."""

from __future__ import annotations

import math

from hub.store import ratelimit as store
from hub.store.base import Database


class RateLimited(Exception):
    """Too many attempts: ``RATE_LIMITED``, with the seconds until the window ends."""

    code = "RATE_LIMITED"

    def __init__(self, what: str, retry_after_s: int) -> None:
        super().__init__(f"too many {what}; try again in {retry_after_s} s")
        self.message = str(self)
        self.message_zh = f"操作过于频繁，请 {retry_after_s} 秒后再试"
        self.retry_after_s = retry_after_s


async def check(db: Database, *, bucket: str, limit: int, window_s: int, what: str) -> None:
    """Count an attempt in ``bucket``; :class:`RateLimited` once more than ``limit`` were made
    in the current window (the refused attempts count too, so hammering does not help)."""
    async with db.transaction() as tx:
        hits, left_s = await store.update_hits(tx, bucket=bucket, window_s=window_s)
    if hits > limit:
        raise RateLimited(what, max(1, math.ceil(left_s)))
