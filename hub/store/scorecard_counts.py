"""How many candidates of each quota item count, by division, for pilots' moments (the
office's pilots passed month by month, hub.services.scorecards.passed_at, issue 16.9).

hub.store.scorecards' fact statements return every candidate of every card (a pilot as of a
date) with its facts, which hub.office.scorecard judges one by one: a province's 176 pilots at
12 month ends are 70,000 activities judged in Python and as many calls of hub_state_at. These
statements apply the same rules in SQL once per *key* — what a verdict depends on besides the
subtree: the pilot period, the moment judged, the quota's ``min_members`` and ``six`` (六有) —
over the common subtree of the request (``prefixes`` are all that one prefix), and return how
many candidates there are and how many of them count per key (``pilot_id``: the key's place in
the request) and division (``region_code``); the service sums a card's divisions. A
candidate's state is looked up in the review log only when the log holds a step at or after
the moment judged (``last``: its latest step, found once per candidate); without one
hub_state_at answers the state now.
tests/office/test_office_scorecard_counts.py holds them to hub.office.scorecard's verdicts.

The rules (hub.office.scorecard): a team counts when not dissolved with at least
``min_members`` members at the moment; a project when in PROJECT_LIVE then and begun by the
day judged; an activity when in ACTIVITY_LIVE then and begun before the moment (midnight after
the day judged, China time); a station when active then, with all of 六有 when ``six`` asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hub.office.scorecard import ACTIVITY_LIVE, PROJECT_LIVE
from hub.store.base import Database, Row
from hub.store.scorecards import TEAMS_BODY, pilot_rows

_KEYS = pilot_rows(", %(mins)s::int[], %(six)s::bool[]", ", min_members, six")


def _last_steps(kind: str, table: str, where: str) -> str:
    """The latest review step of each candidate of the common subtree."""
    return f""",
last AS (SELECT r.subject_id, max(r.at) AS last_at
           FROM {table} JOIN publication_review r
             ON r.subject_kind = '{kind}' AND r.subject_id = x.id
          WHERE {where} GROUP BY 1)
"""


def _state(kind: str, alias: str) -> str:
    return (f"CASE WHEN p.at > now() OR l.last_at IS NULL OR l.last_at < p.at "
            f"THEN {alias}.status ELSE hub_state_at('{kind}', {alias}.id, {alias}.status, "
            f"p.at) END")


def _in(states: frozenset[str]) -> str:
    return "(" + ", ".join(f"'{s}'" for s in sorted(states)) + ")"


# The common subtree as scalars (``lo``, ``hi``), not the keys' arrays: a generic prepared
# plan knows neither, and with arrays it guesses ten keys and scans every station (0.3 s on
# 600,000) where the range keeps the index.
_RANGE = "x.region_code >= %(lo)s AND x.region_code < %(hi)s"
_TEAMS = _KEYS + f"""
SELECT t.pilot_id, t.region_code, count(*) AS candidates,
       count(*) FILTER (WHERE t.status <> 'dissolved'
                          AND t.members >= coalesce(p.min_members, 0)) AS n
  FROM ({TEAMS_BODY}) t JOIN p ON p.pilot_id = t.pilot_id
 GROUP BY 1, 2
"""
_PROJECTS = _KEYS + _last_steps(
    "project", "organization o JOIN project x ON x.owner_id = o.id",
    "o.region_code >= %(lo)s AND o.region_code < %(hi)s") + f"""
SELECT p.pilot_id, o.region_code, count(*) AS candidates,
       count(*) FILTER (WHERE lower(j.period) < (p.at AT TIME ZONE 'Asia/Shanghai')::date
                          AND {_state('project', 'j')} IN {_in(PROJECT_LIVE)}) AS n
  FROM p JOIN organization o ON o.region_code >= %(lo)s AND o.region_code < %(hi)s
  JOIN project j ON j.owner_id = o.id AND j.created_at < p.at
  LEFT JOIN last l ON l.subject_id = j.id
 WHERE upper(j.period) > (p.starts_at AT TIME ZONE 'Asia/Shanghai')::date
   AND lower(j.period) < (p.ends_at AT TIME ZONE 'Asia/Shanghai')::date
 GROUP BY 1, 2
"""
# The subtree's activities of the keys' periods read once (not once per key).
_ACTIVITIES = _KEYS + _last_steps("activity", "activity x", _RANGE) + f""",
c AS MATERIALIZED (
  SELECT x.id, x.region_code, x.status, x.created_at, lower(x.time_window) AS starts
    FROM activity x WHERE {_RANGE}
     AND lower(x.time_window) >= (SELECT min(starts_at) FROM p)
     AND lower(x.time_window) < (SELECT max(ends_at) FROM p))
SELECT p.pilot_id, a.region_code, count(*) AS candidates,
       count(*) FILTER (WHERE a.starts < p.at
                          AND {_state('activity', 'a')} IN {_in(ACTIVITY_LIVE)}) AS n
  FROM p JOIN c a ON a.created_at < p.at
   AND a.starts >= p.starts_at AND a.starts < p.ends_at
  LEFT JOIN last l ON l.subject_id = a.id
 GROUP BY 1, 2
"""
_STATIONS = _KEYS + _last_steps("station", "station x", _RANGE) + f"""
SELECT p.pilot_id, s.region_code, count(*) AS candidates,
       count(*) FILTER (WHERE {_state('station', 's')} = 'active'
         AND (NOT p.six OR (s.has_place AND s.has_team AND s.has_projects AND s.has_facilities
                            AND s.has_rules AND s.has_signage) IS TRUE)) AS n
  FROM p JOIN station s ON s.region_code >= %(lo)s AND s.region_code < %(hi)s
   AND s.created_at < p.at
  LEFT JOIN last l ON l.subject_id = s.id
 GROUP BY 1, 2
"""
COUNTS = {"teams": _TEAMS, "projects": _PROJECTS, "activities": _ACTIVITIES,
          "stations": _STATIONS}


async def list_counts(db: Database, *, item: str, prefix: str, starts: Sequence[datetime],
                      ends: Sequence[datetime], ats: Sequence[datetime],
                      min_members: Sequence[int | None], six: Sequence[bool]) -> list[Row]:
    """How many candidates of ``item`` there are (``candidates``) and how many count (``n``)
    per key (``pilot_id``: its place in the arrays) and division (``region_code``) of the
    subtree ``prefix``; no candidate: no row."""
    keys = list(range(len(ats)))
    params: dict[str, Any] = {
        "pilots": keys, "prefixes": [prefix] * len(keys), "starts": list(starts),
        "ends": list(ends), "ats": list(ats), "mins": list(min_members), "six": list(six),
        "lo": prefix, "hi": prefix + ":"}
    return await db.fetch(COUNTS[item], params)
