"""People to notify in the notification tests and bench/bench_notify.py: volunteers with an
encrypted phone, each with an account (an openid) and, if asked, an e-mail address and quiet
hours in their preferences; and outbox events addressed to them."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Sequence
from typing import Any

import psycopg

from hub.pii import PiiCipher
from hub.services import outbox
from hub.services.notify_prefs import EMAIL_FIELD, mask_email
from hub.store.base import Database

_PHONES = itertools.count(random.randrange(10**7) * 10)  # unique mobiles within a process


async def people(conn: psycopg.AsyncConnection[Any], cipher: PiiCipher, n: int, *,
                 tag: str = "p", openid: bool = True, email: bool = True,
                 quiet: tuple[dt.time, dt.time] | None = None) -> list[int]:
    """``n`` volunteers with phones and accounts (openids ``<tag>-openid-<i>``: ``tag``s are
    unique per database), e-mail
    addresses ``<tag><i>@example.com``; their ids. The caller commits."""
    phones = [f"139{next(_PHONES) % 10**8:08d}" for _ in range(n)]
    cur = await conn.execute(
        "INSERT INTO volunteer (real_name, phone_enc, phone_hash, phone_masked) "
        "SELECT '通知测试', e, h, '139****0000' FROM unnest(%s::bytea[], %s::bytea[]) AS x(e, h) "
        "RETURNING id",
        ([cipher.encrypt(p, field="phone") for p in phones],
         [cipher.blind_index(p, field="phone") for p in phones]))
    ids = [row[0] for row in await cur.fetchall()]
    cur = await conn.execute(
        "INSERT INTO account (kind, volunteer_id, phone_hash, phone_masked, wechat_openid) "
        "SELECT 'volunteer', v, h, '139****0000', o "
        "FROM unnest(%s::bigint[], %s::bytea[], %s::text[]) AS x(v, h, o) RETURNING id",
        (ids, [cipher.blind_index(p, field="phone") for p in phones],
         [f"{tag}-openid-{i}" if openid else None for i in range(n)]))
    accounts = [row[0] for row in await cur.fetchall()]
    if email or quiet:
        addresses = [f"{tag}{i}@example.com" if email else None for i in range(n)]
        await conn.execute(
            "INSERT INTO notification_preference (account_id, email_enc, email_masked, "
            "quiet_start, quiet_end) SELECT a, e, m, %s, %s "
            "FROM unnest(%s::bigint[], %s::bytea[], %s::text[]) AS x(a, e, m)",
            (quiet[0] if quiet else None, quiet[1] if quiet else None, accounts,
             [cipher.encrypt(a, field=EMAIL_FIELD) if a else None for a in addresses],
             [mask_email(a) if a else None for a in addresses]))
    return ids


async def events(db: Database, volunteer_ids: Sequence[int], *, per_event: int = 1,
                 kind: outbox.EventKind = outbox.EventKind.OFFER_MADE) -> list[int]:
    """One outbox event per ``per_event`` volunteers (in one transaction); their ids."""
    ids = []
    async with db.transaction() as tx:
        for i in range(0, len(volunteer_ids), per_event):
            found = await outbox.record(
                tx, kind=kind, subject=outbox.EventSubject("dispatch", 1000 + i),
                recipients=[outbox.Recipient.volunteer(v)
                            for v in volunteer_ids[i:i + per_event]],
                payload={"title": "社区科普讲座：防范电信诈骗", "place": "郑州市金水区文化路社区",
                         "starts_at": "2026-12-06T02:00:00+00:00"})
            assert found is not None
            ids.append(found)
    return ids


TEMPLATES = {"kinds": {k: {"wechat": {"template_id": f"tmpl-{k}"},
                           "sms": {"template_id": f"sms-{k}"}}
                       for k in ("offer_made", "review_received", "reminder_24h")}}
"""HUB_NOTIFY_TEMPLATES for the tests: template ids for three kinds."""
