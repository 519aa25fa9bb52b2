"""``hub station-staff PHONE STATION``: make the account of a mobile a station's staff.

Station staff then sign in as everyone does (a phone code or WeChat, docs/sign-in.md); the
command acts as the explicit system caller, as ``hub import`` does.
"""

from __future__ import annotations

import asyncio
import sys

from hub.auth.tokens import SYSTEM
from hub.pii import load_or_create_key
from hub.services import profile
from hub.services.workflow_errors import WorkflowError
from hub.settings import Settings
from hub.store.base import connect


async def _run(url: str, settings: Settings, phone: str, station_id: int) -> int:
    cipher = load_or_create_key(configured=settings.data_key, home=settings.home)
    async with connect(url) as db:
        return await profile.add_station_staff(db, cipher, SYSTEM, phone, station_id)


def station_staff_command(settings: Settings, phone: str, station_id: int, *,
                          database_url: str | None = None) -> int:
    """Make ``phone``'s account staff of ``station_id``; the exit status."""
    if database_url is None:
        from hub.db import app_database_url
        from hub.db import database_url as resolve
        from hub.db.migrate import migrate

        migrate(resolve(settings, start=True), app=settings.app_database_url)
        database_url = app_database_url(settings)
    try:
        account = asyncio.run(_run(database_url, settings, phone, station_id))
    except WorkflowError as exc:
        print(f"hub station-staff: {exc.field}: {exc.message}", file=sys.stderr)
        return 2
    print(f"account {account}: staff of station {station_id}; they sign in with a phone code")
    return 0
