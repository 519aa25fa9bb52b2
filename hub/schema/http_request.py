"""What a GraphQL HTTP request must be before anything parses it, and refusals as coded JSON.

Every refusal over HTTP is a JSON body ``{"errors": [{"message", "extensions": {"code",
"messageZh", "messageEn"}}]}`` (``message`` in the caller's language) with a 4xx status, and
one line in the log at INFO: bodies over the limit (413, read no further than the limit),
JSON that is not an object, batches, wrong types for ``query`` / ``variables`` /
``operationName`` / ``extensions``, other content types (415), and whatever strawberry's
view refuses itself (bodies that are not JSON in UTF-8, mutations over GET, a missing query,
an unknown operation).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import (
    CannotGetOperationTypeError,
    InvalidOperationTypeError,
)
from strawberry.types.graphql import OperationType

from hub.schema.messages import chosen, zh

log = logging.getLogger(__name__)
JSON_TYPES = frozenset({"application/json"})
MULTIPART = "multipart/form-data"
_FIELDS = (("query", str, "a string"), ("variables", dict, "an object"),
           ("operationName", str, "a string"), ("extensions", dict, "an object"))


class Refusal(Exception):
    """A request refused before or instead of execution: a status, a code, two messages."""

    def __init__(self, status: int, code: str, message: str, message_zh: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.message_zh = message_zh or zh(code)
        self.headers = headers or {}

    def response(self) -> Response:
        """The coded JSON answer (and its line in the log)."""
        log.info("refused %s %s: %s", self.status, self.code, self.message)
        body = {"errors": [{"message": chosen(self.message_zh, self.message), "extensions": {
            "code": self.code, "messageZh": self.message_zh, "messageEn": self.message}}]}
        return Response(orjson.dumps(body), status_code=self.status,
                        media_type="application/json", headers=self.headers)


def header(scope: Scope, name: bytes) -> str:
    """One request header as text ('' when absent)."""
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def media_type(scope: Scope) -> str:
    """The request's content type without parameters, lower case."""
    return header(scope, b"content-type").split(";", 1)[0].strip().lower()


def too_large(limit: int) -> Refusal:
    """413; the connection is closed after it, since the rest of the body is never read."""
    return Refusal(413, "PAYLOAD_TOO_LARGE", f"the request body is larger than {limit} bytes",
                   f"请求体超过 {limit} 字节的上限", {"Connection": "close"})


async def read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The whole body, refused (413) as soon as it is known to exceed ``limit`` bytes."""
    declared = header(scope, b"content-length")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":
            break  # the client went away
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def check_content_type(kind: str, uploads: bool) -> None:
    """Refuse (415) a POST whose body the view cannot read."""
    if kind in JSON_TYPES or (uploads and kind == MULTIPART):
        return
    accepted = ", ".join(sorted(JSON_TYPES | ({MULTIPART} if uploads else set())))
    raise Refusal(415, "UNSUPPORTED_MEDIA_TYPE",
                  f"content type {kind or '(none)'!r} is not accepted; send {accepted}",
                  f"不支持的内容类型 {kind or '(无)'}，请使用 {accepted}")


def operation(body: bytes) -> dict[str, Any] | None:
    """The GraphQL request in a JSON body, its members checked; refused (400) otherwise.
    None for a body that is not JSON at all: strawberry's view refuses that (see from_view)."""
    try:
        request = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if isinstance(request, list):
        raise Refusal(400, "BATCHING_NOT_SUPPORTED",
                      "batched requests (a JSON array) are not supported; send one object")
    if not isinstance(request, dict):
        raise Refusal(400, "BAD_REQUEST",
                      f"the body must be a JSON object, got {type(request).__name__}",
                      "请求体必须是 JSON 对象")
    for name, kind, described in _FIELDS:
        value = request.get(name)
        if value is not None and not isinstance(value, kind):
            raise Refusal(400, "BAD_REQUEST",
                          f"{name!r} must be {described} or null, got {type(value).__name__}",
                          f"{name} 的类型不对")
    return request


def from_view(exc: HTTPException) -> Refusal:
    """strawberry's own refusal (plain text) as a coded one."""
    cause = exc.__cause__
    if isinstance(cause, InvalidOperationTypeError):
        if cause.operation_type is OperationType.SUBSCRIPTION:
            return Refusal(400, "BAD_REQUEST", "subscriptions are served over WebSocket "
                           "(graphql-transport-ws) only, not over HTTP",
                           "订阅只能通过 WebSocket（graphql-transport-ws）发送，不能用 HTTP 请求")
        return Refusal(405, "METHOD_NOT_ALLOWED", exc.reason,
                       "GET 请求只能执行查询，变更请用 POST", {"Allow": "POST"})
    if isinstance(cause, CannotGetOperationTypeError):
        return Refusal(400, "OPERATION_RESOLUTION_FAILURE", exc.reason)
    if isinstance(cause, MissingQueryError):
        return Refusal(400, "BAD_REQUEST", exc.reason, "请求中没有 GraphQL 查询")
    if isinstance(cause, ValueError):  # json.JSONDecodeError, also for invalid UTF-8
        return Refusal(400, "BAD_REQUEST", f"{exc.reason} (UTF-8)", "请求体不是 UTF-8 编码的 JSON")
    codes = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE",
             415: "UNSUPPORTED_MEDIA_TYPE"}
    return Refusal(exc.status_code, codes.get(exc.status_code, "BAD_REQUEST"), exc.reason)


async def internal_error(request: Request, exc: Exception) -> Response:
    """Starlette's last handler (an unexpected exception anywhere): a coded JSON 500; the
    traceback is logged by the server, as for any unhandled exception."""
    return Refusal(500, "INTERNAL_SERVER_ERROR", "internal error: the incident was logged"
                   ).response()
