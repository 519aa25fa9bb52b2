"""Operations over a WebSocket read as HTTP requests do.

strawberry makes one context per WebSocket connection and runs every operation sent on it
with that context. Left so, a query's page and its ``totalCount`` could come from different
snapshots, and the connection's DataLoaders would answer later operations, and later events
of a subscription, with rows loaded long before. :class:`OperationReads` gives each operation
on a WebSocket a copy of the connection's context (:meth:`Context.for_operation`: its own
loaders); a query's or mutation's reads see one snapshot (:meth:`Context.one_snapshot`), and
a subscription enters one snapshot for each event it yields (``dispatchEvents``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.websockets import WebSocket
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from hub.schema.context import Context
from hub.schema.read_routing import routed


class OperationReads(SchemaExtension):
    """Each operation on a WebSocket gets its own context, and a query's or mutation's reads
    one snapshot; HTTP requests (one context each, read in one snapshot) pass through. With
    read replicas, an operation's reads go where ``hub/schema/read_routing.py`` says (over
    HTTP the extension runs only then: ``HubSchema.routes_reads``)."""

    async def on_execute(self) -> AsyncIterator[None]:
        run = self.execution_context
        connection = run.context
        if not isinstance(connection, Context):
            yield
            return
        if not isinstance(connection.request, WebSocket):
            async with routed(connection, run):
                yield
            return
        run.context = own = connection.for_operation()
        if run.operation_type is OperationType.SUBSCRIPTION:
            yield  # long-lived: each event enters a snapshot of its own while it is resolved
            return
        async with own.one_snapshot(), routed(own, run):
            yield
