"""Team dispatch and escalation (sql/0026): offers of a demand's slots to a team, 学会–县区
pairings with their validity, and the escalation log."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql as pg

from hub.store.tables.types import TIMESTAMPTZ, metadata

team_offer = Table("team_offer", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("demand_id", sa.BigInteger, nullable=False),
    Column("organization_id", sa.BigInteger, nullable=False),
    Column("slots", sa.SmallInteger, nullable=False),
    Column("status", sa.Text, nullable=False),
    Column("offered_by", sa.Text, nullable=False),
    Column("offered_at", TIMESTAMPTZ, nullable=False),
    Column("respond_by", TIMESTAMPTZ, nullable=False),
    Column("escalation_step", sa.SmallInteger),
    Column("note", sa.Text, nullable=False),
    Column("closed_at", TIMESTAMPTZ),
    Column("closed_by", sa.Text),
    Column("returned_slots", sa.SmallInteger),
    Column("return_reason", sa.Text),
)

team_pairing = Table("team_pairing", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("organization_id", sa.BigInteger, nullable=False),
    Column("region_code", sa.Text, nullable=False),
    Column("valid", pg.DATERANGE, nullable=False),
    Column("note", sa.Text, nullable=False),
    Column("created_by", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("ended_by", sa.Text),
    Column("ended_at", TIMESTAMPTZ),
)

escalation_step = Table("escalation_step", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("demand_id", sa.BigInteger, nullable=False),
    Column("step", sa.SmallInteger, nullable=False),
    Column("kind", sa.Text, nullable=False),
    Column("organization_id", sa.BigInteger),
    Column("team_offer_id", sa.BigInteger),
    Column("outcome", sa.Text, nullable=False),
    Column("note", sa.Text, nullable=False),
    Column("at", TIMESTAMPTZ, nullable=False),
)
