"""Every table of the hub, declared once with SQLAlchemy Core and GeoAlchemy2.

The migrations in ``sql/`` are the schema's single source of truth; these declarations follow
them (columns, types, nullability) and ``tests/db/test_db_tables.py`` fails on any drift. Store
modules build statements composed from filters with these tables (``hub.store.sql``), run
through the one psycopg pool; nothing here creates or alters a table.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from geoalchemy2 import Geography, Geometry
from sqlalchemy import Column, Computed, MetaData, Table
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.types import UserDefinedType

SRID = 4326
"""WGS-84: every stored point and shape."""
TIMESTAMPTZ = pg.TIMESTAMP(timezone=True)


class _Named(UserDefinedType[Any]):
    """A PostgreSQL type SQLAlchemy has no class for, by its name (an extension's or a
    domain of migration 0002)."""

    cache_ok = True
    name = ""

    def get_col_spec(self, **kw: Any) -> str:
        return self.name


class LTREE(_Named):
    name = "ltree"


class LQUERY(_Named):
    """ltree's pattern type (``path ~ lquery``), for casts; no column has it."""

    name = "lquery"


class SKILL_CODES(_Named):
    name = "skill_codes"


class COHORT_CODES(_Named):
    name = "cohort_codes"


metadata = MetaData()

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
)

activity_signup = Table("activity_signup", metadata,
    Column("activity_id", sa.BigInteger, primary_key=True),
    Column("volunteer_id", sa.BigInteger, primary_key=True),
    Column("status", sa.Text, nullable=False),
    Column("signed_up_at", TIMESTAMPTZ, nullable=False),
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

import_batch = Table("import_batch", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("kind", sa.Text, nullable=False),
    Column("filename", sa.Text, nullable=False),
    Column("file_sha256", pg.BYTEA, nullable=False),
    Column("imported_by", sa.Text, nullable=False),
    Column("organization_id", sa.BigInteger),
    Column("all_or_nothing", sa.Boolean, nullable=False),
    Column("rows_read", sa.Integer, nullable=False),
    Column("imported", sa.Integer, nullable=False),
    Column("skipped", sa.Integer, nullable=False),
    Column("rejected", sa.Integer, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
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

membership = Table("membership", metadata,
    Column("volunteer_id", sa.BigInteger, primary_key=True),
    Column("organization_id", sa.BigInteger, primary_key=True),
    Column("role", sa.Text, nullable=False),
    Column("joined_at", TIMESTAMPTZ, nullable=False),
)

organization = Table("organization", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("name", sa.Text, nullable=False),
    Column("level", sa.Text, nullable=False),
    Column("parent_id", sa.BigInteger),
    Column("region_code", sa.Text, nullable=False),
    Column("kind", sa.Text, nullable=False),
    Column("status", sa.Text, nullable=False),
    Column("captain_id", sa.BigInteger),
    Column("path", LTREE, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("registered_by", sa.Text, nullable=False),
    Column("import_batch_id", sa.BigInteger),
    Column("captain_name", sa.Text),
    Column("captain_phone_enc", pg.BYTEA),
    Column("captain_phone_hash", pg.BYTEA),
    Column("captain_phone_masked", sa.Text),
    Column("admin_name", sa.Text),
    Column("admin_phone_enc", pg.BYTEA),
    Column("admin_phone_hash", pg.BYTEA),
    Column("admin_phone_masked", sa.Text),
    Column("profile", pg.JSONB, nullable=False),
)

organization_move = Table("organization_move", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("organization_id", sa.BigInteger, nullable=False),
    Column("from_parent_id", sa.BigInteger),
    Column("to_parent_id", sa.BigInteger),
    Column("moved_by", sa.Text, nullable=False),
    Column("moved_at", TIMESTAMPTZ, nullable=False),
)

owner_notice = Table("owner_notice", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("volunteer_id", sa.BigInteger, nullable=False),
    Column("kind", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("delivered_at", TIMESTAMPTZ),
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

rate_limit = Table("rate_limit", metadata,
    Column("bucket", sa.Text, primary_key=True),
    Column("window_start", TIMESTAMPTZ, primary_key=True),
    Column("hits", sa.Integer, nullable=False),
)

region = Table("region", metadata,
    Column("code", sa.Text, primary_key=True),
    Column("name", sa.Text, nullable=False),
    Column("level", sa.Text, nullable=False),
    Column("parent_code", sa.Text),
    Column("centroid_geom", Geometry("POINT", srid=SRID)),
    Column("centroid", Geography("POINT", srid=SRID), Computed("(centroid_geom)::geography")),
    Column("boundary", Geometry("MULTIPOLYGON", srid=SRID)),
    Column("is_remote", sa.Boolean, nullable=False),
    Column("is_poor", sa.Boolean, nullable=False),
    Column("is_border", sa.Boolean, nullable=False),
    Column("is_ethnic", sa.Boolean, nullable=False),
    Column("is_revolutionary", sa.Boolean, nullable=False),
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

schema_migration = Table("schema_migration", metadata,
    Column("version", sa.Integer, primary_key=True),
    Column("name", sa.Text, nullable=False),
    Column("checksum", sa.Text, nullable=False),
    Column("applied_at", TIMESTAMPTZ, nullable=False),
)

service_category = Table("service_category", metadata,
    Column("code", sa.Text, primary_key=True),
    Column("label_zh", sa.Text, nullable=False),
    Column("label_en", sa.Text, nullable=False),
)

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
)

star_threshold = Table("star_threshold", metadata,
    Column("scope", sa.Text, primary_key=True),
    Column("stars", sa.SmallInteger, primary_key=True),
    Column("hours", sa.Numeric(8, 2), nullable=False),
)

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

volunteer = Table("volunteer", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("real_name", sa.Text, nullable=False),
    Column("id_number_enc", pg.BYTEA),
    Column("id_number_hash", pg.BYTEA),
    Column("phone_enc", pg.BYTEA),
    Column("phone_hash", pg.BYTEA),
    Column("id_number_masked", sa.Text),
    Column("phone_masked", sa.Text),
    Column("birth_date", sa.Date),
    Column("gender", sa.Text),
    Column("education", sa.Text),
    Column("cohorts", COHORT_CODES),
    Column("skills", pg.JSONB, nullable=False),
    Column("skill_codes", sa.ARRAY(sa.Text), Computed("hub_jsonb_keys(skills)")),
    Column("home_geom", Geometry("POINT", srid=SRID)),
    Column("home", Geography("POINT", srid=SRID), Computed("(home_geom)::geography")),
    Column("region_code", sa.Text),
    Column("service_radius_m", sa.Integer, nullable=False),
    Column("capacity_per_week", sa.SmallInteger, nullable=False),
    Column("weekly_availability", pg.INT4MULTIRANGE, nullable=False),
    Column("insured_until", sa.Date),
    Column("status", sa.Text, nullable=False),
    Column("registered_at", TIMESTAMPTZ, nullable=False),
    Column("exited_at", TIMESTAMPTZ),
    Column("erased_at", TIMESTAMPTZ),
    Column("registered_by", sa.Text, nullable=False),
    Column("import_batch_id", sa.BigInteger),
    Column("profile", pg.JSONB, nullable=False),
    Column("home_coarse_geom", Geometry("POINT", srid=SRID), Computed("hub_coarse(home_geom)")),
    Column("home_coarse", Geography("POINT", srid=SRID),
           Computed("(hub_coarse(home_geom))::geography")),
)

volunteer_availability_exception = Table("volunteer_availability_exception", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("volunteer_id", sa.BigInteger, nullable=False),
    Column("period", pg.TSTZRANGE, nullable=False),
    Column("available", sa.Boolean, nullable=False),
    Column("note", sa.Text, nullable=False),
)

# -- accounts and sign-in (migration 0016) -----------------------------------------------------
account = Table("account", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("kind", sa.Text, nullable=False),
    Column("phone_hash", pg.BYTEA),
    Column("phone_masked", sa.Text),
    Column("volunteer_id", sa.BigInteger),
    Column("station_id", sa.BigInteger),
    Column("wechat_openid", sa.Text),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("last_sign_in", TIMESTAMPTZ),
    Column("disabled_at", TIMESTAMPTZ),
)

sign_in_code = Table("sign_in_code", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("phone_hash", pg.BYTEA, nullable=False),
    Column("code_hash", pg.BYTEA, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("expires_at", TIMESTAMPTZ, nullable=False),
    Column("wrong_guesses", sa.Integer, nullable=False),
    Column("used_at", TIMESTAMPTZ),
)

refresh_token = Table("refresh_token", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("account_id", sa.BigInteger, nullable=False),
    Column("family", pg.UUID(as_uuid=True), nullable=False),
    Column("token_hash", pg.BYTEA, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("expires_at", TIMESTAMPTZ, nullable=False),
    Column("used_at", TIMESTAMPTZ),
    Column("revoked_at", TIMESTAMPTZ),
)
