"""``hub report annual|mzt061|recognition``: the reports sent upward, written to a file.

Run as the hub itself (:data:`hub.auth.tokens.SYSTEM`, which may do what an admin may): the
person at the console is trusted with the database already. Exit status 0 on success, 2 on
bad input (the message names the field and the value, in Chinese and English).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from hub.auth.tokens import SYSTEM
from hub.pii import load_or_create_key
from hub.services import recognition_lists, reports, standard_export
from hub.services.recognition_lists import Download
from hub.services.workflow import Refused, WorkflowError
from hub.settings import Settings
from hub.store.base import connect


async def _make(url: str, settings: Settings, what: str, *, region: str | None, year: int | None,
                round_id: int | None, fmt: str) -> Download:
    async with connect(url, autocommit=True) as db:
        if what == "annual":
            return await reports.annual(db, SYSTEM, region_code=region or "", year=year or 0)
        if what == "mzt061":
            cipher = load_or_create_key(configured=settings.data_key, home=settings.home)
            return await standard_export.export(db, cipher, SYSTEM, region_code=region or "",
                                                year=year or 0, fmt=fmt)
        return await recognition_lists.export_list(db, SYSTEM, round_id=round_id or 0, fmt=fmt)


def run(url: str, settings: Settings, what: str, *, region: str | None, year: int | None,
        round_id: int | None, fmt: str, out: str | None) -> int:
    """Write the report to ``out`` (default: its own file name in the current directory)."""
    try:
        found = asyncio.run(_make(url, settings, what, region=region, year=year,
                                  round_id=round_id, fmt=fmt))
    except (WorkflowError, Refused) as exc:
        for error in exc.errors if isinstance(exc, Refused) else [exc]:
            print(f"hub report {what}: {error.field}: {error.message}"
                  f"{' / ' + error.message_zh if error.message_zh else ''}", file=sys.stderr)
        return 2
    path = Path(out or found.file_name)
    path.write_bytes(found.content)
    print(f"{path} ({len(found.content)} bytes, {found.content_type})")
    return 0
