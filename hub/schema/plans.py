"""The compiled plans of the registered documents, and the schema extension that runs them.

Plans are made once, when the schema is built (``hub/schema/fastpath.py`` compiles;
``hub/schema/trusted.py`` registers), and run in the ``on_execute`` step of the last
extension, where graphql-core's execution would otherwise run.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from strawberry.extensions import SchemaExtension

from hub.schema.fastpath import Plan, compile_document
from hub.schema.observe import mark_compiled
from hub.schema.sql_lists import sql_written_root
from hub.schema.trusted import TrustedDocument


class Plans:
    """The compiled plans of the registered query documents, by text (made once, when the
    schema is built), and what they answered."""

    def __init__(self, schema: Any, documents: Iterable[TrustedDocument]) -> None:
        self.by_text: dict[str, Plan] = {}
        self.not_compiled: dict[str, str] = {}  # document name -> why
        for document in documents:
            if document.type != "query":
                continue  # mutations and subscriptions are never compiled
            plan = compile_document(schema, document, self.not_compiled,
                                    writer=sql_written_root)
            if plan is not None:
                self.by_text[document.body] = plan

    def get(self, query: str | None, operation_name: str | None) -> Plan | None:
        """The plan that answers this request, if there is one."""
        plan = self.by_text.get(query) if query is not None else None
        if plan is None or operation_name not in (None, plan.name):
            return None
        return plan

    def counts(self) -> dict[str, tuple[int, int]]:
        """(answered, fell back) per compiled document, for metrics."""
        return {p.name: (p.answered, p.fell_back) for p in self.by_text.values()}


class CompiledPlans(SchemaExtension):
    """Answers a registered query document by its plan, in place of graphql-core's execution
    (the last extension: every other one has run its ``on_execute`` before). Synchronous
    execution (``execute_sync``) runs without it."""

    def __init__(self, plans: Plans) -> None:
        self.plans = plans

    async def on_execute(self) -> AsyncIterator[None]:
        ctx = self.execution_context
        plan = self.plans.get(ctx.query, ctx.operation_name)
        if plan is not None and ctx.result is None and not ctx.pre_execution_errors:
            result = await plan.run(ctx.variables, ctx.context, ctx.root_value)
            if result is not None:
                ctx.result = result
                mark_compiled(ctx.context)  # the metrics' compiled="yes"
        yield
