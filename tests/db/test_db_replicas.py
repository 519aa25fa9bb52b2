"""Read replicas (docs/replicas.md) against a real primary and hot standby built here with
``pg_basebackup -R``: stale-tolerant reads go to the standby, a caller reads its own writes
(waiting for the standby, else from the primary), a standby that lags or stops leaves the
rotation and comes back by itself."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import psycopg
import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.auth import issue_token
from hub.db.migrate import migrate
from hub.db.replicas import Replica
from hub.schema.read_routing import TOKEN_COOKIE, TOKEN_HEADER
from hub.seed import regions
from hub.settings import ReplicaSettings, Settings, SettingsError
from tests.conftest import as_app
from tests.db.replica_clusters import Node, primary_and_standby

MAX_LAG_S = 2.0
WAIT_MS = 300
CHECK_S = 0.2
REGION = "410100000000"  # 郑州市
REGIONS = {"query": "{ regions(parentCode: \"410000\") { code name } }"}
RAISE = """mutation($input: RaiseDemandInput!) { raiseDemand(input: $input) {
  demand { id } errors { field code message } } }"""
ENTITY = """query($r: [_Any!]!) { _entities(representations: $r) {
  ... on Demand { id title } } }"""


def _prepare(url: str) -> None:
    migrate(url)
    with psycopg.connect(url) as conn:
        regions.load(conn)
        conn.commit()


@dataclass
class Pair:
    primary: Node
    standby: Node


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    with primary_and_standby(_prepare) as (primary, standby):
        yield Pair(primary, standby)


@pytest.fixture
def hub(pair: Pair, settings: Settings) -> Iterator[TestClient]:
    with _client(pair, settings) as client:
        _until(lambda: _replica(client).in_rotation, "the standby never joined the rotation")
        yield client


def _client(pair: Pair, settings: Settings) -> TestClient:
    config = ReplicaSettings(urls=(as_app(pair.standby.url()),), max_lag_s=MAX_LAG_S,
                             read_your_writes_wait_ms=WAIT_MS, check_s=CHECK_S)
    app = create_app(replace(settings, replicas=config, db_wait_s=1.0),
                     database_url=as_app(pair.primary.url()))
    return TestClient(app)


def _replica(client: TestClient) -> Replica:
    replica: Replica = client.app.state.db.router.replicas.replicas[0]  # type: ignore[attr-defined]
    return replica


def _counts(client: TestClient) -> dict[str, dict[str, int]]:
    stats = client.app.state.db.router.replicas.stats()  # type: ignore[attr-defined]
    return {"routed": stats["routed"], "fallbacks": stats["fallbacks"]}


def _until(condition: Callable[[], bool], message: str, timeout_s: float = 10.0) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout_s, message
        time.sleep(0.05)
    return time.monotonic() - started


def _sql(url: str, statement: str, params: Any = None) -> Any:
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(statement, params)
        row = cursor.fetchone() if cursor.description else None
        return row[0] if row else None


@pytest.fixture
def paused(pair: Pair) -> Iterator[Callable[[], None]]:
    """Pause the standby's replay (resumed at the end, whatever happens)."""
    def pause() -> None:
        _sql(pair.standby.url(), "SELECT pg_wal_replay_pause()")
    try:
        yield pause
    finally:
        _sql(pair.standby.url(), "SELECT pg_wal_replay_resume()")


def _rename(pair: Pair, name: str) -> None:
    _sql(pair.primary.url(), "UPDATE region SET name = %s WHERE code = %s", (name, REGION))


def _name(client: TestClient, **kwargs: Any) -> str:
    response = client.post("/graphql", json=REGIONS, **kwargs)
    assert response.status_code == 200, response.text
    return next(r["name"] for r in response.json()["data"]["regions"] if r["code"] == REGION)


def _admin(settings: Settings) -> dict[str, str]:
    return {"Authorization": "Bearer " + issue_token(settings, sub="admin-r", role="admin")}


def _raise(client: TestClient, settings: Settings, title: str) -> tuple[str, str]:
    starts = datetime.now().astimezone() + timedelta(days=2)
    response = client.post("/graphql", headers=_admin(settings), json={
        "query": RAISE, "variables": {"input": {
            "title": title, "category": "health", "needed": 1,
            "startsAt": starts.isoformat(), "endsAt": (starts + timedelta(hours=2)).isoformat(),
            "location": {"lon": 113.6654, "lat": 34.7579}, "regionCode": "410105000000"}}})
    assert response.status_code == 200, response.text
    out = response.json()["data"]["raiseDemand"]
    assert out["errors"] == [], out
    return str(out["demand"]["id"]), response.headers[TOKEN_HEADER]


def _demand(client: TestClient, demand_id: str, **kwargs: Any) -> Any:
    response = client.post("/graphql", json={
        "query": ENTITY, "variables": {"r": [{"__typename": "Demand", "id": demand_id}]}},
        **kwargs)
    assert response.status_code == 200, response.text
    return response.json()["data"]["_entities"][0]


def test_stale_tolerant_reads_go_to_the_standby_and_others_to_the_primary(
        hub: TestClient, pair: Pair, paused: Callable[[], None]):
    before = _counts(hub)["routed"]["replica"]
    assert _name(hub) == "郑州市"
    assert _counts(hub)["routed"]["replica"] == before + 1
    paused()
    _rename(pair, "郑州市（改）")
    try:
        # Replay is paused: the list comes from the standby (the old name), while a read that
        # is not stale-tolerant (node) comes from the primary (the new one).
        assert _name(hub) == "郑州市"
        region_id = next(r["id"] for r in hub.post("/graphql", json={
            "query": "{ regions(parentCode: \"410000\") { id code } }"}).json()["data"]["regions"]
            if r["code"] == REGION)
        node = hub.post("/graphql", json={"query": "query($id: ID!) { node(id: $id) { "
                                          "... on Region { name } } }",
                                          "variables": {"id": region_id}}).json()
        assert node["data"]["node"]["name"] == "郑州市（改）"
    finally:
        _rename(pair, "郑州市")
    metrics = hub.get("/metrics").text
    assert 'hub_db_reads_routed{target="replica"}' in metrics
    assert "hub_replica_lag_seconds{replica=" in metrics
    assert 'hub_db_pool{pool="replica 127.0.0.1:' in metrics


def test_a_caller_reads_its_own_writes(hub: TestClient, settings: Settings, pair: Pair,
                                       paused: Callable[[], None]):
    demand_id, _ = _raise(hub, settings, "写后即读")
    routed = _counts(hub)["routed"]["replica"]
    assert _demand(hub, demand_id, headers=_admin(settings))["title"] == "写后即读"
    assert _counts(hub)["routed"]["replica"] == routed + 1  # the standby had caught up

    paused()
    waits = _counts(hub)["fallbacks"]["catch_up"]
    demand_id, token = _raise(hub, settings, "回放暂停时写入")
    assert hub.cookies.get(TOKEN_COOKIE) == token
    started = time.monotonic()
    assert _demand(hub, demand_id, headers=_admin(settings))["title"] == "回放暂停时写入"
    assert time.monotonic() - started >= WAIT_MS / 1000  # it waited for the standby first
    assert _counts(hub)["fallbacks"]["catch_up"] == waits + 1

    # Another hub process knows nothing of this caller: the token alone carries the write.
    with _client(pair, settings) as other:
        _until(lambda: _replica(other).in_rotation, "the standby never joined the rotation")
        admin = _admin(settings)
        assert _demand(other, demand_id, headers=admin) is None  # no token: the standby's view
        found = _demand(other, demand_id, headers={**admin, TOKEN_HEADER: token})
        assert found["title"] == "回放暂停时写入"
        forged = token.rsplit(".", 1)[0] + ".00"
        assert _demand(other, demand_id, headers={**admin, TOKEN_HEADER: forged}) is None


def test_a_lagging_standby_leaves_the_rotation_and_comes_back(
        hub: TestClient, pair: Pair, paused: Callable[[], None]):
    paused()
    _rename(pair, "郑州市（滞后）")
    try:
        took = _until(lambda: not _replica(hub).in_rotation, "the lagging standby stayed",
                      timeout_s=MAX_LAG_S + 5)
        assert took >= MAX_LAG_S - 2 * CHECK_S, took  # not before it was too far behind
        assert _replica(hub).reason == "lag"
        fallbacks = _counts(hub)["fallbacks"]["no_replica"]
        assert _name(hub) == "郑州市（滞后）"  # from the primary
        assert _counts(hub)["fallbacks"]["no_replica"] == fallbacks + 1
        _sql(pair.standby.url(), "SELECT pg_wal_replay_resume()")
        _until(lambda: _replica(hub).in_rotation, "the standby did not come back")
        assert _replica(hub).lag_s == 0.0
        assert _name(hub) == "郑州市（滞后）"
    finally:
        _rename(pair, "郑州市")


def test_a_stopped_standby_leaves_the_rotation_and_comes_back(hub: TestClient, pair: Pair):
    pair.standby.stop()
    try:
        for _ in range(5):  # the first finds the standby gone and reads from the primary
            started = time.monotonic()
            assert _name(hub) == "郑州市"
            assert time.monotonic() - started < 2.5
        assert not _replica(hub).in_rotation and _replica(hub).reason == "down"
        assert "hub_replica_lag_seconds" in hub.get("/metrics").text
        tile = hub.get("/tiles/stations/12/3370/1626.mvt")
        assert tile.status_code == 200
    finally:
        pair.standby.start()
    _until(lambda: _replica(hub).in_rotation, "the restarted standby did not come back",
           timeout_s=15)
    routed = _counts(hub)["routed"]["replica"]
    assert _name(hub) == "郑州市"
    assert _counts(hub)["routed"]["replica"] == routed + 1


@pytest.mark.parametrize(("env", "named"), [
    ({"HUB_REPLICA_URLS": "postgresql://a/hub,mysql://b/hub"}, "HUB_REPLICA_URLS"),
    ({"HUB_READ_YOUR_WRITES_WAIT_MS": "20000"}, "HUB_READ_YOUR_WRITES_WAIT_MS"),
    ({"HUB_READ_YOUR_WRITES_WAIT_MS": "soon"}, "HUB_READ_YOUR_WRITES_WAIT_MS"),
    ({"HUB_REPLICA_MAX_LAG_S": "0"}, "HUB_REPLICA_MAX_LAG_S"),
    ({"HUB_REPLICA_MAX_LAG_S": "0.5", "HUB_REPLICA_CHECK_S": "1"}, "HUB_REPLICA_MAX_LAG_S"),
])
def test_replica_settings_are_refused_with_their_key_named(env: dict[str, str], named: str):
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(env)


def test_replica_settings_are_read():
    config = Settings.from_env({"HUB_REPLICA_URLS": " postgresql://a:5433/hub , postgres://b/hub",
                                "HUB_REPLICA_MAX_LAG_S": "3", "HUB_READ_YOUR_WRITES_WAIT_MS": "0",
                                "HUB_REPLICA_CHECK_S": "0.5"}).replicas
    assert config == ReplicaSettings(urls=("postgresql://a:5433/hub", "postgres://b/hub"),
                                     max_lag_s=3.0, read_your_writes_wait_ms=0, check_s=0.5)
    assert Settings.from_env({}).replicas.urls == ()
