"""``GET /certificates/{code}``: what a certificate (志愿服务证明) certifies, for anyone.

The URL in the certificate's QR code. What comes back follows ``?format=`` (``html``, ``json``,
``pdf``), else the ``Accept`` header: a browser or WeChat (``text/html`` preferred) gets a
Chinese page saying whether the certificate is valid, with the holder's name masked
(:mod:`hub.certs.page`); a client asking for ``application/pdf`` the certificate's PDF; anyone
else (``application/json``, ``*/*`` or nothing) the JSON as before: the signed content, whether
the signature is valid, the public key to check it offline. The application wires ``routes``;
it needs ``app.state.db`` and ``app.state.settings``.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from hub.certs.page import verification_html
from hub.services import certificates

PDF = "application/pdf"
JSON = "application/json"
HTML = "text/html"
FORMATS = {"pdf": PDF, "json": JSON, "html": HTML}
HEADERS = {"Cache-Control": "no-store", "Vary": "Accept"}


def _quality(accept: str, media_type: str) -> float:
    """The q-value ``accept`` gives exactly ``media_type`` (0 when not named)."""
    for part in accept.split(","):
        name, *params = (p.strip() for p in part.split(";"))
        if name.lower() == media_type:
            for param in params:
                key, _, value = param.partition("=")
                if key.strip() == "q":
                    try:
                        return float(value)
                    except ValueError:
                        return 0.0
            return 1.0
    return 0.0


def wanted(request: Request) -> str:
    """The media type to answer with: ``?format=`` first, else the best one ``Accept`` names."""
    fmt = request.query_params.get("format")
    if fmt is not None and fmt.lower() in FORMATS:
        return FORMATS[fmt.lower()]
    accept = request.headers.get("accept", "")
    scores = {media: _quality(accept, media) for media in (JSON, HTML, PDF)}
    best = max(scores, key=lambda media: scores[media])  # JSON first on a tie
    return best if scores[best] > 0 else JSON


def _state(found: certificates.Verification) -> str:
    if found.result.valid:
        return "valid"
    if found.row is not None:
        return "invalid"
    return "malformed" if found.result.reason.startswith("malformed") else "unknown"


async def certificate(request: Request) -> Response:
    """The verification of one code, as JSON, a Chinese HTML page or the PDF."""
    settings = request.app.state.settings
    found = await certificates.lookup(request.app.state.db, settings,
                                      code=request.path_params["code"])
    status = 200 if found.row is not None else 404
    media = wanted(request)
    if media == PDF and found.row is not None and found.result.valid:
        pdf = await asyncio.to_thread(certificates.render_pdf, settings, found.row)
        return Response(pdf, media_type=PDF, headers={
            "Content-Disposition": f'inline; filename="certificate-{found.code}.pdf"'})
    if media == HTML:
        page = verification_html(_state(found), found.code, found.result.data)
        return HTMLResponse(page, status_code=status, headers=HEADERS)
    return JSONResponse(found.as_json(settings), status_code=status, headers=HEADERS)


routes = [Route("/certificates/{code}", certificate, methods=["GET"])]
