"""GraphQL over HTTP and WebSocket (graphql-transport-ws), and who the caller is."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from hub import unavailable_http
from hub.auth import ANONYMOUS, AuthError, Caller, TokenVerifier
from hub.localization import BadTimeZone, from_scope_headers, language, using
from hub.schema import schema
from hub.schema.context import Context
from hub.schema.http_request import (
    MULTIPART,
    Refusal,
    check_content_type,
    from_view,
    media_type,
    operation,
    read_body,
)
from hub.schema.http_request import (
    header as header_text,
)
from hub.schema.registration import MAX_UPLOAD_BYTES
from hub.schema.ws_guard import GUARD_KEY, UNAVAILABLE_CLOSE, SocketGuard
from hub.services.revocation import Revocations
from hub.store.base import RequestDatabase

CALLER_KEY = "hub.caller"
BAD_ZONE_CLOSE = 4400  # a WebSocket whose Time-Zone names no zone (a bad token: 4401)
# GraphiQL as the console's build makes it (console/graphiql.html, with graphiql and react from
# npm): served at GET /graphql in place of strawberry's page, which loads them from a CDN.
GRAPHIQL_PAGE = Path(__file__).resolve().parents[1] / "static" / "console" / "graphiql.html"
DB_KEY = "hub.db"
REVOKED_ZH = "身份验证失败：令牌已撤销（已退出登录）"


async def verified_caller(verifier: TokenVerifier, state: Any, header: str | None) -> Caller:
    """The caller of an ``Authorization`` header: its token verified, and refused if its
    sign-in was revoked (on any process: hub.services.revocation, through the database)."""
    caller = verifier.caller_from_header(header)
    family = caller.family
    revocations: Revocations | None = getattr(state, "revocations", None)  # the lifespan's
    if family is not None and revocations is not None and await revocations.revoked(family):
        raise AuthError("the token was revoked (its sign-in was signed out)", reason="revoked")
    return caller


class AuthMiddleware:
    """Puts the verified caller in ``scope["hub.caller"]``; a bad token gets 401 at once.

    No token is anonymous access; a bad or expired one is never treated as anonymous.
    """

    def __init__(self, app: ASGIApp, verifier: TokenVerifier) -> None:
        self.app = app
        self.verifier = verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"authorization")
        try:
            scope[CALLER_KEY] = await verified_caller(
                self.verifier, scope["app"].state, header.decode("latin-1") if header else None)
        except unavailable_http.DatabaseUnavailable as exc:  # a revocation not checkable now
            if scope["type"] == "websocket":
                await receive()  # websocket.connect
                await send({"type": "websocket.close", "code": 1013, "reason": exc.code})
                return
            await unavailable_http.json_response(exc)(scope, receive, send)
            return
        except AuthError as exc:
            if scope["type"] == "websocket":
                await receive()  # websocket.connect
                await send({"type": "websocket.close", "code": 4401, "reason": str(exc)[:120]})
                return
            message_zh = REVOKED_ZH if exc.reason == "revoked" else "身份验证失败：令牌无效或已过期"
            chosen = language(header_text(scope, b"accept-language"))
            body = {"data": None, "errors": [{
                "message": message_zh if chosen == "zh" else str(exc), "extensions": {
                    "code": "UNAUTHENTICATED", "reason": exc.reason, "messageZh": message_zh,
                    "messageEn": str(exc)}}]}
            response = Response(json.dumps(body, ensure_ascii=False), status_code=401,
                                media_type="application/json",
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` with the body already read given back first."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class HubGraphQL(GraphQL[Context, None]):
    """The strawberry ASGI app with the hub's context."""

    def __init__(self, verifier: TokenVerifier, *, max_body_bytes: int = 2**20) -> None:
        # Multipart uploads serve importRegistrations (集体注册 files). No CSRF exposure: the
        # caller comes from the Authorization header, which a cross-site form cannot send.
        self.hub_schema = schema()
        super().__init__(self.hub_schema, graphql_ide="graphiql",
                         subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
                         multipart_uploads_enabled=True)
        self.verifier = verifier
        self.max_body_bytes = max_body_bytes
        # An upload's envelope (operations, map, part headers) around the largest file.
        self.max_upload_bytes = MAX_UPLOAD_BYTES + max_body_bytes

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from the hub's own static files; nothing from another host."""
        try:
            page = GRAPHIQL_PAGE.read_text(encoding="utf-8")
        except FileNotFoundError:
            return HTMLResponse("<p>GraphiQL is not built: cd console &amp;&amp; npm ci &amp;&amp; "
                                "npm run build</p>", status_code=503)
        return HTMLResponse(page)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Everything runs in the caller's language and time zone (``hub/localization.py``,
        from the headers). HTTP requests are checked (``hub/schema/http_request.py``) and
        refused with coded JSON; WebSocket connections go to strawberry."""
        try:
            locale, bad_zone = from_scope_headers(scope["headers"]), None
        except BadTimeZone as exc:
            locale, bad_zone = exc.fallback, exc
        with using(locale):
            if bad_zone is not None and scope["type"] == "websocket":
                await receive()  # websocket.connect; closed with the reason (<= 123 bytes)
                reason = locale.pick(bad_zone.message_zh, bad_zone.message).encode()[:123]
                await send({"type": "websocket.close", "code": BAD_ZONE_CLOSE,
                            "reason": reason.decode(errors="ignore")})
            elif bad_zone is not None:
                refusal = Refusal(400, "BAD_USER_INPUT", bad_zone.message, bad_zone.message_zh)
                await refusal.response()(scope, receive, send)
            elif scope["type"] != "http":
                await self._socket(scope, receive, send)
            else:
                await self._serve(scope, receive, send)

    async def _socket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A WebSocket, served by strawberry through a guard that closes it when its
        caller's sign-in is revoked, or with a coded reason (``hub/schema/ws_guard.py``)."""
        guard = SocketGuard(receive, send, getattr(scope["app"].state, "revocations", None))
        scope[GUARD_KEY] = guard
        try:
            await super().__call__(scope, guard.receive, guard.send)
        finally:
            await guard.stop()

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The request's reads see one snapshot (hub.store.base.RequestDatabase), ended once
        # the answer is sent: its COMMIT is no part of the answer's latency.
        async with RequestDatabase(scope["app"].state.db).one_snapshot() as db:
            scope[DB_KEY] = db
            try:
                response = await self._http(scope, receive, send)
            except Refusal as refusal:
                response = refusal.response()
            if response is not None:
                await response(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> Response:
        """A POST's body is read within its limit and checked (``http_request.py``); then
        every request goes through strawberry's view, whose plain-text refusals become
        coded ones."""
        if scope["method"] == "POST":
            kind = media_type(scope)
            check_content_type(kind, self.multipart_uploads_enabled)
            body = await read_body(scope, receive, self.max_upload_bytes if kind == MULTIPART
                                   else self.max_body_bytes)
            if kind != MULTIPART:
                operation(body)
            receive = _replay(body, receive)
        try:
            return await self.run(Request(scope, receive))
        except HTTPException as exc:
            raise from_view(exc) from None
        except StarletteHTTPException as exc:  # starlette refused the multipart body
            raise Refusal(exc.status_code, "BAD_REQUEST", exc.detail) from None

    async def parse_multipart(self, request: Any) -> dict[str, str]:
        """strawberry's reading of an upload, its ``operations`` checked as a JSON body's are
        (strawberry fails with AttributeError on ``operations: 1``)."""
        try:
            data: Any = await super().parse_multipart(request)
        except (AttributeError, TypeError, ValueError, IndexError) as exc:
            raise Refusal(400, "BAD_REQUEST", f"the multipart body is not a GraphQL upload: "
                          f"{exc}", "multipart 请求体不是 GraphQL 文件上传") from None
        if not isinstance(data, dict | list):
            raise Refusal(400, "BAD_REQUEST", "the multipart 'operations' must be a JSON "
                          "object", "multipart 的 operations 必须是 JSON 对象")
        return data  # type: ignore[return-value]

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        """Strawberry's response, with the body encoded once: orjson's UTF-8 bytes as they are
        (strawberry's ``encode_json`` gives text, which Starlette encodes again: with Chinese
        names in a page of 50, decoding and encoding again cost 6 % of a request's Python
        instructions); 503 with Retry-After when the database was unavailable."""
        response = Response(orjson.dumps(response_data), media_type="application/json")
        response.headers.raw.extend(sub_response.headers.raw)
        response.background = sub_response.background or response.background
        response.status_code = sub_response.status_code or response.status_code
        return unavailable_http.graphql(response, response_data)

    def encode_json(self, data: object) -> str:
        """orjson: several times faster than json for large answers such as map layers.

        Text, not bytes: WebSocket messages of graphql-transport-ws must be text frames.
        """
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Browsers cannot set headers on a WebSocket: take the token from ``connection_init``
        (``{"Authorization": "Bearer …"}``); a bad one closes the connection (4403), one whose
        revocation cannot be checked now too (1013 ``DATABASE_UNAVAILABLE``). The socket is
        closed (4401 ``revoked``) when the caller's sign-in is revoked later."""
        params = context.connection_params or {}
        value = params.get("Authorization") or params.get("authorization")
        if not value:
            return UNSET
        text = str(value)
        header = text if text.lower().startswith("bearer ") else f"Bearer {text}"
        state = context.request.app.state if context.request is not None else None
        guard: SocketGuard | None = context.request.scope.get(GUARD_KEY) \
            if context.request is not None else None
        try:
            caller = await verified_caller(self.verifier, state, header)
        except AuthError as exc:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED", "message": str(exc)}) \
                from None
        except unavailable_http.DatabaseUnavailable as exc:
            if guard is not None:  # closed with the code: strawberry's 4403 is dropped
                await guard.close(UNAVAILABLE_CLOSE, exc.code)
            raise ConnectionRejectionError({"code": exc.code, "message": str(exc)}) from None
        context.authenticate(caller)
        if guard is not None:
            guard.watch(caller)
        return UNSET

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = request.app.state
        caller: Caller = request.scope.get(CALLER_KEY, ANONYMOUS)
        db = request.scope.get(DB_KEY) or RequestDatabase(state.db)  # WebSocket: per statement
        guard: SocketGuard | None = request.scope.get(GUARD_KEY)
        if guard is not None:  # a WebSocket, accepted: closed if the handshake's token is revoked
            guard.watch(caller)
        return Context(db=db, caller=caller, settings=state.settings,
                       cipher=state.cipher, executor=getattr(state, "executor", None),
                       reads=getattr(state, "reads", None), raw_json=True,
                       client=request.client.host if request.client else None,
                       request=request, response=response,
                       events=getattr(state, "events", None))
