"""What the notification pipeline still has to do, for ``/metrics`` (issue 15 gap 3): outbox
events not yet relayed, notification deliveries open or failed by channel and status, webhook
deliveries pending or failed. One statement, each count from a partial index (sql/0030, 0031,
0032)."""

from __future__ import annotations

from hub.store.base import Database, Row

_BACKLOG = """
SELECT 'outbox' AS what, '' AS channel, '' AS status, count(*) AS n
  FROM outbox_event WHERE relayed_at IS NULL
UNION ALL
SELECT 'notification', channel, status, count(*) FROM notification_delivery
 WHERE status IN ('pending', 'sending', 'failed') GROUP BY channel, status
UNION ALL
SELECT 'webhook', '', status, count(*) FROM webhook_delivery
 WHERE status IN ('pending', 'failed') GROUP BY status
"""


async def count_backlog(db: Database) -> list[Row]:
    """Rows of ``what`` (outbox, notification, webhook), ``channel`` (notifications'),
    ``status`` and ``n``; a (channel, status) with none has no row."""
    return await db.fetch(_BACKLOG)
