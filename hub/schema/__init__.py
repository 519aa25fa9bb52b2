"""The GraphQL schema: a federation v2 subgraph of Relay nodes (strawberry)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import strawberry
from graphql import ASTValidationRule, GraphQLError, validate
from strawberry.extensions import (
    SchemaExtension,
    max_aliases,
    query_depth_limiter,
)
from strawberry.extensions.tracing import ApolloFederationTracingExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.utils.logging import StrawberryLogger

from hub.schema.accounts import AccountQuery
from hub.schema.activities import ActivityQuery
from hub.schema.campaigns import CampaignQuery
from hub.schema.claims import ClaimQuery
from hub.schema.common import GEOJSON_SCALAR, GeoJSON
from hub.schema.coverage import CoverageQuery
from hub.schema.demand_import import DemandImportQuery
from hub.schema.demand_review import DemandReviewQuery
from hub.schema.doc_cache import DocumentCache, Documents
from hub.schema.equity import EquityQuery
from hub.schema.errors import ErrorCodes, coded
from hub.schema.limits import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_QUERY_CHARS,
    MAX_TOKENS,
    CostLimit,
    Costs,
    QueryLimits,
    graphql_core_schema,
)
from hub.schema.membership import MembershipQuery
from hub.schema.mutation import Mutation
from hub.schema.notifications import NotificationQuery, NotificationSubscription
from hub.schema.notify_prefs import NotificationPreferencesQuery
from hub.schema.observe import Observe, federated_tracing, over_http
from hub.schema.office_measures import OfficeMeasureQuery
from hub.schema.organizations import Activity, Organization, Project
from hub.schema.places import Demand, Station
from hub.schema.plans import CompiledPlans, Plans
from hub.schema.priority_rules import PriorityRuleQuery
from hub.schema.publishing import PublishingQuery
from hub.schema.query import Query as CoreQuery
from hub.schema.recognition import RecognitionQuery
from hub.schema.records import RecordsQuery
from hub.schema.region_settings import RegionSettingsQuery
from hub.schema.regions import Region
from hub.schema.scorecards import ScorecardQuery
from hub.schema.stars import StarQuery
from hub.schema.teams import TeamQuery
from hub.schema.times import DATETIME_SCALAR
from hub.schema.trusted import PersistedQueries, TrustedDocuments
from hub.schema.volunteers import Volunteer
from hub.schema.webhooks import WebhookQuery
from hub.schema.websocket import OperationReads
from hub.schema.workflow import WorkflowQuery, WorkflowSubscription
from hub.schema.workflow_types import Dispatch
from hub.settings import Settings

log = logging.getLogger(__name__)
SDL_PATH = Path(__file__).with_name("schema.graphql")
ENTITY_TYPES = (Region, Organization, Volunteer, Station, Demand, Activity, Project)
Query = merge_types("Query", (CoreQuery, WorkflowQuery, RecordsQuery, AccountQuery,
                               ClaimQuery, DemandReviewQuery, DemandImportQuery,
                               PriorityRuleQuery, RegionSettingsQuery,
                               MembershipQuery, PublishingQuery, ActivityQuery, TeamQuery,
                               EquityQuery, ScorecardQuery, StarQuery, CampaignQuery,
                               RecognitionQuery, CoverageQuery, OfficeMeasureQuery,
                               NotificationQuery,
                               WebhookQuery, NotificationPreferencesQuery))
Subscription = merge_types("Subscription", (WorkflowSubscription, NotificationSubscription))


_LIMIT_RULES: list[type[ASTValidationRule]] = [
    query_depth_limiter.create_validator(MAX_DEPTH, None, None),
    max_aliases.create_validator(MAX_ALIASES),
]


class HubSchema(strawberry.federation.Schema):
    """The federation schema. Registered documents (``hub/schema/trusted.py``) are answered
    by their compiled plans (``hub/schema/fastpath.py``) inside strawberry's execution, so
    every extension sees them; any other text runs through strawberry alone. Parsed and
    validated documents are kept in a cache bounded in bytes (``limits.cache_bytes``)."""

    def __init__(self, *args: Any, limits: QueryLimits, documents: Documents,
                 trusted: TrustedDocuments, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.documents = documents
        self.trusted = trusted
        core = graphql_core_schema(self)
        for document in trusted:
            errors = validate(core, document.document)
            if errors:
                raise ValueError(f"the registered document {document.name} does not validate "
                                 f"against the schema: {errors[0].message}")
        documents.pin((d.body, d.document) for d in trusted)
        self.plans = Plans(self, trusted)
        # Set by the app's lifespan while it has read replicas (hub/schema/read_routing.py).
        self.routes_reads = False
        plans = self.plans
        # First, so every other extension sees the registered text; last, so every other
        # extension's on_execute has run before a plan answers.
        self.extensions = (lambda: PersistedQueries(trusted), *self.extensions,
                           lambda: CompiledPlans(plans))

    def get_extensions(self, sync: bool = False) -> list[SchemaExtension]:
        """The request's extensions, without compiled plans for a synchronous execution (it
        cannot await one) and for a request tracing its fields (ftv1 needs graphql-core's
        execution to see each field); over HTTP, without those that do nothing there (each
        extension's hooks cost every request a few context managers)."""
        extensions = super().get_extensions(sync)
        if sync:  # nor per-operation reads, which are awaited (and only served over WebSockets)
            return [e for e in extensions if not isinstance(e, CompiledPlans | OperationReads)]
        if over_http():  # per-operation reads serve WebSockets (and, over HTTP, only route
            # reads to replicas when there are some); a no-op tracer has no hooks
            routes = self.routes_reads
            extensions = [e for e in extensions if (routes or not isinstance(e, OperationReads))
                          and type(e) is not SchemaExtension]
        if any(isinstance(e, ApolloFederationTracingExtension) for e in extensions):
            return [e for e in extensions if not isinstance(e, CompiledPlans)]
        return extensions

    async def execute(
        self, query: str | None, variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None, root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        # A subscription is served by ``subscribe`` (graphql-transport-ws) alone: executed
        # once, its field would answer null and an internal error, so it is refused here as
        # an operation type this transport does not carry (400, coded).
        allowed = {t for t in (allowed_operation_types or OperationType)
                   if t is not OperationType.SUBSCRIPTION}
        result = await super().execute(query, variable_values, context_value, root_value,
                                       operation_name, allowed, operation_extensions)
        if result.errors and not all(_finished(e) for e in result.errors):
            result.errors = coded(result.errors)  # raised where ErrorCodes does not see
        return result

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        """A refusal (a coded error) is one line at INFO; only an unexpected failure is
        logged with its traceback."""
        for error, done in zip(errors, coded(errors), strict=True):
            code = (done.extensions or {}).get("code")
            if code == "INTERNAL_SERVER_ERROR":
                StrawberryLogger.error(error, execution_context)
            else:
                log.info("refused %s: %s", code, error.message.splitlines()[0][:300])


def _finished(error: GraphQLError) -> bool:
    extensions = error.extensions or {}
    return "code" in extensions and "messageZh" in extensions and "messageEn" in extensions


def build_schema(limits: QueryLimits | None = None,
                 trusted: TrustedDocuments | None = None) -> HubSchema:
    """The subgraph schema with its limits, error coding and registered documents (those of
    ``hub/schema/documents/manifest.json`` unless given)."""
    limits = limits or QueryLimits()
    documents = Documents(limits.cache_bytes, limits.shape, MAX_QUERY_CHARS)
    costs = Costs()  # documents' variable types and costs, looked up rather than walked again
    return HubSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[*ENTITY_TYPES, Dispatch],
        federation_version="2.7",
        config=StrawberryConfig(auto_camel_case=True, scalar_map={GeoJSON: GEOJSON_SCALAR,
                                                                  datetime: DATETIME_SCALAR}),
        # Factories: strawberry builds fresh extensions per request; the document cache
        # (parsing, shape, validation; bounded in bytes) is the schema's and shared.
        extensions=[
            Observe,  # first: it times and counts the whole operation
            federated_tracing,
            ErrorCodes,
            OperationReads,  # before the compiled plans: they answer with its context
            lambda: DocumentCache(documents, max_tokens=MAX_TOKENS, rules=_LIMIT_RULES),
            lambda: CostLimit(limits, costs),
        ],
        limits=limits,
        documents=documents,
        trusted=trusted if trusted is not None else TrustedDocuments.load(),
    )


@cache
def schema() -> HubSchema:
    """The one schema of this process, with the limits the settings give."""
    settings = Settings.from_env()
    return build_schema(QueryLimits(cache_bytes=settings.query_cache_bytes,
                                    list_items=settings.max_list_items))


def schema_sdl() -> str:
    """The SDL as committed in ``hub/schema/schema.graphql``."""
    return schema().as_str() + "\n"
