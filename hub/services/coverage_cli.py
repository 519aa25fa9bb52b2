"""``hub coverage import-sites FILE.csv``: load candidate sites for new stations, as the
explicit system caller (as ``hub import`` does); the exit status says whether it loaded."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from hub.auth.tokens import SYSTEM
from hub.services.candidate_sites import SitesRefused, import_sites
from hub.settings import Settings
from hub.store.base import connect


def import_sites_command(settings: Settings, file: str, *,
                         database_url: str | None = None) -> int:
    """Load ``file`` (CSV, UTF-8); 0 when loaded, 2 when refused (every bad row printed)."""
    if database_url is None:
        from hub.db import app_database_url
        from hub.db import database_url as resolve
        from hub.db.migrate import migrate

        migrate(resolve(settings, start=True), app=settings.app_database_url)
        database_url = app_database_url(settings)
    try:
        text = Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"hub coverage import-sites: {file}: {exc}", file=sys.stderr)
        return 2

    async def run(url: str) -> int:
        async with connect(url) as db:
            return await import_sites(db, SYSTEM, text, source=Path(file).name)

    try:
        written = asyncio.run(run(database_url))
    except SitesRefused as exc:
        for error in exc.errors:
            print(f"hub coverage import-sites: {error}", file=sys.stderr)
        print(f"nothing loaded: {len(exc.errors)} problem(s)", file=sys.stderr)
        return 2
    print(f"{written} candidate site(s) loaded from {file}")
    return 0
