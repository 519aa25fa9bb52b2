"""A tiny app for tests/test_serve.py: it answers with the pid of the process serving it."""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route


def app() -> Starlette:
    async def pid(_request: object) -> PlainTextResponse:
        return PlainTextResponse(str(os.getpid()))

    return Starlette(routes=[Route("/", pid)])
