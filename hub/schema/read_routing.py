"""Which operations may read from a replica: the one place that decides (docs/replicas.md).

A query whose every root field is in :data:`STALE_TOLERANT` (lists, ``near`` searches, the map
layer, scorecards, reports, federated entity reads) may see data a moment old: its reads go to
a replica in rotation that has replayed the caller's last write (``hub.store.replicas``).
Everything else reads from the primary: mutations, subscriptions, sign-in, the caller's own
records (``me``, ``myDemands``…), dispatch state, anything inside a write transaction. After a
mutation the caller is handed the primary's WAL position in a signed token (the
``Hub-Read-After`` header and cookie), which the next read brings back to any hub process.

Without replicas this module runs for no HTTP request (``HubSchema.routes_reads`` is False
and the extension that calls it is not in the request's list).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator

from graphql import FieldNode, OperationDefinitionNode
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from hub.schema.context import Context
from hub.store.base import RequestDatabase

STALE_TOLERANT = frozenset({
    # lists and near searches
    "volunteers", "stations", "demands", "organizations", "regions", "nearestStations",
    "projects", "activities", "campaigns",
    # the map
    "mapLayer", "stationCoverage", "coveragePlan",
    # scorecards and reports
    "scorecard", "scorecards", "equity", "campaignStats", "starThresholds", "starRules",
    # federation: partners' gateways resolving entities; the SDL
    "_entities", "_service", "__typename",
})
TOKEN_HEADER = "Hub-Read-After"
TOKEN_COOKIE = "hub_read_after"


def stale_tolerant(run: ExecutionContext) -> bool:
    """Whether the operation is a query whose every root field is stale-tolerant."""
    document = run.graphql_document
    if document is None or run.operation_type is not OperationType.QUERY:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    name = run.operation_name
    chosen = next((o for o in operations if name is None or
                   (o.name is not None and o.name.value == name)), None)
    if chosen is None:
        return False
    selections = chosen.selection_set.selections
    return bool(selections) and all(isinstance(s, FieldNode) and s.name.value in STALE_TOLERANT
                                    for s in selections)


def _token(context: Context) -> str | None:
    """The caller's Hub-Read-After token: the header, else the cookie."""
    request = context.request
    if request is None:
        return None
    return request.headers.get(TOKEN_HEADER) or request.cookies.get(TOKEN_COOKIE)


@contextlib.asynccontextmanager
async def routed(context: Context, run: ExecutionContext) -> AsyncIterator[None]:
    """Run the operation with its reads where they belong; after a mutation, hand the caller
    the position its next reads must see."""
    db = context.db
    router = db.read_router if isinstance(db, RequestDatabase) else None
    if router is None or not isinstance(db, RequestDatabase):
        yield
        return
    if run.operation_type is OperationType.MUTATION:
        yield
        lsn = await router.written(context.caller.sub)
        response = context.response
        if lsn is not None and response is not None:
            token = router.token(lsn)
            response.headers[TOKEN_HEADER] = token
            response.set_cookie(TOKEN_COOKIE, token, max_age=math.ceil(router.remember_s),
                                httponly=True, samesite="strict", path="/")
        return
    if stale_tolerant(run):
        target = await router.choose(router.must_see(context.caller.sub, _token(context)))
        if target is not None and db.read_from(target.db,
                                               router.lost_callback(target.replica)):
            context.reads = target.reads
    yield
