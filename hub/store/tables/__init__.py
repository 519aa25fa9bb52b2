"""Every table of the hub, declared once with SQLAlchemy Core and GeoAlchemy2.

The migrations in ``sql/`` are the schema's single source of truth; these declarations follow
them (columns, types, nullability) and ``tests/db/test_db_tables.py`` fails on any drift. Store
modules build statements composed from filters with these tables (``hub.store.sql``), run
through the one psycopg pool; nothing here creates or alters a table. Declared in three
modules by what the tables hold (``people``, ``work``, ``records``) on one ``MetaData``
(``types``); import them from here.
"""

from __future__ import annotations

from hub.store.tables.jobs import job_error
from hub.store.tables.people import (
    account,
    import_batch,
    membership,
    membership_history,
    organization,
    organization_move,
    owner_notice,
    rate_limit,
    refresh_token,
    region,
    region_setting,
    schema_migration,
    sign_in_code,
    volunteer,
    volunteer_availability_exception,
    volunteer_status_change,
)
from hub.store.tables.records import (
    certificate,
    ledger_account,
    ledger_entry,
    ledger_transaction,
    publication_review,
    review,
    service_record,
    service_record_confirmation,
    service_record_pending,
    star_threshold,
)
from hub.store.tables.types import (
    COHORT_CODES,
    LQUERY,
    LTREE,
    SKILL_CODES,
    SRID,
    TIMESTAMPTZ,
    metadata,
)
from hub.store.tables.work import (
    activity,
    activity_signup,
    demand,
    demand_priority_rule,
    dispatch,
    dispatch_event,
    dispatch_plan,
    dispatch_state,
    dispatch_transition,
    project,
    service_category,
    station,
)

__all__ = [
    "COHORT_CODES",
    "LQUERY",
    "LTREE",
    "SKILL_CODES",
    "SRID",
    "TIMESTAMPTZ",
    "account",
    "activity",
    "activity_signup",
    "certificate",
    "demand",
    "demand_priority_rule",
    "dispatch",
    "dispatch_event",
    "dispatch_plan",
    "dispatch_state",
    "dispatch_transition",
    "import_batch",
    "job_error",
    "ledger_account",
    "ledger_entry",
    "ledger_transaction",
    "membership",
    "membership_history",
    "metadata",
    "organization",
    "organization_move",
    "owner_notice",
    "project",
    "publication_review",
    "rate_limit",
    "refresh_token",
    "region",
    "region_setting",
    "review",
    "schema_migration",
    "service_category",
    "service_record",
    "service_record_confirmation",
    "service_record_pending",
    "sign_in_code",
    "star_threshold",
    "station",
    "volunteer",
    "volunteer_availability_exception",
    "volunteer_status_change",
]
