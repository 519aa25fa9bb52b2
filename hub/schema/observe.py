"""Schema extensions that see every GraphQL operation: metrics, and Apollo's federated tracing.

* :class:`Observe` times each operation and counts it in the app's :class:`hub.metrics.Metrics`
  (``request.app.state.metrics``, reached through the context's request) by operation name,
  type, compiled or not (:func:`mark_compiled`) and outcome.
* :func:`federated_tracing` is strawberry's ``ApolloFederationTracingExtension`` (ftv1: a
  base64 protobuf ``Trace`` of Apollo's reports.proto in ``extensions.ftv1``) for a request
  whose ``apollo-federation-include-trace`` header is ``ftv1``, as a gateway sends when it
  wants traces; for any other request, an extension that does nothing, so resolvers are not
  wrapped for a trace nobody asked for. :class:`TraceRequests` (an ASGI middleware) notes the
  header for the request's task.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from time import perf_counter
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.extensions.tracing import ApolloFederationTracingExtension

TRACE_HEADER = b"apollo-federation-include-trace"
_trace_requested: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "hub_trace_requested", default=False)
_over_http: contextvars.ContextVar[bool] = contextvars.ContextVar("hub_over_http", default=False)


def over_http() -> bool:
    """Whether this task serves an HTTP request (not a WebSocket, nor a direct call)."""
    return _over_http.get()


def mark_compiled(context: Any) -> None:
    """Label this request's metrics ``compiled="yes"`` (called by the compiled path)."""
    context.compiled = True


class Observe(SchemaExtension):
    """Times the operation and counts it in the app's metrics (when served by the app)."""

    def on_operation(self) -> Iterator[None]:
        started = perf_counter()
        try:
            yield
        finally:
            self._record(perf_counter() - started)

    def _record(self, seconds: float) -> None:
        run = self.execution_context
        request = getattr(run.context, "request", None)
        metrics = getattr(getattr(getattr(request, "app", None), "state", None), "metrics", None)
        if metrics is None:
            return
        # It parsed and validated, and reached execution (which gives a result).
        executed = (run.graphql_document is not None and not run.pre_execution_errors
                    and run.result is not None)
        kind = run.operation_type.value if executed else "unknown"
        ok = not run.pre_execution_errors and not getattr(run.result, "errors", None)
        metrics.graphql(operation=metrics.operations.label(run.operation_name, valid=executed),
                        kind=kind, compiled=bool(getattr(run.context, "compiled", False)),
                        ok=ok, seconds=seconds)


def federated_tracing() -> SchemaExtension:
    """Strawberry's ftv1 extension when this request asked for a trace, else a no-op."""
    if _trace_requested.get():
        return ApolloFederationTracingExtension()
    return SchemaExtension()


class TraceRequests:
    """Notes, for the request's task, whether it asks for an ftv1 trace, and whether it is an
    HTTP request (:func:`over_http`)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = scope["type"] in ("http", "websocket") and any(
            name == TRACE_HEADER and value.strip().lower() == b"ftv1"
            for name, value in scope["headers"])
        http = _over_http.set(scope["type"] == "http")
        try:
            if not wanted:
                await self.app(scope, receive, send)
                return
            token = _trace_requested.set(True)
            try:
                await self.app(scope, receive, send)
            finally:
                _trace_requested.reset(token)
        finally:
            _over_http.reset(http)
