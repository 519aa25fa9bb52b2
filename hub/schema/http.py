"""GraphQL over HTTP and WebSocket (graphql-transport-ws), and who the caller is."""

from __future__ import annotations

import json
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from hub.auth import ANONYMOUS, AuthError, Caller, TokenVerifier
from hub.schema import schema
from hub.schema.context import Context
from hub.store.base import RequestDatabase

CALLER_KEY = "hub.caller"


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
            scope[CALLER_KEY] = self.verifier.caller_from_header(
                header.decode("latin-1") if header else None)
        except AuthError as exc:
            if scope["type"] == "websocket":
                await receive()  # websocket.connect
                await send({"type": "websocket.close", "code": 4401, "reason": str(exc)[:120]})
                return
            body = {"data": None, "errors": [{"message": str(exc), "extensions": {
                "code": "UNAUTHENTICATED", "reason": exc.reason}}]}
            response = Response(json.dumps(body, ensure_ascii=False), status_code=401,
                                media_type="application/json",
                                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class HubGraphQL(GraphQL[Context, None]):
    """The strawberry ASGI app with the hub's context."""

    def __init__(self, verifier: TokenVerifier) -> None:
        # Multipart uploads serve importRegistrations (集体注册 files). No CSRF exposure: the
        # caller comes from the Authorization header, which a cross-site form cannot send.
        super().__init__(schema(), graphql_ide="graphiql",
                         subscription_protocols=[GRAPHQL_TRANSPORT_WS_PROTOCOL],
                         multipart_uploads_enabled=True)
        self.verifier = verifier

    def encode_json(self, data: object) -> str:
        """orjson: several times faster than json for large answers such as map layers.

        Text, not bytes: WebSocket messages of graphql-transport-ws must be text frames.
        """
        return orjson.dumps(data).decode()

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Browsers cannot set headers on a WebSocket: take the token from ``connection_init``
        (``{"Authorization": "Bearer …"}``); a bad one closes the connection (4403)."""
        params = context.connection_params or {}
        value = params.get("Authorization") or params.get("authorization")
        if not value:
            return UNSET
        text = str(value)
        try:
            caller = self.verifier.caller_from_header(
                text if text.lower().startswith("bearer ") else f"Bearer {text}")
        except AuthError as exc:
            raise ConnectionRejectionError({"code": "UNAUTHENTICATED", "message": str(exc)}) \
                from None
        context.authenticate(caller)
        return UNSET

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        state = request.app.state
        caller: Caller = request.scope.get(CALLER_KEY, ANONYMOUS)
        return Context(db=RequestDatabase(state.db), caller=caller, settings=state.settings,
                       cipher=state.cipher, executor=getattr(state, "executor", None),
                       reads=getattr(state, "reads", None), raw_json=True)
