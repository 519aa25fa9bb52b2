"""The office measures' maintained summaries (sql/0036, sql/0040): kept by triggers on
confirmations, corrections and volunteers, read by ``hub.store.office_measures``."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Column, Table

from hub.store.tables.types import metadata

office_day_tally = Table("office_day_tally", metadata,
    Column("region_code", sa.Text, primary_key=True),
    Column("day", sa.Date, primary_key=True),
    Column("hours", sa.Numeric(14, 2), nullable=False),
    Column("records", sa.Integer, nullable=False),
    Column("registered", sa.Integer, nullable=False),
    Column("exited", sa.Integer, nullable=False),
)

volunteer_month = Table("volunteer_month", metadata,
    Column("volunteer_id", sa.BigInteger, primary_key=True),
    Column("month", sa.Date, primary_key=True),
    Column("region_code", sa.Text),
    Column("hours", sa.Numeric(12, 2), nullable=False),
    Column("records", sa.Integer, nullable=False),
)

volunteer_star = Table("volunteer_star", metadata,
    Column("volunteer_id", sa.BigInteger, primary_key=True),
    Column("region_code", sa.Text),
    Column("month", sa.Date),
)

office_month_active = Table("office_month_active", metadata,
    Column("region_code", sa.Text, primary_key=True),
    Column("month", sa.Date, primary_key=True),
    Column("volunteers", sa.Integer, nullable=False),
)

volunteer_active_year = Table("volunteer_active_year", metadata,
    Column("volunteer_id", sa.BigInteger, primary_key=True),
    Column("year", sa.Integer, primary_key=True),
    Column("region_code", sa.Text, primary_key=True),
    Column("months", sa.Integer, nullable=False),  # bit m-1: served in month m
    Column("shared", sa.Boolean, nullable=False),
)
