"""What the work leaves: service records, stars, ledgers, certificates, reviews."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql as pg

from hub.store.tables.types import TIMESTAMPTZ, metadata

service_record = Table("service_record", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("volunteer_id", sa.BigInteger, nullable=False),
    Column("demand_id", sa.BigInteger),
    Column("activity_id", sa.BigInteger),
    Column("dispatch_id", sa.BigInteger),
    Column("organization_id", sa.BigInteger),
    Column("region_code", sa.Text, nullable=False),
    Column("title", sa.Text, nullable=False),
    Column("served_on", sa.Date, nullable=False),
    Column("hours", sa.Numeric(6, 2), nullable=False),
    Column("corrects_id", sa.BigInteger),
    Column("reason", sa.Text),
    Column("recorded_by", sa.Text, nullable=False),
    Column("recorded_at", TIMESTAMPTZ, nullable=False),
)

service_record_confirmation = Table("service_record_confirmation", metadata,
    Column("record_id", sa.BigInteger, primary_key=True),
    Column("confirmed_by", sa.Text, nullable=False),
    Column("confirmed_at", TIMESTAMPTZ, nullable=False),
    Column("automatic", sa.Boolean, nullable=False),
)

service_record_pending = Table("service_record_pending", metadata,
    Column("record_id", sa.BigInteger, primary_key=True),
    Column("since", TIMESTAMPTZ, nullable=False),
    Column("due_at", TIMESTAMPTZ),
)

star_threshold = Table("star_threshold", metadata,
    Column("scope", sa.Text, primary_key=True),
    Column("stars", sa.SmallInteger, primary_key=True),
    Column("hours", sa.Numeric(8, 2), nullable=False),
)

ledger_account = Table("ledger_account", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("unit", sa.Text, nullable=False),
    Column("volunteer_id", sa.BigInteger),
    Column("system_code", sa.Text),
)

ledger_entry = Table("ledger_entry", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("transaction_id", sa.BigInteger, nullable=False),
    Column("account_id", sa.BigInteger, nullable=False),
    Column("amount", sa.BigInteger, nullable=False),
)

ledger_transaction = Table("ledger_transaction", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("kind", sa.Text, nullable=False),
    Column("service_record_id", sa.BigInteger),
    Column("memo", sa.Text, nullable=False),
    Column("created_by", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
)

certificate = Table("certificate", metadata,
    Column("code", sa.Text, primary_key=True),
    Column("volunteer_id", sa.BigInteger, nullable=False),
    Column("period", pg.DATERANGE, nullable=False),
    Column("payload", pg.BYTEA, nullable=False),
    Column("signature", pg.BYTEA, nullable=False),
    Column("key_id", sa.Text, nullable=False),
    Column("issued_by", sa.Text, nullable=False),
    Column("issued_at", TIMESTAMPTZ, nullable=False),
)

review = Table("review", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("demand_id", sa.BigInteger, nullable=False),
    Column("direction", sa.Text, nullable=False),
    Column("volunteer_id", sa.BigInteger),
    Column("station_id", sa.BigInteger),
    Column("rating", sa.SmallInteger, nullable=False),
    Column("comment", sa.Text, nullable=False),
    Column("reviewed_by", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
)

publication_review = Table("publication_review", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("subject_kind", sa.Text, nullable=False),
    Column("subject_id", sa.BigInteger, nullable=False),
    Column("decision", sa.Text, nullable=False),
    Column("from_status", sa.Text, nullable=False),
    Column("to_status", sa.Text, nullable=False),
    Column("reason", sa.Text, nullable=False),
    Column("actor", sa.Text, nullable=False),
    Column("at", TIMESTAMPTZ, nullable=False),
)
