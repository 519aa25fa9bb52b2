"""Per-request context: the database, the caller, DataLoaders, and policy decisions."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from hub.auth import (
    DENIED,
    Caller,
    Field,
    Scope,
    ScopeAll,
    ScopeNone,
    ScopeOrg,
    Subject,
    Visibility,
    scope_of,
)
from hub.pii import PiiCipher
from hub.services import (
    activities,
    demands,
    organizations,
    publishing,
    regions,
    stations,
    volunteers,
)
from hub.services.events import Events
from hub.settings import Settings
from hub.store.base import Database, RequestDatabase, Row, ValueReader

Fetch = Callable[[Sequence[Any]], Awaitable[list[Row]]]


def _loader(fetch: Fetch, key: str) -> DataLoader[Any, Row | None]:
    async def load(keys: list[Any]) -> list[Row | None]:
        rows = await fetch(keys)
        by_key = {row[key]: row for row in rows}
        return [by_key.get(k) for k in keys]

    return DataLoader(load_fn=load)


def _group_loader(fetch: Fetch, key: str) -> DataLoader[Any, list[Row]]:
    async def load(keys: list[Any]) -> list[list[Row]]:
        groups: dict[Hashable, list[Row]] = {k: [] for k in keys}
        for row in await fetch(keys):
            groups.setdefault(row[key], []).append(row)
        return [groups[k] for k in keys]

    return DataLoader(load_fn=load)


class Loaders:
    """Batched lookups; one SQL statement per relation per request level.

    Each loader is made when a resolver first asks for it: most requests use one or two of
    them, and a request should not pay for the others.
    """

    def __init__(self, db: Database, scope_org: int | None, *, see_volunteers: bool = True,
                 caller: Caller | None = None) -> None:
        self.db = db
        self.scope_org = scope_org
        self.see_volunteers = see_volunteers
        self.caller = caller

    def _seen(self, kind: str, fetch: Fetch) -> Fetch:
        """``fetch`` keeping the rows the caller may see: published ones, and drafts and
        submissions the caller manages or reviews (hub.services.publishing)."""
        async def seen(keys: Sequence[Any]) -> list[Row]:
            rows = await fetch(keys)
            return rows if self.caller is None else publishing.visible_rows(self.caller, kind,
                                                                             rows)
        return seen

    @cached_property
    def volunteer(self) -> DataLoader[int, Row | None]:
        if not self.see_volunteers:  # the policy lists no volunteer record for this caller
            async def none(ids: list[int]) -> list[Row | None]:
                return [None] * len(ids)
            return DataLoader(load_fn=none)
        return _loader(lambda ids: volunteers.get_many(self.db, ids=ids,
                                                       scope_org=self.scope_org), "id")

    @cached_property
    def station(self) -> DataLoader[int, Row | None]:
        return _loader(self._seen("station", lambda ids: stations.get_many(self.db, ids=ids)),
                       "id")

    @cached_property
    def demand(self) -> DataLoader[int, Row | None]:
        return _loader(lambda ids: demands.get_many(self.db, ids=ids), "id")

    @cached_property
    def organization(self) -> DataLoader[int, Row | None]:
        return _loader(lambda ids: organizations.get_many(self.db, ids=ids), "id")

    @cached_property
    def region(self) -> DataLoader[str, Row | None]:
        return _loader(lambda codes: regions.get_many(self.db, codes=codes), "code")

    @cached_property
    def project(self) -> DataLoader[int, Row | None]:
        return _loader(self._seen(
            "project", lambda ids: activities.get_many_projects(self.db, ids=ids)), "id")

    @cached_property
    def activity(self) -> DataLoader[int, Row | None]:
        return _loader(self._seen("activity", lambda ids: activities.get_many(self.db, ids=ids)),
                       "id")

    @cached_property
    def memberships(self) -> DataLoader[int, list[Row]]:
        return _group_loader(
            lambda ids: organizations.list_memberships(self.db, volunteer_ids=ids), "volunteer_id")

    @cached_property
    def children(self) -> DataLoader[int, list[Row]]:
        return _group_loader(
            lambda ids: organizations.list_children(self.db, parent_ids=ids), "parent_id")

    @cached_property
    def member_counts(self) -> DataLoader[int, Row | None]:
        return _loader(lambda ids: organizations.count_members(self.db, ids=ids), "id")

    @cached_property
    def members(self) -> DataLoader[int, list[Row]]:
        return _group_loader(
            lambda ids: organizations.list_members(self.db, organization_ids=ids, limit=100),
            "organization_id")

    @cached_property
    def projects_of(self) -> DataLoader[int, list[Row]]:
        return _group_loader(self._seen(
            "project", lambda ids: activities.list_projects(self.db, owner_ids=ids)), "owner_id")

    @cached_property
    def activities_of(self) -> DataLoader[int, list[Row]]:
        return _group_loader(self._seen(
            "activity", lambda ids: activities.list_of_projects(self.db, project_ids=ids)),
            "project_id")

    @cached_property
    def reviews(self) -> DataLoader[tuple[str, int], list[Row]]:
        """The review log of (kind, id) pairs: one statement per kind."""
        async def load(keys: list[tuple[str, int]]) -> list[list[Row]]:
            found: dict[tuple[str, int], list[Row]] = {k: [] for k in keys}
            for kind in sorted({k for k, _ in keys}):
                ids = [i for k, i in keys if k == kind]
                for row in await publishing.list_reviews(self.db, kind=kind, subject_ids=ids):
                    found[(kind, row["subject_id"])].append(row)
            return [found[k] for k in keys]
        return DataLoader(load_fn=load)

    @cached_property
    def region_children(self) -> DataLoader[str, list[Row]]:
        return _group_loader(
            lambda codes: regions.list_children(self.db, parent_codes=codes), "parent_code")


@dataclass
class Context:
    """What every resolver can reach through ``info.context``."""

    db: Database
    caller: Caller
    settings: Settings
    cipher: PiiCipher
    executor: Executor | None = None  # where the matcher runs; None: a worker thread
    # Where large single values (map layers) are read: the app's threaded reads; else ``db``.
    reads: ValueReader | None = None
    # The answer is serialised by orjson (HTTP, WebSocket): JSON that PostgreSQL wrote may be
    # embedded as it is (orjson.Fragment) instead of parsed and written again.
    raw_json: bool = False
    # Who is calling from where: the client's address (rate limits of anonymous actions).
    client: str | None = None
    # graphql-transport-ws `connection_init` payload (set by strawberry on WebSockets).
    connection_params: dict[str, Any] | None = None
    # The HTTP request or WebSocket, when served: its headers (an ftv1 trace asked for) and
    # app (the metrics) are read by the schema extensions (hub/schema/observe.py).
    request: Any = None
    # strawberry's sub-response over HTTP: headers and cookies set on it are sent with the
    # answer (a write's read-after token, hub/schema/read_routing.py).
    response: Any = None
    compiled: bool = False  # answered by a compiled plan (hub.schema.observe.mark_compiled)
    events: Events | None = None  # the app's live dispatch events (subscriptions)
    loaders: Loaders = field(init=False)
    _scopes: dict[Field, Scope] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.authenticate(self.caller)

    def authenticate(self, caller: Caller) -> None:
        """Act for ``caller`` from now on (a WebSocket learns its caller after connecting)."""
        self.caller = caller
        self._scopes = {}
        self.loaders = self._new_loaders()

    def _new_loaders(self) -> Loaders:
        org_scope = scope_of(self.caller, Field.VOLUNTEER_LOCATION)
        return Loaders(self.db, org_scope.org_id if isinstance(org_scope, ScopeOrg) else None,
                       see_volunteers=self.sees_volunteers, caller=self.caller)

    def for_operation(self) -> Context:
        """A copy for one operation of a WebSocket connection: the connection's caller, with
        loaders and policy decisions of its own (nothing another operation loaded)."""
        return dataclasses.replace(self)

    @contextlib.asynccontextmanager
    async def one_snapshot(self) -> AsyncIterator[None]:
        """Reads in the block see one snapshot, through loaders of their own, as an HTTP
        request's do (``hub.store.base.RequestDatabase.one_snapshot`` over the app's pool):
        an operation on a WebSocket, an event of a subscription. Over one connection (a
        test's transaction) reads are that transaction's; only the loaders are new."""
        outer, loaders = self.db, self.loaders
        pool = outer.inner if isinstance(outer, RequestDatabase) else None
        async with contextlib.AsyncExitStack() as stack:
            if pool is not None:
                self.db = await stack.enter_async_context(RequestDatabase(pool).one_snapshot())
            self.loaders = self._new_loaders()
            try:
                yield
            finally:
                self.db, self.loaders = outer, loaders

    @property
    def sees_volunteers(self) -> bool:
        """Whether the caller is given individual volunteer records at all (the policy's
        ``volunteer`` row); anonymous callers get counts per cell instead."""
        return not isinstance(scope_of(self.caller, Field.VOLUNTEER), ScopeNone)

    def scope(self, protected: Field) -> Scope:
        """The caller's scope for a field, decided once per request."""
        if protected not in self._scopes:
            self._scopes[protected] = scope_of(self.caller, protected)
        return self._scopes[protected]

    def visibility(self, protected: Field, subject: Subject | Callable[[], Subject]) -> Visibility:
        """What the caller gets of ``protected`` on ``subject`` (the one policy table).

        ``subject`` may be a function making it, called only when the scope depends on it
        (not for callers who see every row, or none).
        """
        scope = self.scope(protected)
        if isinstance(scope, ScopeAll):
            return Visibility.FULL
        if isinstance(scope, ScopeNone):
            return DENIED[protected][self.caller.role]
        if callable(subject):
            subject = subject()
        return Visibility.FULL if scope.admits(subject) else DENIED[protected][self.caller.role]


Info = StrawberryInfo[Context, None]


_Made = TypeVar("_Made")


def per_request(info: Info, name: str, make: Callable[[Context], _Made]) -> _Made:
    """What ``make`` makes of the request's context, made once per request and kept on it
    under ``name`` (a module's own DataLoaders)."""
    found = getattr(info.context, name, None)
    if found is None:
        found = make(info.context)
        setattr(info.context, name, found)
    return found
