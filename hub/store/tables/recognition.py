"""Recognition rounds (优秀, 四个十佳; sql/0029): rounds, nominations, the published lists."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql as pg

from hub.store.tables.types import TIMESTAMPTZ, metadata

recognition_round = Table("recognition_round", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("award", sa.Text, nullable=False),
    Column("level", sa.Text, nullable=False),
    Column("region_code", sa.Text),
    Column("year", sa.SmallInteger, nullable=False),
    Column("categories", pg.ARRAY(sa.Text), nullable=False),
    Column("places", sa.SmallInteger, nullable=False),
    Column("status", sa.Text, nullable=False),
    Column("opened_by", sa.Text, nullable=False),
    Column("opened_at", TIMESTAMPTZ, nullable=False),
    Column("published_by", sa.Text),
    Column("published_at", TIMESTAMPTZ),
)

recognition_nomination = Table("recognition_nomination", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("round_id", sa.BigInteger, nullable=False),
    Column("category", sa.Text, nullable=False),
    Column("subject_id", sa.BigInteger, nullable=False),
    Column("rank", sa.Integer, nullable=False),
    Column("score", sa.Numeric(8, 4), nullable=False),
    Column("evidence", pg.JSONB, nullable=False),
    Column("statement", sa.Text, nullable=False),
    Column("nominated_by", sa.Text, nullable=False),
    Column("nominated_at", TIMESTAMPTZ, nullable=False),
    Column("decision", sa.Text, nullable=False),
    Column("reason", sa.Text),
    Column("decided_by", sa.Text),
    Column("decided_at", TIMESTAMPTZ),
)

recognition_award = Table("recognition_award", metadata,
    Column("round_id", sa.BigInteger, primary_key=True),
    Column("category", sa.Text, primary_key=True),
    Column("place", sa.SmallInteger, primary_key=True),
    Column("nomination_id", sa.BigInteger, nullable=False),
    Column("subject_id", sa.BigInteger, nullable=False),
    Column("subject_name", sa.Text, nullable=False),
    Column("region_code", sa.Text),
    Column("score", sa.Numeric(8, 4), nullable=False),
    Column("evidence", pg.JSONB, nullable=False),
)
