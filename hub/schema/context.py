"""Per-request context: the database, the caller, DataLoaders, and policy decisions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

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
from hub.settings import Settings
from hub.store import organizations, places, regions, volunteers
from hub.store.base import Database, Row, ValueReader

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


@dataclass
class Loaders:
    """Batched lookups; one SQL statement per relation per request level."""

    db: Database
    scope_org: int | None
    volunteer: DataLoader[int, Row | None] = field(init=False)
    station: DataLoader[int, Row | None] = field(init=False)
    demand: DataLoader[int, Row | None] = field(init=False)
    organization: DataLoader[int, Row | None] = field(init=False)
    region: DataLoader[str, Row | None] = field(init=False)
    project: DataLoader[int, Row | None] = field(init=False)
    activity: DataLoader[int, Row | None] = field(init=False)
    memberships: DataLoader[int, list[Row]] = field(init=False)
    children: DataLoader[int, list[Row]] = field(init=False)
    member_counts: DataLoader[int, Row | None] = field(init=False)
    members: DataLoader[int, list[Row]] = field(init=False)
    projects_of: DataLoader[int, list[Row]] = field(init=False)
    activities_of: DataLoader[int, list[Row]] = field(init=False)
    region_children: DataLoader[str, list[Row]] = field(init=False)

    def __post_init__(self) -> None:
        db = self.db
        self.volunteer = _loader(
            lambda ids: volunteers.get_many(db, ids=ids, scope_org=self.scope_org), "id")
        self.station = _loader(lambda ids: places.stations_by_ids(db, ids=ids), "id")
        self.demand = _loader(lambda ids: places.demands_by_ids(db, ids=ids), "id")
        self.organization = _loader(lambda ids: organizations.get_many(db, ids=ids), "id")
        self.region = _loader(lambda codes: regions.get_many(db, codes=codes), "code")
        self.project = _loader(lambda ids: organizations.projects_by_ids(db, ids=ids), "id")
        self.activity = _loader(lambda ids: organizations.activities_by_ids(db, ids=ids), "id")
        self.memberships = _group_loader(
            lambda ids: volunteers.memberships_of(db, volunteer_ids=ids), "volunteer_id")
        self.children = _group_loader(
            lambda ids: organizations.children_of(db, parent_ids=ids), "parent_id")
        self.member_counts = _loader(lambda ids: organizations.member_counts(db, ids=ids), "id")
        self.members = _group_loader(
            lambda ids: organizations.member_rows(db, organization_ids=ids, limit=100),
            "organization_id")
        self.projects_of = _group_loader(
            lambda ids: organizations.projects_of(db, owner_ids=ids), "owner_id")
        self.activities_of = _group_loader(
            lambda ids: organizations.activities_of_projects(db, project_ids=ids), "project_id")
        self.region_children = _group_loader(
            lambda codes: regions.children_of_many(db, parent_codes=codes), "parent_code")


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
    # graphql-transport-ws `connection_init` payload (set by strawberry on WebSockets).
    connection_params: dict[str, Any] | None = None
    loaders: Loaders = field(init=False)
    _scopes: dict[Field, Scope] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.authenticate(self.caller)

    def authenticate(self, caller: Caller) -> None:
        """Act for ``caller`` from now on (a WebSocket learns its caller after connecting)."""
        self.caller = caller
        self._scopes = {}
        org_scope = scope_of(caller, Field.VOLUNTEER_LOCATION)
        self.loaders = Loaders(self.db, org_scope.org_id if isinstance(org_scope, ScopeOrg)
                               else None)

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
            return DENIED[protected]
        if callable(subject):
            subject = subject()
        return Visibility.FULL if scope.admits(subject) else DENIED[protected]


Info = StrawberryInfo[Context, None]
