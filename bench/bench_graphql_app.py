"""The uvicorn factory for bench/bench_graphql.py: the hub on the benchmark's scratch database.

``uvicorn --factory --app-dir bench bench_graphql_app:app``; the database URL comes from
``HUB_BENCH_DATABASE_URL`` (set by the benchmark), everything else from the usual settings.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette

from hub.app import create_app
from hub.settings import Settings

URL_VARIABLE = "HUB_BENCH_DATABASE_URL"


def app() -> Starlette:
    """The hub's application on the benchmark database."""
    return create_app(Settings.from_env(), database_url=os.environ[URL_VARIABLE])
