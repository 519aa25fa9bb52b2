"""Statements of pilots (试点), their quota sets, and the facts their scorecards judge.

The pilot and quota-set statements are built with SQLAlchemy Core. The four fact statements
are SQL text (marked, as the architecture asks where a benchmark shows it matters): each reads
every pilot of a request at once from arrays (one statement per item, however many pilots),
and the team one sums the maintained member counts (sql/0027) over each team's subtree.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg

from hub.office.scorecard import ACTIVITY_LIVE, PROJECT_LIVE
from hub.store import sql
from hub.store.base import Database, Row
from hub.store.tables import pilot, pilot_quota, pilot_quota_set, region

p, q, s = pilot, pilot_quota, pilot_quota_set
_PILOT_COLUMNS = (p.c.id, p.c.region_code, p.c.pilot_type, p.c.name, p.c.funded_on,
                  p.c.quota_set, p.c.created_by, p.c.created_at, p.c.updated_at,
                  s.c.period_months, region.c.name.label("region_name"))
_PILOTS = sa.select(*_PILOT_COLUMNS).select_from(
    p.join(s, s.c.code == p.c.quota_set).join(region, region.c.code == p.c.region_code))
_BY_IDS = sql.compiled(_PILOTS.where(
    p.c.id == sa.any_(sa.bindparam("ids", type_=pg.ARRAY(sa.BigInteger)))).order_by(p.c.id))
_UNDER = sql.compiled(_PILOTS.where(
    p.c.region_code.startswith(sa.bindparam("prefix", type_=sa.Text), autoescape=False))
    .order_by(p.c.region_code, p.c.funded_on, p.c.id))


async def get_many(db: Database, *, ids: Sequence[int]) -> list[Row]:
    """Pilots by id, with their quota set's period and their region's name."""
    return await sql.fetch(db, _BY_IDS, {"ids": list(ids)})


async def list_(db: Database, *, region_prefix: str) -> list[Row]:
    """The pilots whose region lies under a division-code prefix ('' every one)."""
    return await sql.fetch(db, _UNDER, {"prefix": region_prefix})


async def create(db: Database, *, values: dict[str, Any]) -> int:
    """A new pilot; its id."""
    rows = await sql.fetch(db, sa.insert(p).values(**values).returning(p.c.id))
    return int(rows[0]["id"])


async def update(db: Database, *, pilot_id: int, values: dict[str, Any]) -> bool:
    """Change a pilot; False when there is none."""
    rows = await sql.fetch(db, sa.update(p).where(p.c.id == pilot_id)
                           .values(**values, updated_at=sa.func.now()).returning(p.c.id))
    return bool(rows)


_LOCK = sql.compiled(sa.select(p.c.id, p.c.region_code, p.c.pilot_type, p.c.funded_on,
                               p.c.quota_set)
                     .where(p.c.id == sa.bindparam("id", type_=sa.BigInteger)).with_for_update())


async def get_locked(db: Database, *, pilot_id: int) -> Row | None:
    """A pilot locked for the transaction."""
    rows = await sql.fetch(db, _LOCK, {"id": pilot_id})
    return rows[0] if rows else None


_SETS = sql.compiled(sa.select(s).order_by(s.c.province_prefix, s.c.code))
_QUOTAS = sql.compiled(sa.select(q).where(
    q.c.quota_set == sa.any_(sa.bindparam("codes", type_=pg.ARRAY(sa.Text))))
    .order_by(q.c.quota_set, q.c.pilot_type, q.c.item))


async def list_quota_sets(db: Database) -> list[Row]:
    """Every quota set, national ones first."""
    return await sql.fetch(db, _SETS)


async def list_quotas(db: Database, *, codes: Sequence[str]) -> list[Row]:
    """The items of quota sets."""
    return await sql.fetch(db, _QUOTAS, {"codes": list(codes)})


async def get_quota_set_locked(db: Database, *, code: str) -> Row | None:
    """A quota set locked for the transaction (None when there is none)."""
    rows = await sql.fetch(db, sa.select(s).where(s.c.code == code).with_for_update())
    return rows[0] if rows else None


async def create_quota_set(db: Database, *, values: dict[str, Any]) -> None:
    """A new quota set (its items apart)."""
    await sql.fetch(db, sa.insert(s).values(**values))


async def update_quota_set(db: Database, *, code: str, values: dict[str, Any]) -> None:
    """Change a quota set's name, period or source."""
    await sql.fetch(db, sa.update(s).where(s.c.code == code)
                    .values(**values, updated_at=sa.func.now()))


async def update_quotas(db: Database, *, code: str, quotas: Sequence[dict[str, Any]]) -> None:
    """Replace a quota set's items."""
    await sql.fetch(db, sa.delete(q).where(q.c.quota_set == code))
    if quotas:
        await sql.fetch(db, sa.insert(q).values([{**x, "quota_set": code} for x in quotas]))


def pilot_rows(arrays: str = "", columns: str = "") -> str:
    """The cards of a request as rows ``p`` and ``q`` (with the subtree as a range), with
    more ``arrays`` (", %(x)s::int[]") as more ``columns`` (", x")."""
    return f"""
WITH p AS (
  SELECT * FROM unnest(%(pilots)s::bigint[], %(prefixes)s::text[], %(starts)s::timestamptz[],
                       %(ends)s::timestamptz[], %(ats)s::timestamptz[]{arrays})
    AS p(pilot_id, prefix, starts_at, ends_at, at{columns})),
-- A subtree as a range of the division codes' index (LIKE with a joined pattern has none).
q AS (SELECT p.*, p.prefix COLLATE "C" AS lo, (p.prefix || ':') COLLATE "C" AS hi FROM p)
"""


# SQL text (benchmark, bench/bench_scorecards.py): every pilot of a request in one statement
# per item, from arrays (pilot, division-code prefix, period start and end, the moment judged).
# A state at a moment still to come is the state now (nothing can be logged after it yet), so
# today's cards read no review log.
_PILOT_ROWS = pilot_rows()
TEAMS_BODY = """
SELECT p.pilot_id, o.id, o.name, o.status, o.region_code,
       coalesce((SELECT sum(c.members) FROM organization u
                   JOIN organization_member_count c ON c.organization_id = u.id
                  WHERE u.path <@ o.path), 0)
       - (SELECT count(*) FROM organization u JOIN membership m ON m.organization_id = u.id
           WHERE u.path <@ o.path AND m.joined_at >= p.at)
       + (SELECT count(*) FROM organization u
            JOIN membership_history h ON h.organization_id = u.id
           WHERE u.path <@ o.path AND h.left_at >= p.at AND h.joined_at < p.at) AS members
  FROM q p JOIN organization o
    ON o.region_code >= p.lo AND o.region_code < p.hi AND o.level = 'team'
   AND o.created_at < p.at
"""
_PROJECTS = """
SELECT p.pilot_id, j.id, j.name, lower(j.period) AS starts_on, upper(j.period) AS ends_on,
       CASE WHEN p.at > now() THEN j.status
            ELSE hub_state_at('project', j.id, j.status, p.at) END AS state
  FROM q p JOIN organization o ON o.region_code >= p.lo AND o.region_code < p.hi
  JOIN project j ON j.owner_id = o.id AND j.created_at < p.at
 WHERE upper(j.period) > (p.starts_at AT TIME ZONE 'Asia/Shanghai')::date
   AND lower(j.period) < (p.ends_at AT TIME ZONE 'Asia/Shanghai')::date
"""
_ACTIVITIES = """
SELECT p.pilot_id, a.id, a.title AS name,
       (lower(a.time_window) AT TIME ZONE 'Asia/Shanghai')::date AS starts_on,
       CASE WHEN p.at > now() THEN a.status
            ELSE hub_state_at('activity', a.id, a.status, p.at) END AS state
  FROM q p JOIN activity a ON a.region_code >= p.lo AND a.region_code < p.hi
   AND a.created_at < p.at
   AND lower(a.time_window) >= p.starts_at AND lower(a.time_window) < p.ends_at
"""
_STATIONS = """
SELECT p.pilot_id, s.id, s.name,
       CASE WHEN p.at > now() THEN s.status
            ELSE hub_state_at('station', s.id, s.status, p.at) END AS state,
       s.has_place, s.has_team, s.has_projects, s.has_facilities, s.has_rules, s.has_signage
  FROM q p JOIN station s ON s.region_code >= p.lo AND s.region_code < p.hi
   AND s.created_at < p.at
"""
_BODIES = {"teams": TEAMS_BODY, "projects": _PROJECTS, "activities": _ACTIVITIES,
           "stations": _STATIONS}
FACTS = {item: _PILOT_ROWS + body for item, body in _BODIES.items()}


async def list_facts(db: Database, *, item: str, pilots: Sequence[int],
                     prefixes: Sequence[str], starts: Sequence[datetime],
                     ends: Sequence[datetime], ats: Sequence[datetime]) -> list[Row]:
    """The candidates of a quota item for each pilot (``pilot_id`` tells them apart), with
    their facts at each pilot's moment ``ats[i]``."""
    return await db.fetch(FACTS[item], {"pilots": list(pilots), "prefixes": list(prefixes),
                                        "starts": list(starts), "ends": list(ends),
                                        "ats": list(ats)})



def _in(states: frozenset[str]) -> str:
    return "(" + ", ".join(f"'{s}'" for s in sorted(states)) + ")"


# Whether a candidate (a fact row ``f``) counts for its card ``p`` (``judged``: the date judged;
# ``min_members``, ``six``: its quota's): hub.office.scorecard's rules, as scorecard_counts.py
# applies them; IS TRUE so that a missing fact does not count, as there.
_COUNTS = {
    "teams": "f.status <> 'dissolved' AND f.members >= coalesce(p.min_members, 0)",
    "projects": f"f.state IN {_in(PROJECT_LIVE)} AND f.starts_on <= p.judged",
    "activities": f"f.state IN {_in(ACTIVITY_LIVE)} AND f.starts_on <= p.judged",
    "stations": "f.state = 'active' AND (NOT p.six OR (f.has_place AND f.has_team AND "
                "f.has_projects AND f.has_facilities AND f.has_rules AND f.has_signage))",
}
_ENTRY_ROWS = pilot_rows(", %(mins)s::int[], %(six)s::bool[], %(judged)s::date[]",
                         ", min_members, six, judged")
# SQL text: the first candidates of each card in the scorecard's order (counted first, then by
# name in code-point order as Python sorts, then id), ``counts`` keeping one kind; the facts
# materialised once so a state read from the review log is read once per candidate.
ENTRIES = {item: _ENTRY_ROWS + f""",
f AS MATERIALIZED ({body}),
g AS (SELECT f.*, (({_COUNTS[item]}) IS TRUE) AS counts
        FROM f JOIN p ON p.pilot_id = f.pilot_id),
r AS (SELECT g.*, row_number() OVER (PARTITION BY g.pilot_id
                                     ORDER BY NOT g.counts, g.name COLLATE "C", g.id) AS rank
        FROM g WHERE %(counts)s::bool IS NULL OR g.counts = %(counts)s::bool)
SELECT * FROM r WHERE r.rank <= %(first)s ORDER BY r.pilot_id, r.rank
""" for item, body in _BODIES.items()}


async def list_entries(db: Database, *, item: str, pilots: Sequence[int],
                       prefixes: Sequence[str], starts: Sequence[datetime],
                       ends: Sequence[datetime], ats: Sequence[datetime],
                       min_members: Sequence[int | None], six: Sequence[bool],
                       judged: Sequence[date], counts: bool | None, first: int) -> list[Row]:
    """The first ``first`` candidates of a quota item per card (``pilot_id``), as list_facts
    gives them, with ``counts`` (whether each counts), in the scorecard's order; ``counts``
    not None: only those that count (True) or only those that do not (False)."""
    return await db.fetch(ENTRIES[item], {
        "pilots": list(pilots), "prefixes": list(prefixes), "starts": list(starts),
        "ends": list(ends), "ats": list(ats), "mins": list(min_members), "six": list(six),
        "judged": list(judged), "counts": counts, "first": first})
