"""The matcher's fanned-out parts (migrations 0035, 0039; docs/matching.md "Fanned out")."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql as pg

from hub.store.tables.types import TIMESTAMPTZ, metadata

match_part = Table("match_part", metadata,
    Column("fanout_id", pg.UUID, primary_key=True),
    Column("part", sa.Integer, primary_key=True),
    Column("parts", sa.Integer, nullable=False),
    Column("regions", pg.ARRAY(sa.Text), nullable=False),
    Column("pairs", sa.Integer, nullable=False),
    Column("quantum", pg.DOUBLE_PRECISION, nullable=False),
    Column("kernel", pg.BYTEA, nullable=False),  # hub/matching/kernel.py's .npz
    Column("options", pg.JSONB, nullable=False),
    Column("result", pg.JSONB),
    Column("solved_by", sa.Text),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("started_at", TIMESTAMPTZ),
    Column("give_up_at", TIMESTAMPTZ, nullable=False),
    Column("finished_at", TIMESTAMPTZ),
)
