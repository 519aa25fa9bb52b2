"""Coded GraphQL errors: every error a client sees carries ``extensions.code``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.relay import GlobalIDValueError


class HubError(Exception):
    """An expected failure with a client-facing code and message."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, **extensions: Any) -> None:
        super().__init__(message)
        self.extensions = extensions


class BadUserInput(HubError):
    """The input is wrong; the message names the field and the value."""

    code = "BAD_USER_INPUT"

    def __init__(self, field: str, value: object, reason: str) -> None:
        shown = value if isinstance(value, int | float) else repr(value)
        super().__init__(f"{field}: {shown} {reason}", field=field)


class NotFound(HubError):
    """The thing named does not exist (or the caller may not know it does)."""

    code = "NOT_FOUND"


class Forbidden(HubError):
    """The caller is known but may not do this."""

    code = "FORBIDDEN"


class Unauthenticated(HubError):
    """The credentials are bad or expired."""

    code = "UNAUTHENTICATED"


def _code_for(error: GraphQLError) -> str:
    original = error.original_error
    if isinstance(original, HubError):
        return original.code
    if isinstance(original, GlobalIDValueError):
        return "BAD_USER_INPUT"
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
        coded = []
        for error in result.errors:
            code = (error.extensions or {}).get("code") or _code_for(error)
            original = error.original_error
            extra = original.extensions if isinstance(original, HubError) else {}
            message = error.message
            if code == "INTERNAL_SERVER_ERROR" and not isinstance(original, HubError):
                message = "internal error: the incident was logged"
            coded.append(GraphQLError(message, nodes=error.nodes, source=error.source,
                                      positions=error.positions, path=error.path,
                                      original_error=original,
                                      extensions={**(error.extensions or {}), **extra,
                                                  "code": code}))
        result.errors = coded
