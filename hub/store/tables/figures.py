"""The provincial office's figures (sql/0027): pilots and their quota sets, the member counts
scorecards read, star rules and tallies for organisations and projects, campaigns."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Column, Table
from sqlalchemy.dialects import postgresql as pg

from hub.store.tables.types import TIMESTAMPTZ, metadata

pilot_quota_set = Table("pilot_quota_set", metadata,
    Column("code", sa.Text, primary_key=True),
    Column("name", sa.Text, nullable=False),
    Column("province_prefix", sa.Text, nullable=False),
    Column("period_months", sa.SmallInteger, nullable=False),
    Column("source", sa.Text, nullable=False),
    Column("created_by", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("updated_at", TIMESTAMPTZ, nullable=False),
)

pilot_quota = Table("pilot_quota", metadata,
    Column("quota_set", sa.Text, primary_key=True),
    Column("pilot_type", sa.Text, primary_key=True),
    Column("item", sa.Text, primary_key=True),
    Column("target", sa.Integer, nullable=False),
    Column("min_members", sa.Integer),
    Column("six_standard", sa.Boolean, nullable=False),
)

pilot = Table("pilot", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("region_code", sa.Text, nullable=False),
    Column("pilot_type", sa.Text, nullable=False),
    Column("name", sa.Text, nullable=False),
    Column("funded_on", sa.Date, nullable=False),
    Column("quota_set", sa.Text, nullable=False),
    Column("created_by", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
    Column("updated_at", TIMESTAMPTZ, nullable=False),
)

organization_member_count = Table("organization_member_count", metadata,
    Column("organization_id", sa.BigInteger, primary_key=True),
    Column("members", sa.Integer, nullable=False),
)

star_rule = Table("star_rule", metadata,
    Column("scope", sa.Text, primary_key=True),
    Column("subject", sa.Text, primary_key=True),
    Column("stars", sa.SmallInteger, primary_key=True),
    Column("hours", sa.Numeric(10, 2), nullable=False),
    Column("activities", sa.Integer, nullable=False),
    Column("volunteers", sa.Integer, nullable=False),
    Column("rating", sa.Numeric(3, 2)),
    Column("updated_by", sa.Text, nullable=False),
    Column("updated_at", TIMESTAMPTZ, nullable=False),
)

star_tally = Table("star_tally", metadata,
    Column("subject", sa.Text, primary_key=True),
    Column("subject_id", sa.BigInteger, primary_key=True),
    Column("hours", sa.Numeric(14, 2), nullable=False),
    Column("activities", sa.Integer, nullable=False),
    Column("volunteers", sa.Integer, nullable=False),
    Column("rating_sum", sa.Integer, nullable=False),
    Column("rating_count", sa.Integer, nullable=False),
)

star_reached = Table("star_reached", metadata,
    Column("subject", sa.Text, primary_key=True),
    Column("subject_id", sa.BigInteger, primary_key=True),
    Column("stars", sa.SmallInteger, primary_key=True),
    Column("reached_on", sa.Date),
)

star_tally_seen = Table("star_tally_seen", metadata,
    Column("subject", sa.Text, primary_key=True),
    Column("subject_id", sa.BigInteger, primary_key=True),
    Column("kind", sa.Text, primary_key=True),
    Column("ref_id", sa.BigInteger, primary_key=True),
)

campaign = Table("campaign", metadata,
    Column("code", sa.Text, primary_key=True),
    Column("name_zh", sa.Text, nullable=False),
    Column("name_en", sa.Text, nullable=False),
    Column("fixed_month", sa.SmallInteger),
    Column("fixed_day", sa.SmallInteger),
    Column("season", sa.Text, nullable=False),
    Column("created_by", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
)

campaign_edition = Table("campaign_edition", metadata,
    Column("id", sa.BigInteger, primary_key=True),
    Column("campaign_code", sa.Text, nullable=False),
    Column("year", sa.SmallInteger, nullable=False),
    Column("period", pg.DATERANGE, nullable=False),
    Column("created_by", sa.Text, nullable=False),
    Column("created_at", TIMESTAMPTZ, nullable=False),
)

campaign_activity = Table("campaign_activity", metadata,
    Column("edition_id", sa.BigInteger, primary_key=True),
    Column("activity_id", sa.BigInteger, primary_key=True),
    Column("people_served", sa.Integer),
    Column("tagged_by", sa.Text, nullable=False),
    Column("tagged_at", TIMESTAMPTZ, nullable=False),
)

campaign_demand = Table("campaign_demand", metadata,
    Column("edition_id", sa.BigInteger, primary_key=True),
    Column("demand_id", sa.BigInteger, primary_key=True),
    Column("people_served", sa.Integer),
    Column("tagged_by", sa.Text, nullable=False),
    Column("tagged_at", TIMESTAMPTZ, nullable=False),
)
