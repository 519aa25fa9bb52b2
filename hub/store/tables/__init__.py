"""Every table of the hub, declared once with SQLAlchemy Core and GeoAlchemy2.

The migrations in ``sql/`` are the schema's single source of truth; these declarations follow
them (columns, types, nullability) and ``tests/db/test_db_tables.py`` fails on any drift. Store
modules build statements composed from filters with these tables (``hub.store.sql``), run
through the one psycopg pool; nothing here creates or alters a table. Declared in three
modules by what the tables hold (``people``, ``work``, ``records``) on one ``MetaData``
(``types``); import them from here.
"""

from __future__ import annotations

from hub.store.tables.channels import notification_delivery, notification_preference
from hub.store.tables.coverage import candidate_site, coverage_plan, demand_equity
from hub.store.tables.fanout import match_part
from hub.store.tables.figures import (
    campaign,
    campaign_activity,
    campaign_demand,
    campaign_edition,
    organization_member_count,
    pilot,
    pilot_quota,
    pilot_quota_set,
    star_rule,
    star_tally,
    star_tally_seen,
)
from hub.store.tables.jobs import job_error
from hub.store.tables.notify import (
    notification,
    notification_read,
    outbox_event,
    partner_contract,
    webhook,
    webhook_delivery,
)
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
from hub.store.tables.recognition import (
    recognition_award,
    recognition_nomination,
    recognition_round,
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
from hub.store.tables.teams import escalation_step, team_offer, team_pairing
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
    "campaign",
    "campaign_activity",
    "campaign_demand",
    "campaign_edition",
    "candidate_site",
    "certificate",
    "coverage_plan",
    "demand",
    "demand_equity",
    "demand_priority_rule",
    "dispatch",
    "dispatch_event",
    "dispatch_plan",
    "dispatch_state",
    "dispatch_transition",
    "escalation_step",
    "import_batch",
    "job_error",
    "ledger_account",
    "ledger_entry",
    "ledger_transaction",
    "match_part",
    "membership",
    "membership_history",
    "metadata",
    "notification",
    "notification_delivery",
    "notification_preference",
    "notification_read",
    "organization",
    "organization_member_count",
    "organization_move",
    "outbox_event",
    "owner_notice",
    "partner_contract",
    "pilot",
    "pilot_quota",
    "pilot_quota_set",
    "project",
    "publication_review",
    "rate_limit",
    "recognition_award",
    "recognition_nomination",
    "recognition_round",
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
    "star_rule",
    "star_tally",
    "star_tally_seen",
    "star_threshold",
    "station",
    "team_offer",
    "team_pairing",
    "volunteer",
    "volunteer_availability_exception",
    "volunteer_status_change",
    "webhook",
    "webhook_delivery",
]
