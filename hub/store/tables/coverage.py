"""Equity and coverage (sql/0028): the per-demand equity summary kept by triggers, candidate
sites for new stations, and the coverage plans solved over them."""

from __future__ import annotations

import sqlalchemy as sa
from geoalchemy2 import Geography, Geometry
from sqlalchemy import Column, Computed, Table
from sqlalchemy.dialects import postgresql as pg

from hub.store.tables.types import SRID, TIMESTAMPTZ, metadata

demand_equity = Table("demand_equity", metadata,
    Column("demand_id", sa.BigInteger, primary_key=True),
    Column("region_code", sa.Text, nullable=False),
    Column("category", sa.Text, nullable=False),
    Column("day", sa.Date, nullable=False),
    Column("priority_area", sa.Boolean, nullable=False),
    Column("cancelled", sa.Boolean, nullable=False),
    Column("needed", sa.Integer, nullable=False),
    Column("filled", sa.Integer, nullable=False),
    Column("hours_to_fill", pg.DOUBLE_PRECISION),
    Column("distance_m", pg.DOUBLE_PRECISION, nullable=False),
    Column("distance_n", sa.Integer, nullable=False),
    Column("hours", sa.Numeric(12, 2), nullable=False),
    Column("expert_hours", sa.Numeric(12, 2), nullable=False),
)

candidate_site = Table("candidate_site", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("kind", sa.Text, nullable=False),
    Column("name", sa.Text, nullable=False),
    Column("location_geom", Geometry("POINT", srid=SRID), nullable=False),
    Column("location", Geography("POINT", srid=SRID), Computed("(location_geom)::geography")),
    Column("region_code", sa.Text, nullable=False),
    Column("address", sa.Text, nullable=False),
    Column("source", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
)

coverage_plan = Table("coverage_plan", metadata,
    Column("id", pg.UUID, primary_key=True, server_default=sa.FetchedValue()),
    Column("region_code", sa.Text, nullable=False),
    Column("radius_m", sa.Integer, nullable=False),
    Column("sites", sa.Integer, nullable=False),
    Column("since", sa.Date, nullable=False),
    Column("status", sa.Text, nullable=False),
    Column("covered", pg.DOUBLE_PRECISION, nullable=False),
    Column("bound", pg.DOUBLE_PRECISION, nullable=False),
    Column("gap", pg.DOUBLE_PRECISION, nullable=False),
    Column("result", pg.JSONB, nullable=False),
    Column("created_by", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
)
