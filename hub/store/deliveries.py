"""Statements on notification deliveries and preferences (notification_delivery,
notification_preference, sql/0031), and the contacts a delivery needs (a volunteer's or
an account's encrypted phone, an account's openid, a preference's encrypted e-mail)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import time
from typing import Any

from psycopg.types.json import Jsonb

from hub.store.base import Database, Row

# One row per (recipient kind, ref): the person's contacts and preferences. A volunteer's
# account is the one linked to them (sql/0016); an account's volunteer likewise. The phone is
# the volunteer's registered one, else the account's own (residents, station staff: sql/0032).
_CONTACTS = """
WITH wanted AS (
  SELECT * FROM unnest(%(kinds)s::text[], %(refs)s::bigint[]) AS w(recipient_kind, recipient_ref)
), people AS (
  SELECT w.recipient_kind, w.recipient_ref, a.id AS account_id, a.wechat_openid,
         a.disabled_at, coalesce(v.phone_enc, a.phone_enc) AS phone_enc
    FROM wanted w
    JOIN volunteer v ON w.recipient_kind = 'volunteer' AND v.id = w.recipient_ref
    LEFT JOIN account a ON a.volunteer_id = v.id
  UNION ALL
  SELECT w.recipient_kind, w.recipient_ref, a.id, a.wechat_openid, a.disabled_at,
         coalesce(v.phone_enc, a.phone_enc)
    FROM wanted w
    JOIN account a ON w.recipient_kind = 'account' AND a.id = w.recipient_ref
    LEFT JOIN volunteer v ON v.id = a.volunteer_id
)
SELECT p.*, np.channels, np.quiet_start, np.quiet_end, np.email_enc
  FROM people p LEFT JOIN notification_preference np ON np.account_id = p.account_id
"""

_CREATE = """
INSERT INTO notification_delivery (event_id, recipient_kind, recipient_ref, channel, kind,
                                   not_before)
SELECT * FROM unnest(%(events)s::bigint[], %(kinds)s::text[], %(refs)s::bigint[],
                     %(channels)s::text[], %(event_kinds)s::text[], %(not_before)s::timestamptz[])
ON CONFLICT (event_id, recipient_kind, recipient_ref, channel) DO NOTHING
"""

_OPEN_OF_EVENTS = """
SELECT id, channel, not_before FROM notification_delivery
 WHERE event_id = ANY(%(events)s) AND status IN ('pending', 'sending') ORDER BY id
"""

# A batch's claim: rows still open, due, and not held by a live claim (a claim older than the
# lease belongs to a worker that died). Locked rows another job is claiming are skipped.
_CLAIM = """
UPDATE notification_delivery d
   SET status = 'sending', claimed_at = now(), tries = d.tries + 1
  FROM (SELECT id FROM notification_delivery
         WHERE id = ANY(%(ids)s) AND not_before <= now()
           AND (status = 'pending'
                OR (status = 'sending' AND claimed_at < now() - make_interval(secs => %(lease)s)))
         ORDER BY id FOR UPDATE SKIP LOCKED) due
 WHERE d.id = due.id
RETURNING d.id, d.event_id, d.recipient_kind, d.recipient_ref, d.channel, d.kind, d.tries
"""

# Outcomes of a batch's sends, as many as are known at once: delivered or failed for good
# (finished), or back to pending, due after a wait (a retryable failure).
_OUTCOMES = """
UPDATE notification_delivery d
   SET status = x.status, claimed_at = NULL, provider_id = x.provider, last_error = x.error,
       finished_at = CASE WHEN x.status = 'pending' THEN NULL ELSE now() END,
       not_before = CASE WHEN x.status = 'pending' THEN now() + make_interval(secs => x.wait)
                         ELSE d.not_before END
  FROM unnest(%(ids)s::bigint[], %(statuses)s::text[], %(providers)s::text[],
              %(errors)s::text[], %(waits)s::float8[]) AS x(id, status, provider, error, wait)
 WHERE d.id = x.id AND d.status = 'sending'
"""

_STILL_OPEN = """
SELECT min(CASE WHEN status = 'sending'
                THEN claimed_at + make_interval(secs => %(lease)s) ELSE not_before END) AS next,
       count(*) AS n
  FROM notification_delivery WHERE id = ANY(%(ids)s) AND status IN ('pending', 'sending')
"""

_PAYLOADS = "SELECT id, payload FROM outbox_event WHERE id = ANY(%(ids)s)"

_PREFERENCE = "SELECT * FROM notification_preference WHERE account_id = %(account)s"

_UPSERT = """
INSERT INTO notification_preference AS p (account_id, channels, quiet_start, quiet_end,
                                          email_enc, email_masked)
VALUES (%(account)s, %(channels)s, %(quiet_start)s, %(quiet_end)s, %(email_enc)s, %(email_masked)s)
ON CONFLICT (account_id) DO UPDATE
   SET channels = EXCLUDED.channels, quiet_start = EXCLUDED.quiet_start,
       quiet_end = EXCLUDED.quiet_end, email_enc = EXCLUDED.email_enc,
       email_masked = EXCLUDED.email_masked, updated_at = now()
RETURNING *
"""

_ACCOUNT = """
SELECT a.id, a.kind, a.wechat_openid, a.volunteer_id, a.phone_masked,
       a.phone_enc IS NOT NULL AS phone_kept, v.phone_masked AS volunteer_phone_masked
  FROM account a LEFT JOIN volunteer v ON v.id = a.volunteer_id
 WHERE a.id = %(account)s OR a.volunteer_id = %(volunteer)s
 ORDER BY a.id = %(account)s DESC LIMIT 1
"""


async def list_contacts(db: Database, *, recipients: Sequence[tuple[str, int]]) -> list[Row]:
    """Contacts and preferences of each (kind, ref) that exists."""
    return await db.fetch(_CONTACTS, {"kinds": [k for k, _ in recipients],
                                      "refs": [r for _, r in recipients]})


async def create_many(db: Database, *, rows: Sequence[Mapping[str, Any]]) -> None:
    """Deliveries to be made (those already there stay as they are: the idempotency key)."""
    if not rows:
        return
    await db.fetch(_CREATE, {name: [r[key] for r in rows] for name, key in (
        ("events", "event_id"), ("kinds", "recipient_kind"), ("refs", "recipient_ref"),
        ("channels", "channel"), ("event_kinds", "kind"), ("not_before", "not_before"))})


async def list_open_of_events(db: Database, *, event_ids: Sequence[int]) -> list[Row]:
    """The deliveries of these events not yet finished (id, channel, not_before)."""
    return await db.fetch(_OPEN_OF_EVENTS, {"events": list(event_ids)})


async def update_claimed(db: Database, *, ids: Sequence[int], lease_s: float) -> list[Row]:
    """Claim the due, unclaimed ones among ``ids`` (status sending, tries counted)."""
    return await db.fetch(_CLAIM, {"ids": list(ids), "lease": lease_s})


async def update_outcomes(db: Database, *, outcomes: Sequence[Mapping[str, Any]]) -> None:
    """Record sends' outcomes (``id``, ``status`` delivered | failed | pending, ``provider``,
    ``error``, ``wait`` before a pending one is due) in one statement."""
    if not outcomes:
        return
    await db.fetch(_OUTCOMES, {name: [o[key] for o in outcomes] for name, key in (
        ("ids", "id"), ("statuses", "status"), ("providers", "provider"), ("errors", "error"),
        ("waits", "wait"))})


async def count_open(db: Database, *, ids: Sequence[int], lease_s: float) -> Row:
    """How many of ``ids`` are still open (``n``) and when the first is due (``next``: a
    claimed one when its lease lapses)."""
    rows = await db.fetch(_STILL_OPEN, {"ids": list(ids), "lease": lease_s})
    return rows[0]


async def get_payloads(db: Database, *, event_ids: Sequence[int]) -> dict[int, Any]:
    rows = await db.fetch(_PAYLOADS, {"ids": list(event_ids)})
    return {row["id"]: row["payload"] for row in rows}


async def get_preference(db: Database, *, account_id: int) -> Row | None:
    rows = await db.fetch(_PREFERENCE, {"account": account_id})
    return rows[0] if rows else None


async def update_preference(db: Database, *, account_id: int, channels: Mapping[str, Any],
                            quiet_start: time | None, quiet_end: time | None,
                            email_enc: bytes | None, email_masked: str | None) -> Row:
    rows = await db.fetch(_UPSERT, {
        "account": account_id, "channels": Jsonb(dict(channels)), "quiet_start": quiet_start,
        "quiet_end": quiet_end, "email_enc": email_enc, "email_masked": email_masked})
    return rows[0]


async def get_account(db: Database, *, account_id: int | None,
                      volunteer_id: int | None) -> Row | None:
    """The account ``account_id``, else the one linked to ``volunteer_id``."""
    rows = await db.fetch(_ACCOUNT, {"account": account_id, "volunteer": volunteer_id})
    return rows[0] if rows else None
