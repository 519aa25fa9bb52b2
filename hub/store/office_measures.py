"""Statements of the office's measures by region and month (hub.services.office_measures,
issue 16.8): one statement per group of figures, over a region subtree and a period cut into
buckets at the first of each month (hub.office.measures.edges).

SQL text, as hub.store.reports: GROUPING SETS and width_bucket read plainer than Core. Every
statement takes the subtree as a range of division codes (``lo`` ≤ code < ``hi``, so the
B-tree on region_code serves it), ``child`` (how many leading digits name a child region: the
rows are grouped by ``area`` = that prefix of their division code), the cuts as days
(``days``, date[]) and as moments at midnight China time (``ats``, timestamptz[]). Bucket ``b``
is 1..n; a flow's rows come for (area, b), (b), (area) and () — NULL where grouped away; a
stock's for (area, b) with ``b`` its bucket of change (0: before the period).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from hub.store.base import Database, Row

CST = timezone(timedelta(hours=8))
_SETS = "GROUP BY GROUPING SETS ((area, b), (b), (area), ())"

# Confirmed originals served in the subtree in the period, with their net hours.
_RECORDS = f"""
WITH rec AS MATERIALIZED (
  SELECT o.volunteer_id, left(o.region_code, %(child)s) AS area,
         width_bucket(o.served_on, %(days)s::date[]) AS b,
         o.hours + coalesce((SELECT sum(c.hours) FROM service_record c
                              WHERE c.corrects_id = o.id), 0) AS hours
    FROM service_record o JOIN service_record_confirmation k ON k.record_id = o.id
   WHERE o.corrects_id IS NULL AND o.region_code >= %(lo)s AND o.region_code < %(hi)s
     AND o.served_on >= %(start)s AND o.served_on < %(end)s)
SELECT area, b, sum(hours)::float8 AS service_hours,
       count(*) FILTER (WHERE hours > 0) AS service_records,
       count(DISTINCT volunteer_id) FILTER (WHERE hours > 0) AS active_volunteers
  FROM rec {_SETS}
"""

# The equity summary (sql/0028): one row per demand, dated by its window's first day.
_DEMANDS = f"""
SELECT left(region_code, %(child)s) AS area, width_bucket(day, %(days)s::date[]) AS b,
       count(*) AS demands, count(*) FILTER (WHERE filled >= needed) AS demands_filled,
       sum(needed) AS slots, sum(filled) AS filled,
       sum(needed) FILTER (WHERE priority_area) AS p_slots,
       sum(filled) FILTER (WHERE priority_area) AS p_filled
  FROM demand_equity
 WHERE region_code >= %(lo)s AND region_code < %(hi)s AND day >= %(start)s AND day < %(end)s
   AND NOT cancelled
 {_SETS}
"""

_ACTIVITIES = f"""
SELECT left(region_code, %(child)s) AS area,
       width_bucket(lower(time_window), %(ats)s::timestamptz[]) AS b, count(*) AS activities
  FROM activity
 WHERE region_code >= %(lo)s AND region_code < %(hi)s AND status IN ('published', 'closed')
   AND lower(time_window) >= %(start_at)s AND lower(time_window) < %(end_at)s
   AND lower(time_window) < now()
 {_SETS}
"""

# Registrations and exits by bucket; a volunteer counts from the bucket they registered in
# until the one they exited in.
_VOLUNTEERS = """
SELECT left(region_code, %(child)s) AS area,
       width_bucket(registered_at, %(ats)s::timestamptz[]) AS b,
       width_bucket(exited_at, %(ats)s::timestamptz[]) AS xb, count(*) AS n
  FROM volunteer
 WHERE region_code >= %(lo)s AND region_code < %(hi)s AND registered_at < %(end_at)s
   AND (exited_at IS NULL OR exited_at >= %(start_at)s)
 GROUP BY 1, 2, 3
"""

# Stations open at the end of each bucket (their state then, rewound by the review log).
_STATIONS = """
SELECT left(s.region_code, %(child)s) AS area, e.b, count(*) AS n
  FROM station s
  JOIN unnest((%(ats)s::timestamptz[])[2:]) WITH ORDINALITY AS e(at, b) ON s.created_at < e.at
 WHERE s.region_code >= %(lo)s AND s.region_code < %(hi)s
   AND CASE WHEN e.at > now() THEN s.status
            ELSE hub_state_at('station', s.id, s.status, e.at) END = 'active'
 GROUP BY 1, 2
"""

# The bucket in which each volunteer of the subtree reached one star: their confirmed net
# hours summed by bucket (0: everything before the period), run up, against their
# province's thresholds.
_STARS = """
WITH h AS (
  SELECT v.id, v.region_code, width_bucket(o.served_on, %(days)s::date[]) AS b,
         sum(o.hours + coalesce((SELECT sum(c.hours) FROM service_record c
                                  WHERE c.corrects_id = o.id), 0)) AS hours
    FROM volunteer v JOIN service_record o ON o.volunteer_id = v.id AND o.corrects_id IS NULL
    JOIN service_record_confirmation k ON k.record_id = o.id
   WHERE v.region_code >= %(lo)s AND v.region_code < %(hi)s AND o.served_on < %(end)s
   GROUP BY 1, 2, 3
), run AS (
  SELECT id, region_code, b, sum(hours) OVER (PARTITION BY id ORDER BY b) AS hours FROM h
), reached AS (
  SELECT id, region_code, min(b) AS b FROM run
   WHERE hub_star_level(region_code, hours) >= 1 GROUP BY 1, 2
)
SELECT left(region_code, %(child)s) AS area, b, count(*) AS n FROM reached GROUP BY 1, 2
"""

STATEMENTS = {"records": _RECORDS, "demands": _DEMANDS, "activities": _ACTIVITIES,
              "volunteers": _VOLUNTEERS, "stations": _STATIONS, "stars": _STARS}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=CST)


async def list_figures(db: Database, *, group: str, region_prefix: str, child: int,
                       days: list[date]) -> list[Row]:
    """The rows of one group of figures (``records``, ``demands``, ``activities``,
    ``volunteers``, ``stations``, ``stars``) for the subtree ``region_prefix`` over the period
    cut at ``days`` (its first and last the period's ends), areas ``child`` digits long."""
    ats = [_midnight(d) for d in days]
    params: dict[str, Any] = {
        "lo": region_prefix, "hi": region_prefix + ":", "child": child, "days": days,
        "ats": ats, "start": days[0], "end": days[-1], "start_at": ats[0], "end_at": ats[-1]}
    return await db.fetch(STATEMENTS[group], params)
