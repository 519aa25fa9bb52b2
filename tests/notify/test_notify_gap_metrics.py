"""The notification backlog on /metrics (issue 15 gap 3), read from the database at each scrape:
outbox events not yet relayed, notification deliveries by channel and status (pending, sending,
failed; every channel and status present, zero when there are none), webhook deliveries
pending and failed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from starlette.testclient import TestClient

from hub.app import create_app
from hub.metrics import CHANNELS
from hub.services.channels import ChannelName
from hub.settings import Settings
from tests.test_metrics import samples, value


@pytest.fixture
def owner(clean: str, notify_url: str) -> Iterator[psycopg.Connection[Any]]:
    """The scratch database, emptied (``clean``), as its owner, committing each statement."""
    with psycopg.connect(notify_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def client(clean: str, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database_url=clean)) as test_client:
        yield test_client


def _events(conn: psycopg.Connection[Any], n: int, *, relayed: bool) -> list[int]:
    cur = conn.execute(
        "INSERT INTO outbox_event (kind, subject_kind, subject_id, relayed_at) "
        "SELECT 'offer_made', 'dispatch', g, CASE WHEN %s THEN now() END "
        "FROM generate_series(1, %s) g RETURNING id", (relayed, n))
    return [row[0] for row in cur.fetchall()]


def _deliveries(conn: psycopg.Connection[Any], event: int, channel: str, status: str,
                n: int) -> None:
    conn.execute(
        "INSERT INTO notification_delivery (event_id, recipient_kind, recipient_ref, channel, "
        "kind, status, claimed_at, finished_at) SELECT %(e)s, 'volunteer', g, %(c)s, "
        "'offer_made', %(s)s, CASE WHEN %(s)s = 'sending' THEN now() END, "
        "CASE WHEN %(s)s IN ('delivered', 'failed') THEN now() END "
        "FROM generate_series(1, %(n)s) g",
        {"e": event, "c": channel, "s": status, "n": n})


def _webhook_deliveries(conn: psycopg.Connection[Any], statuses: dict[str, int]) -> None:
    """Deliveries of relayed events (one each) to a webhook, ``n`` of each status."""
    cur = conn.execute(
        "INSERT INTO webhook (partner, url, kinds, regions, secret) VALUES ('partner-a', "
        "'https://partner.example/hook', '{offer_made}', '{110000000000}', repeat('s', 32)) "
        "RETURNING id")
    row = cur.fetchone()
    assert row is not None
    for status, n in statuses.items():
        conn.execute(
            "INSERT INTO webhook_delivery (webhook_id, event_id, status, finished_at) "
            "SELECT %(w)s, e, %(s)s, CASE WHEN %(s)s <> 'pending' THEN now() END "
            "FROM unnest(%(e)s::bigint[]) e",
            {"w": row[0], "e": _events(conn, n, relayed=True), "s": status})


def test_the_backlog_is_read_at_each_scrape(client: TestClient,
                                            owner: psycopg.Connection[Any]) -> None:
    text = client.get("/metrics").text
    assert value(text, "hub_outbox_unrelayed") == 0
    deliveries = samples(text, "hub_notification_deliveries")
    assert len(deliveries) == 9 and set(deliveries.values()) == {0.0}  # 3 channels × 3 statuses
    assert value(text, "hub_webhook_deliveries", status="pending") == 0

    _events(owner, 4, relayed=False)
    [first, second] = _events(owner, 2, relayed=True)
    _deliveries(owner, first, "sms", "pending", 5)
    _deliveries(owner, first, "wechat", "sending", 2)
    _deliveries(owner, second, "email", "failed", 3)
    _deliveries(owner, second, "wechat", "delivered", 7)  # done: no backlog
    _webhook_deliveries(owner, {"pending": 2, "failed": 1, "delivered": 4})

    text = client.get("/metrics").text
    assert value(text, "hub_outbox_unrelayed") == 4
    got = {(dict(k)["channel"], dict(k)["status"]): v
           for k, v in samples(text, "hub_notification_deliveries").items() if v}
    assert got == {("sms", "pending"): 5, ("wechat", "sending"): 2, ("email", "failed"): 3}
    assert value(text, "hub_webhook_deliveries", status="pending") == 2
    assert value(text, "hub_webhook_deliveries", status="failed") == 1
    assert not samples(text, "hub_webhook_deliveries").keys() - {
        (("status", "pending"),), (("status", "failed"),)}

    owner.execute("UPDATE outbox_event SET relayed_at = now() WHERE relayed_at IS NULL")
    owner.execute("UPDATE notification_delivery SET status = 'delivered', claimed_at = NULL, "
                  "finished_at = now() WHERE channel = 'sms'")
    text = client.get("/metrics").text
    assert value(text, "hub_outbox_unrelayed") == 0
    assert value(text, "hub_notification_deliveries", channel="sms") == 0
    assert value(text, "hub_notification_deliveries", channel="wechat", status="sending") == 2


def test_the_channel_labels_are_the_channels() -> None:
    assert set(CHANNELS) == {c.value for c in ChannelName}
