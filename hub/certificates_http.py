"""``GET /certificates/{code}``: what a certificate (志愿服务证明) certifies, for anyone.

JSON by default (the signed content, whether the signature is valid, the public key to check
it offline); ``?format=pdf`` or ``Accept: application/pdf`` returns the certificate's PDF.
The application wires ``routes``; it needs ``app.state.db`` and ``app.state.settings``.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.services import certificates

PDF = "application/pdf"


def _wants_pdf(request: Request) -> bool:
    wanted = request.query_params.get("format")
    if wanted is not None:
        return wanted.lower() == "pdf"
    accept = request.headers.get("accept", "")
    return PDF in accept and "application/json" not in accept


async def certificate(request: Request) -> Response:
    """The verification of one code, as JSON or as the PDF."""
    settings = request.app.state.settings
    found = await certificates.lookup(request.app.state.db, settings,
                                      code=request.path_params["code"])
    status = 200 if found.row is not None else 404
    if _wants_pdf(request) and found.row is not None and found.result.valid:
        pdf = await asyncio.to_thread(certificates.render_pdf, settings, found.row)
        return Response(pdf, media_type=PDF, headers={
            "Content-Disposition": f'inline; filename="certificate-{found.code}.pdf"'})
    return JSONResponse(found.as_json(settings), status_code=status,
                        headers={"Cache-Control": "no-store"})


routes = [Route("/certificates/{code}", certificate, methods=["GET"])]
