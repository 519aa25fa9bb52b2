"""Sending one outbox event to one partner webhook (issue 15.4): the body, its HMAC-SHA256
signature over the timestamp and the body, and the POST.

Headers of every delivery (docs/notifications.md, "Verifying a delivery")::

    X-Hub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>
    X-Hub-Event: <kind>
    X-Hub-Delivery: <delivery id>        (a replay has an id of its own)
    Idempotency-Key: <outbox event id>   (the same for every try and every replay)

The receiver recomputes the signature with its secret, compares in constant time, and refuses a
timestamp older than its replay window (:data:`REPLAY_WINDOW_S`, 5 minutes); it deduplicates by
the idempotency key, since a delivery is retried until it answers 2xx (so it may arrive twice
if the answer is lost) and may be replayed by hand.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

import httpx

from hub.settings import WebhookSettings
from hub.store import webhooks as store
from hub.store.base import Database, Row

log = logging.getLogger(__name__)
REPLAY_WINDOW_S = 300
SIGNATURE_HEADER = "X-Hub-Signature"
ERROR_CHARS = 1000


class DeliveryFailed(Exception):
    """The receiver did not take the delivery (an error status, a timeout, no connection);
    the job queue tries again with backoff."""


HIDDEN_FROM_PARTNERS = {"dispatch": frozenset({"reason"})}
"""Payload keys a partner is not sent, by subject: a dispatch's reason is a volunteer's or
dispatcher's own words (why they declined, why it was cancelled)."""


def body_of(row: Mapping[str, Any]) -> bytes:
    """The JSON body of a delivery of the event ``row`` (its ``id`` is the idempotency key)."""
    hidden = HIDDEN_FROM_PARTNERS.get(row["subject_kind"], frozenset())
    event = {"id": str(row["event_id"]), "kind": row["kind"],
             "subject": {"kind": row["subject_kind"], "id": str(row["subject_id"])},
             "regionCode": row["region_code"], "createdAt": row["event_at"].isoformat(),
             "data": {k: v for k, v in dict(row["payload"]).items() if k not in hidden}}
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Hub-Signature`` header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None,
           window_s: int = REPLAY_WINDOW_S) -> bool:
    """Whether ``header`` (``X-Hub-Signature``) signs ``body`` with ``secret`` and its
    timestamp lies within ``window_s`` of ``now``: the receiver's check, as documented."""
    try:
        parts = dict(p.split("=", 1) for p in header.split(","))
        timestamp = int(parts["t"])
        given = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((time.time() if now is None else now) - timestamp) > window_s:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given)


def headers_of(row: Row, body: bytes, *, now: float | None = None) -> dict[str, str]:
    """The headers of a delivery of ``row`` (with its webhook's ``secret``)."""
    timestamp = int(time.time() if now is None else now)
    return {"Content-Type": "application/json; charset=utf-8",
            SIGNATURE_HEADER: sign(row["secret"], timestamp, body),
            "X-Hub-Event": row["kind"], "X-Hub-Delivery": str(row["id"]),
            "Idempotency-Key": str(row["event_id"]), "User-Agent": "hub-webhooks/1"}


async def deliver(db: Database, delivery_id: int, *, settings: WebhookSettings,
                  last_try: bool) -> str:
    """Send a pending delivery once; ``delivered`` on a 2xx answer, else the try is recorded
    and :class:`DeliveryFailed` raised (to be retried), or, on the ``last_try``, the delivery
    fails for good (``failed``). Already finished (delivered, failed) or its webhook deleted
    or paused: nothing is sent (``skipped``)."""
    row = await store.get_delivery_to_send(db, delivery_id=delivery_id)
    if row is None or row["status"] != "pending":
        return "skipped"
    if row["deleted_at"] is not None or not row["active"]:
        await store.update_delivery(db, delivery_id=delivery_id, status="failed", code=None,
                                    error="the webhook was deleted or paused")
        return "skipped"
    body = body_of(row)
    code: int | None = None
    try:
        async with httpx.AsyncClient(timeout=settings.timeout_s,
                                     follow_redirects=False) as client:
            answer = await client.post(row["url"], content=body, headers=headers_of(row, body))
        code = answer.status_code
        if 200 <= code < 300:
            await store.update_delivery(db, delivery_id=delivery_id, status="delivered",
                                        code=code, error=None)
            return "delivered"
        error = f"HTTP {code}: {answer.text[:200]}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    await store.update_delivery(db, delivery_id=delivery_id,
                                status="failed" if last_try else "pending", code=code,
                                error=error[:ERROR_CHARS])
    log.info("webhook delivery %s failed%s: %s", delivery_id, " for good" if last_try else "",
             error[:200])
    if last_try:
        return "failed"
    raise DeliveryFailed(error)
