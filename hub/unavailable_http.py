"""HTTP answers while the database is unavailable: 503, code ``DATABASE_UNAVAILABLE`` and
``Retry-After``, as JSON for /tiles, /certificates, /readyz and the console, and as a
GraphQL response for /graphql (``hub/db/pool.py`` says when the database counts as unavailable).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.db.pool import RETRY_AFTER_S, DatabaseUnavailable

STATUS = 503
HEADERS = {"Retry-After": str(RETRY_AFTER_S), "Cache-Control": "no-store"}


def json_response(exc: DatabaseUnavailable, **extra: Any) -> JSONResponse:
    """The JSON error of a route that is not GraphQL."""
    body = {**extra, "error": "database_unavailable", "code": exc.code, "reason": str(exc),
            "messageZh": exc.extensions["messageZh"]}
    return JSONResponse(body, status_code=STATUS, headers=HEADERS)


async def handler(request: Request, exc: Exception) -> Response:
    """Starlette's exception handler for :class:`DatabaseUnavailable`."""
    assert isinstance(exc, DatabaseUnavailable)
    return json_response(exc)


def _unavailable(result: Any) -> bool:
    if isinstance(result, list):
        return any(_unavailable(one) for one in result)
    errors = result.get("errors") if isinstance(result, dict) else None
    return any(isinstance(e, dict) and (e.get("extensions") or {}).get("code")
               == DatabaseUnavailable.code for e in errors or ())


def graphql(response: Response, result: Any) -> Response:
    """A GraphQL response made 503 with ``Retry-After`` when an error says the database is
    unavailable (its body, with ``extensions.code``, is kept)."""
    if _unavailable(result):
        response.status_code = STATUS
        response.headers.update(HEADERS)
    return response
