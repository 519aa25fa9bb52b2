"""The job queue's table of the hub (procrastinate's own ``procrastinate_*`` tables are the
library's, applied and upgraded by ``hub.db.queue_schema``, and not declared here)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Column, Table

from hub.store.tables.types import TIMESTAMPTZ, metadata

job_error = Table("job_error", metadata,
    Column("job_id", sa.BigInteger, primary_key=True),
    Column("attempt", sa.Integer, primary_key=True),
    Column("error", sa.Text, nullable=False),
    Column("failed_at", TIMESTAMPTZ, nullable=False),
)
