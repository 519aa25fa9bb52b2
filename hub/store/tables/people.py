"""People and their organisations: divisions, teams, volunteers, accounts."""

from __future__ import annotations

import sqlalchemy as sa
from geoalchemy2 import Geography, Geometry
from sqlalchemy import Column, Computed, Table
from sqlalchemy.dialects import postgresql as pg

from hub.store.tables.types import COHORT_CODES, LTREE, SRID, TIMESTAMPTZ, metadata

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

region_setting = Table("region_setting", metadata,
    Column("region_code", sa.Text, primary_key=True),
    Column("claims_need_approval", sa.Boolean),
    Column("record_auto_confirm_hours", sa.Integer),
    Column("updated_at", TIMESTAMPTZ, nullable=False),
    Column("updated_by", sa.Text, nullable=False),
    Column("escalate_before_hours", sa.Integer),
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

membership = Table("membership", metadata,
    Column("volunteer_id", sa.BigInteger, primary_key=True),
    Column("organization_id", sa.BigInteger, primary_key=True),
    Column("role", sa.Text, nullable=False),
    Column("joined_at", TIMESTAMPTZ, nullable=False),
)

membership_history = Table("membership_history", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("volunteer_id", sa.BigInteger, nullable=False),
    Column("organization_id", sa.BigInteger, nullable=False),
    Column("role", sa.Text, nullable=False),
    Column("joined_at", TIMESTAMPTZ, nullable=False),
    Column("left_at", TIMESTAMPTZ, nullable=False),
    Column("how", sa.Text, nullable=False),
    Column("reason", sa.Text, nullable=False),
    Column("left_by", sa.Text, nullable=False),
)

volunteer_status_change = Table("volunteer_status_change", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("volunteer_id", sa.BigInteger, nullable=False),
    Column("from_status", sa.Text, nullable=False),
    Column("to_status", sa.Text, nullable=False),
    Column("reason", sa.Text, nullable=False),
    Column("changed_by", sa.Text, nullable=False),
    Column("changed_at", TIMESTAMPTZ, nullable=False),
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
    Column("phone_enc", pg.BYTEA),  # sql/0032: the mobile, hub.pii-encrypted ("phone")
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

owner_notice = Table("owner_notice", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("volunteer_id", sa.BigInteger, nullable=False),
    Column("kind", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("delivered_at", TIMESTAMPTZ),
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

rate_limit = Table("rate_limit", metadata,
    Column("bucket", sa.Text, primary_key=True),
    Column("window_start", TIMESTAMPTZ, primary_key=True),
    Column("hits", sa.Integer, nullable=False),
)

schema_migration = Table("schema_migration", metadata,
    Column("version", sa.Integer, primary_key=True),
    Column("name", sa.Text, nullable=False),
    Column("checksum", sa.Text, nullable=False),
    Column("applied_at", TIMESTAMPTZ, nullable=False),
)
