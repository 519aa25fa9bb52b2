"""Notification channels: each person's preferences and one row per delivery (sql/0031)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql as pg

from hub.store.tables.types import TIMESTAMPTZ, metadata

notification_preference = Table("notification_preference", metadata,
    Column("account_id", sa.BigInteger, primary_key=True),
    Column("channels", pg.JSONB, nullable=False),
    Column("quiet_start", sa.Time),
    Column("quiet_end", sa.Time),
    Column("email_enc", pg.BYTEA),
    Column("email_masked", sa.Text),
    Column("updated_at", TIMESTAMPTZ, nullable=False),
)

notification_delivery = Table("notification_delivery", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("event_id", sa.BigInteger, nullable=False),
    Column("recipient_kind", sa.Text, nullable=False),
    Column("recipient_ref", sa.BigInteger, nullable=False),
    Column("channel", sa.Text, nullable=False),
    Column("kind", sa.Text, nullable=False),
    Column("status", sa.Text, nullable=False),
    Column("tries", sa.Integer, nullable=False),
    Column("not_before", TIMESTAMPTZ, nullable=False),
    Column("claimed_at", TIMESTAMPTZ),
    Column("last_error", sa.Text),
    Column("provider_id", sa.Text),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("finished_at", TIMESTAMPTZ),
)
