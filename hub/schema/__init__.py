"""The GraphQL schema: a federation v2 subgraph of Relay nodes (strawberry)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeGuard

import strawberry
from graphql import ASTValidationRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
    max_aliases,
    query_depth_limiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from hub.schema import node as nodes_
from hub.schema.common import GEOJSON_SCALAR, GeoJSON
from hub.schema.errors import ErrorCodes
from hub.schema.fastpath import Plan, Plans
from hub.schema.limits import MAX_ALIASES, MAX_DEPTH, MAX_TOKENS, CostLimit
from hub.schema.mutation import Mutation
from hub.schema.organizations import Activity, Organization, Project
from hub.schema.places import Demand, Station
from hub.schema.query import Query as CoreQuery
from hub.schema.records import RecordsQuery
from hub.schema.regions import Region
from hub.schema.volunteers import Volunteer
from hub.schema.workflow import WorkflowQuery, WorkflowSubscription
from hub.schema.workflow_types import Dispatch

SDL_PATH = Path(__file__).with_name("schema.graphql")
ENTITY_TYPES = (Region, Organization, Volunteer, Station, Demand, Activity, Project)
Query = merge_types("Query", (CoreQuery, WorkflowQuery, RecordsQuery))


for _node_type in ENTITY_TYPES:
    nodes_.LOADERS[_node_type.__name__] = (
        lambda info, key, t=_node_type: t.load(info, t._key(key)))  # type: ignore[misc]


_LIMIT_RULES: list[type[ASTValidationRule]] = [
    query_depth_limiter.create_validator(MAX_DEPTH, None, None),
    max_aliases.create_validator(MAX_ALIASES),
]


class HubSchema(strawberry.federation.Schema):
    """The federation schema, answering repeated read queries by their compiled plans.

    A query text runs through strawberry the first time; once it has succeeded it is compiled
    (``hub/schema/fastpath.py``) and later runs use the plan, which calls the same resolvers
    and falls back to strawberry whenever it cannot answer exactly as strawberry would.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.plans = Plans(self)

    async def execute(
        self, query: str | None, variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None, root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        plan = self.compiled(query, operation_name, operation_extensions)
        if plan is not None:
            result = await plan.run(variable_values, context_value, root_value)
            if result is not None:
                return result
        result = await super().execute(query, variable_values, context_value, root_value,
                                       operation_name, allowed_operation_types,
                                       operation_extensions)
        if _plannable(query, operation_name, operation_extensions) and not result.errors \
                and result.data is not None and not self.plans.known(query, operation_name):
            self.plans.learn(query, operation_name)
        return result

    def compiled(self, query: object, operation_name: object,
                 extensions: object = None) -> Plan | None:
        """The compiled plan for this request, if it has one (the HTTP view asks too)."""
        if not _plannable(query, operation_name, extensions):
            return None
        return self.plans.get(query, operation_name)  # type: ignore[arg-type]


def _plannable(query: object, operation_name: object, extensions: object) -> TypeGuard[str]:
    """A request a compiled plan may answer: a query text, no operation extensions."""
    return isinstance(query, str) and isinstance(operation_name, str | None) and not extensions


def build_schema() -> HubSchema:
    """The subgraph schema with its limits and error coding."""
    return HubSchema(
        query=Query,
        mutation=Mutation,
        subscription=WorkflowSubscription,
        types=[*ENTITY_TYPES, Dispatch],
        federation_version="2.7",
        config=StrawberryConfig(auto_camel_case=True, scalar_map={GeoJSON: GEOJSON_SCALAR}),
        # Factories: strawberry builds fresh extensions per request; the parser and
        # validation caches live at module level and are shared. The validation rules are
        # built once, so the validation cache (keyed by the rules) hits on repeated queries.
        extensions=[
            ErrorCodes,
            lambda: ParserCache(maxsize=1000),
            lambda: ValidationCache(maxsize=1000),
            lambda: AddValidationRules(_LIMIT_RULES),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
            CostLimit,
        ],
    )


@cache
def schema() -> HubSchema:
    """The one schema of this process."""
    return build_schema()


def schema_sdl() -> str:
    """The SDL as committed in ``hub/schema/schema.graphql``."""
    return schema().as_str() + "\n"
