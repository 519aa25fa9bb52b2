"""Statements of stars (星级): organisations' and projects' tallies (kept by sql/0027's
triggers), their rules, and volunteers' hour thresholds (star_threshold, sql/0006)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import (
    organization,
    project,
    star_reached,
    star_rule,
    star_tally,
    star_threshold,
)

t, o, j, r = star_tally, organization, project, star_rule
_IDS = sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger))
_TALLY = (sa.func.coalesce(t.c.hours, sa.cast(0, sa.Numeric(14, 2))).label("hours"),
          sa.func.coalesce(t.c.activities, 0).label("activities"),
          sa.func.coalesce(t.c.volunteers, 0).label("volunteers"),
          sa.func.coalesce(t.c.rating_sum, 0).label("rating_sum"),
          sa.func.coalesce(t.c.rating_count, 0).label("rating_count"))
_OF_ORGS = sql.compiled(
    sa.select(o.c.id, o.c.region_code, *_TALLY)
    .select_from(o.outerjoin(t, sa.and_(t.c.subject == "organization", t.c.subject_id == o.c.id)))
    .where(o.c.id == sa.any_(_IDS)))
_OF_PROJECTS = sql.compiled(
    sa.select(j.c.id, o.c.region_code, *_TALLY)
    .select_from(j.join(o, o.c.id == j.c.owner_id)
                 .outerjoin(t, sa.and_(t.c.subject == "project", t.c.subject_id == j.c.id)))
    .where(j.c.id == sa.any_(_IDS)))


async def list_tallies(db: Database, *, subject: str, ids: Sequence[int]) -> list[Row]:
    """Organisations' or projects' tallies (zeros before any service) with their region."""
    statement = _OF_ORGS if subject == "organization" else _OF_PROJECTS
    return await sql.fetch(db, statement, {"ids": list(ids)})


_RULES = sql.compiled(sa.select(r).order_by(r.c.subject, r.c.scope, r.c.stars))


async def list_rules(db: Database) -> list[Row]:
    """Every star rule (a small table: a few rows per province)."""
    return await sql.fetch(db, _RULES)


async def update_rules(db: Database, *, scope: str, subject: str,
                       rules: Sequence[dict[str, Any]]) -> None:
    """Replace the rules of a scope and subject (none: the scope inherits again)."""
    await sql.fetch(db, sa.delete(r).where(r.c.scope == scope, r.c.subject == subject))
    if rules:
        await sql.fetch(db, sa.insert(r).values([{**x, "scope": scope, "subject": subject}
                                                 for x in rules]))


async def update_thresholds(db: Database, *, scope: str, hours: Sequence[Any]) -> None:
    """Replace volunteers' star thresholds of a scope (level n+1 at ``hours[n]``)."""
    th = star_threshold
    await sql.fetch(db, sa.delete(th).where(th.c.scope == scope))
    if hours:
        await sql.fetch(db, sa.insert(th).values([{"scope": scope, "stars": n + 1, "hours": h}
                                                  for n, h in enumerate(hours)]))


_LOCK_SCOPE = sql.compiled(sa.select(sa.func.pg_advisory_xact_lock(
    sa.func.hashtext(sa.literal("star_rule:") + sa.bindparam("scope", type_=sa.Text)))))


async def lock_scope(db: Database, *, scope: str) -> None:
    """Serialise changes to one scope's rules and thresholds (for the transaction)."""
    await sql.fetch(db, _LOCK_SCOPE, {"scope": scope})


_REACHED = sql.compiled(
    sa.select(star_reached.c.subject_id, star_reached.c.stars, star_reached.c.reached_on)
    .where(star_reached.c.subject == sa.bindparam("subject", type_=sa.Text),
           star_reached.c.subject_id == sa.any_(_IDS))
    .order_by(star_reached.c.subject_id, star_reached.c.stars))


async def list_reached(db: Database, *, subject: str, ids: Sequence[int]) -> list[Row]:
    """The levels organisations or projects have reached, with the day each was first reached
    (None: held before the history began, sql/0041)."""
    return await sql.fetch(db, _REACHED, {"subject": subject, "ids": list(ids)})


# SQL text: sql/0041's hub_tally_star_level over the tallies of a scope's subjects.
_ADD_REACHED = """
INSERT INTO star_reached (subject, subject_id, stars, reached_on)
SELECT t.subject, t.subject_id, g, (now() AT TIME ZONE 'Asia/Shanghai')::date
  FROM star_tally t
 CROSS JOIN LATERAL generate_series(1, hub_tally_star_level(
         t.subject, t.subject_id, t.hours, t.activities, t.volunteers, t.rating_sum,
         t.rating_count)) g
 WHERE t.subject = %(subject)s
   AND hub_star_subject_region(t.subject, t.subject_id) LIKE %(prefix)s
 ORDER BY 1, 2, 3
ON CONFLICT DO NOTHING
"""


async def create_reached(db: Database, *, scope: str, subject: str) -> None:
    """Record today as the day each level held now by a scope's organisations or projects was
    reached, where not reached before (after its rules changed)."""
    await db.fetch(_ADD_REACHED, {"subject": subject, "prefix": scope + "%"})
