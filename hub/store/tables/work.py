"""The work: stations, projects and activities, demands and their dispatch."""

from __future__ import annotations

import sqlalchemy as sa
from geoalchemy2 import Geography, Geometry
from sqlalchemy import Column, Computed, Table
from sqlalchemy.dialects import postgresql as pg

from hub.store.tables.types import SKILL_CODES, SRID, TIMESTAMPTZ, metadata

station = Table("station", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("name", sa.Text, nullable=False),
    Column("kind", sa.Text, nullable=False),
    Column("location_geom", Geometry("POINT", srid=SRID), nullable=False),
    Column("location", Geography("POINT", srid=SRID), Computed("(location_geom)::geography")),
    Column("region_code", sa.Text, nullable=False),
    Column("organization_id", sa.BigInteger),
    Column("address", sa.Text, nullable=False),
    Column("has_place", sa.Boolean, nullable=False),
    Column("has_team", sa.Boolean, nullable=False),
    Column("has_projects", sa.Boolean, nullable=False),
    Column("has_facilities", sa.Boolean, nullable=False),
    Column("has_rules", sa.Boolean, nullable=False),
    Column("has_signage", sa.Boolean, nullable=False),
    Column("opening_hours", pg.INT4MULTIRANGE, nullable=False),
    Column("status", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
)

project = Table("project", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("name", sa.Text, nullable=False),
    Column("description", sa.Text, nullable=False),
    Column("owner_id", sa.BigInteger, nullable=False),
    Column("category", sa.Text),
    Column("period", pg.DATERANGE, nullable=False),
    Column("funding_yuan", sa.Numeric(14, 2)),
    Column("status", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
)

activity = Table("activity", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("title", sa.Text, nullable=False),
    Column("description", sa.Text, nullable=False),
    Column("organization_id", sa.BigInteger, nullable=False),
    Column("project_id", sa.BigInteger),
    Column("category", sa.Text, nullable=False),
    Column("time_window", pg.TSTZRANGE, nullable=False),
    Column("location_geom", Geometry("POINT", srid=SRID), nullable=False),
    Column("location", Geography("POINT", srid=SRID), Computed("(location_geom)::geography")),
    Column("station_id", sa.BigInteger),
    Column("region_code", sa.Text, nullable=False),
    Column("capacity", sa.Integer, nullable=False),
    Column("signed_up", sa.Integer, nullable=False),
    Column("status", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("safety_plan", sa.Text, nullable=False),
    Column("requires_insurance", sa.Boolean, nullable=False),
    Column("required_skills", SKILL_CODES),
)

activity_signup = Table("activity_signup", metadata,
    Column("activity_id", sa.BigInteger, primary_key=True),
    Column("volunteer_id", sa.BigInteger, primary_key=True),
    Column("status", sa.Text, nullable=False),
    Column("signed_up_at", TIMESTAMPTZ, nullable=False),
)

service_category = Table("service_category", metadata,
    Column("code", sa.Text, primary_key=True),
    Column("label_zh", sa.Text, nullable=False),
    Column("label_en", sa.Text, nullable=False),
)

demand = Table("demand", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("title", sa.Text, nullable=False),
    Column("description", sa.Text, nullable=False),
    Column("category", sa.Text, nullable=False),
    Column("required_skills", SKILL_CODES),
    Column("needed", sa.SmallInteger, nullable=False),
    Column("time_window", pg.TSTZRANGE, nullable=False),
    Column("location_geom", Geometry("POINT", srid=SRID), nullable=False),
    Column("location", Geography("POINT", srid=SRID), Computed("(location_geom)::geography")),
    Column("station_id", sa.BigInteger),
    Column("region_code", sa.Text, nullable=False),
    Column("raised_by", sa.Text, nullable=False),
    Column("raised_by_kind", sa.Text, nullable=False),
    Column("priority", pg.REAL, nullable=False),
    Column("requires_insurance", sa.Boolean, nullable=False),
    Column("status", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("updated_at", TIMESTAMPTZ, nullable=False),
    Column("unfilled_reason", sa.Text),
    Column("unfilled_at", TIMESTAMPTZ),
    Column("cancelled_by", sa.Text),
    Column("cancel_reason", sa.Text),
)

dispatch = Table("dispatch", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("demand_id", sa.BigInteger, nullable=False),
    Column("volunteer_id", sa.BigInteger, nullable=False),
    Column("plan_id", pg.UUID),
    Column("status", sa.Text, nullable=False),
    Column("active", sa.Boolean, nullable=False),
    Column("time_window", pg.TSTZRANGE, nullable=False),
    Column("distance_m", pg.DOUBLE_PRECISION),
    Column("reason", sa.Text, nullable=False),
    Column("offered_by", sa.Text, nullable=False),
    Column("offered_at", TIMESTAMPTZ, nullable=False),
    Column("respond_by", TIMESTAMPTZ, nullable=False),
    Column("responded_at", TIMESTAMPTZ),
    Column("decline_reason", sa.Text),
    Column("changed_by", sa.Text),
    Column("change_reason", sa.Text),
    Column("check_in_at", TIMESTAMPTZ),
    Column("check_in_geom", Geometry("POINT", srid=SRID)),
    Column("check_in_distance_m", pg.DOUBLE_PRECISION),
    Column("check_out_at", TIMESTAMPTZ),
    Column("check_out_geom", Geometry("POINT", srid=SRID)),
    Column("check_out_distance_m", pg.DOUBLE_PRECISION),
    Column("hours", sa.Numeric(7, 2)),
)

dispatch_event = Table("dispatch_event", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("dispatch_id", sa.BigInteger, nullable=False),
    Column("demand_id", sa.BigInteger, nullable=False),
    Column("volunteer_id", sa.BigInteger, nullable=False),
    Column("region_code", sa.Text, nullable=False),
    Column("from_state", sa.Text),
    Column("to_state", sa.Text, nullable=False),
    Column("actor", sa.Text, nullable=False),
    Column("reason", sa.Text),
    Column("at", TIMESTAMPTZ, nullable=False),
)

dispatch_plan = Table("dispatch_plan", metadata,
    Column("id", pg.UUID, primary_key=True, server_default=sa.FetchedValue()),
    Column("region_code", sa.Text, nullable=False),
    Column("period", pg.TSTZRANGE, nullable=False),
    Column("options", pg.JSONB, nullable=False),
    Column("plan", pg.JSONB, nullable=False),
    Column("stats", pg.JSONB, nullable=False),
    Column("created_by", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("committed_at", TIMESTAMPTZ),
    Column("committed_by", sa.Text),
)

dispatch_state = Table("dispatch_state", metadata,
    Column("state", sa.Text, primary_key=True),
    Column("active", sa.Boolean, nullable=False),
    Column("label_zh", sa.Text, nullable=False),
)

dispatch_transition = Table("dispatch_transition", metadata,
    Column("from_state", sa.Text, primary_key=True),
    Column("to_state", sa.Text, primary_key=True),
)
