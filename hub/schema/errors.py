"""Coded GraphQL errors: every error a client sees carries ``extensions.code``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import SchemaExtension
from strawberry.relay import GlobalIDValueError
from strawberry.types import ExecutionResult

from hub.auth.actions import Denied
from hub.schema.messages import chosen, zh
from hub.services.ratelimit import RateLimited


class HubError(Exception):
    """An expected failure with a client-facing code and message."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.extensions = extensions


class BadUserInput(HubError):
    """The input is wrong; the message names the field and the value."""

    code = "BAD_USER_INPUT"

    def __init__(self, field: str, value: object, reason: str,
                 reason_zh: str | None = None) -> None:
        shown = value if isinstance(value, int | float) else repr(value)
        self.specific_zh = f"{field}：{shown} {reason_zh}" if reason_zh else None
        message_zh = self.specific_zh or f"{zh(self.code)}（{field}：{shown}）"
        super().__init__(f"{field}: {shown} {reason}", field=field, messageZh=message_zh)


class NotFound(HubError):
    """The thing named does not exist (or the caller may not know it does)."""

    code = "NOT_FOUND"


class Forbidden(HubError):
    """The caller is known but may not do this."""

    code = "FORBIDDEN"


class Unauthenticated(HubError):
    """The credentials are bad or expired."""

    code = "UNAUTHENTICATED"


def _refusal(original: BaseException | None) -> tuple[str, dict[str, Any]] | None:
    """(code, extensions) of a refusal raised below the schema: the action table's
    :class:`~hub.auth.actions.Denied`, a service's :class:`~hub.services.ratelimit.RateLimited`."""
    if isinstance(original, Denied):
        return original.code, {"messageZh": original.message_zh}
    if isinstance(original, RateLimited):
        return original.code, {"messageZh": original.message_zh,
                               "retryAfterS": original.retry_after_s}
    return None


def _code_for(error: GraphQLError) -> str:
    original = error.original_error
    refusal = _refusal(original)
    if refusal is not None:
        return refusal[0]
    if isinstance(original, HubError):
        return original.code
    if isinstance(original, GlobalIDValueError):
        return "BAD_USER_INPUT"
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if error.path is None and error.message.startswith("Variable '$"):
        return "BAD_USER_INPUT"  # graphql-core refused a variable's value (a scalar's error)
    if isinstance(original, GraphQLError) and (
            original.original_error is None or isinstance(original.original_error, GraphQLError)):
        return (original.extensions or {}).get("code") or "BAD_USER_INPUT"
    if original is None:
        return "GRAPHQL_VALIDATION_FAILED" if error.path is None else "BAD_USER_INPUT"
    return "INTERNAL_SERVER_ERROR"


class ErrorCodes(SchemaExtension):
    """Sets ``extensions.code`` on every error and hides unexpected exceptions' details."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is None or not result.errors:
            return
        result.errors = coded(result.errors)

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Results sent over WebSocket are sent before ``on_operation`` ends: code them here."""
        if isinstance(result, ExecutionResult) and result.errors:
            result.errors = coded(result.errors)
        yield


def coded(errors: list[GraphQLError]) -> list[GraphQLError]:
    """The errors with ``extensions.code``, ``extensions.messageZh`` and ``messageEn``
    (hub/schema/messages.py), ``message`` in the caller's language, unexpected exceptions'
    details hidden. Coding coded errors again changes nothing."""
    out = []
    for error in errors:
        code = (error.extensions or {}).get("code") or _code_for(error)
        original = error.original_error
        refusal = _refusal(original)
        extra = (original.extensions if isinstance(original, HubError)
                 else refusal[1] if refusal else {})
        message = error.message
        if code == "INTERNAL_SERVER_ERROR" and not isinstance(original, HubError) and (
                refusal is None):
            message = "internal error: the incident was logged"
        extensions = {"messageZh": zh(code), **(error.extensions or {}), **extra, "code": code}
        extensions.setdefault("messageEn", message)
        out.append(GraphQLError(chosen(extensions["messageZh"], extensions["messageEn"]),
                                nodes=error.nodes, source=error.source,
                                positions=error.positions, path=error.path,
                                original_error=original, extensions=extensions))
    return out
