"""The outbox, the in-app inbox and partner webhooks (sql/0030)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql as pg

from hub.store.tables.types import TIMESTAMPTZ, metadata

outbox_event = Table("outbox_event", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("kind", sa.Text, nullable=False),
    Column("subject_kind", sa.Text, nullable=False),
    Column("subject_id", sa.BigInteger, nullable=False),
    Column("region_code", sa.Text),
    Column("recipients", pg.JSONB, nullable=False),
    Column("payload", pg.JSONB, nullable=False),
    Column("once_key", sa.Text),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("relayed_at", TIMESTAMPTZ),
)

notification = Table("notification", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("event_id", sa.BigInteger, nullable=False),
    Column("recipient_kind", sa.Text, nullable=False),
    Column("recipient_ref", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
)

notification_read = Table("notification_read", metadata,
    Column("notification_id", sa.BigInteger, primary_key=True),
    Column("reader", sa.Text, primary_key=True),
    Column("read_at", TIMESTAMPTZ, nullable=False),
)

partner_contract = Table("partner_contract", metadata,
    Column("partner", sa.Text, primary_key=True),
    Column("kinds", pg.ARRAY(sa.Text), nullable=False),
    Column("regions", pg.ARRAY(sa.Text), nullable=False),
    Column("updated_by", sa.Text, nullable=False),
    Column("updated_at", TIMESTAMPTZ, nullable=False),
)

webhook = Table("webhook", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("partner", sa.Text, nullable=False),
    Column("url", sa.Text, nullable=False),
    Column("kinds", pg.ARRAY(sa.Text), nullable=False),
    Column("regions", pg.ARRAY(sa.Text), nullable=False),
    Column("secret", sa.Text, nullable=False),
    Column("active", sa.Boolean, nullable=False),
    Column("description", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("updated_at", TIMESTAMPTZ, nullable=False),
    Column("deleted_at", TIMESTAMPTZ),
)

webhook_delivery = Table("webhook_delivery", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("webhook_id", sa.BigInteger, nullable=False),
    Column("event_id", sa.BigInteger, nullable=False),
    Column("replay_of", sa.BigInteger),
    Column("status", sa.Text, nullable=False),
    Column("attempts", sa.Integer, nullable=False),
    Column("last_code", sa.Integer),
    Column("last_error", sa.Text),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("queued_at", TIMESTAMPTZ),
    Column("finished_at", TIMESTAMPTZ),
)
