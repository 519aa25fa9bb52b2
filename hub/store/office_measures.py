"""Statements of the office's measures by region and month (hub.services.office_measures,
issue 16.8): one statement per group of figures, over a region subtree and a period cut into
buckets at the first of each month (hub.office.measures.edges).

The figures of service, volunteers and stars come from the summaries kept by sql/0036's
triggers (office_day_tally, volunteer_month, volunteer_star), those of demands from the equity
summary (sql/0028); activities and stations are read from their tables (a province has a few
tens of thousands). SQL text, as hub.store.reports: GROUPING SETS and width_bucket read plainer
than Core. Every
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

from hub.office.measures import year_masks
from hub.store.base import Database, Row

CST = timezone(timedelta(hours=8))
_SETS = "GROUP BY GROUPING SETS ((area, b), (b), (area), ())"

# Confirmed service served in the subtree, by day (office_day_tally, sql/0036).
_RECORDS = f"""
SELECT left(region_code, %(child)s) AS area, width_bucket(day, %(days)s::date[]) AS b,
       sum(hours)::float8 AS service_hours, sum(records) AS service_records
  FROM office_day_tally
 WHERE region_code >= %(lo)s AND region_code < %(hi)s AND day >= %(start)s AND day < %(end)s
 {_SETS}
"""

# Volunteers of the subtree (their home when they served) with confirmed service in a month,
# by whole months: the counts per division and month (office_month_active, sql/0040). Over the
# period, distinct volunteers per area and in all from volunteer_active_year (sql/0040): the
# rows whose months meet the period's (``years``, ``masks``: a bitmask per calendar year); a
# volunteer with one such row in a year (not ``shared``) is counted as the row is, the others
# distinctly; a period over several calendar years counts every row distinctly (a volunteer
# has a row per year).
_ACTIVE_MONTHS = """
SELECT left(region_code, %(child)s) AS area, width_bucket(month, %(months)s::date[]) AS b,
       sum(volunteers) AS active_volunteers
  FROM office_month_active
 WHERE region_code >= %(lo)s AND region_code < %(hi)s
   AND month >= (%(months)s::date[])[1] AND month < (%(months)s::date[])[%(n)s + 1]
 GROUP BY GROUPING SETS ((area, b), (b))
"""
_ACTIVE_ROWS = """
  SELECT left(v.region_code, %(child)s) AS area, {count} AS n
    FROM volunteer_active_year v JOIN unnest(%(years)s::int[], %(masks)s::int[]) y(year, mask)
      ON v.year = y.year AND v.months & y.mask <> 0
   WHERE v.region_code >= %(lo)s AND v.region_code < %(hi)s AND {which}
   GROUP BY GROUPING SETS ((area), ())"""
# One year: the rows not shared counted (hashed), the shared ones distinctly (sorted, a few).
_ONE_YEAR = (_ACTIVE_ROWS.format(count="count(*)", which="NOT v.shared") + "\n  UNION ALL"
             + _ACTIVE_ROWS.format(count="count(DISTINCT v.volunteer_id)", which="v.shared"))
_YEARS = _ACTIVE_ROWS.format(count="count(DISTINCT v.volunteer_id)", which="true")
_ACTIVE_PERIOD = """
UNION ALL
SELECT area, NULL, sum(n) FROM ({rows}) x GROUP BY area
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

# Registrations less exits by bucket (0: before the period), by home division
# (office_day_tally).
_VOLUNTEERS = """
SELECT left(region_code, %(child)s) AS area, width_bucket(day, %(days)s::date[]) AS b,
       sum(registered - exited) AS n
  FROM office_day_tally
 WHERE region_code >= %(lo)s AND region_code < %(hi)s AND day < %(end)s
   AND (registered <> 0 OR exited <> 0)
 GROUP BY 1, 2
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

# The month each volunteer of the subtree reached one star (volunteer_star, sql/0036), by
# bucket of whole months (0: before the period).
_STARS = """
SELECT left(region_code, %(child)s) AS area, width_bucket(month, %(months)s::date[]) AS b,
       count(*) AS n
  FROM volunteer_star
 WHERE region_code >= %(lo)s AND region_code < %(hi)s AND month IS NOT NULL
   AND month < (%(months)s::date[])[%(n)s + 1]
 GROUP BY 1, 2
"""

STATEMENTS = {"records": _RECORDS, "active": _ACTIVE_MONTHS, "demands": _DEMANDS,
              "activities": _ACTIVITIES, "volunteers": _VOLUNTEERS, "stations": _STATIONS,
              "stars": _STARS}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=CST)


async def list_figures(db: Database, *, group: str, region_prefix: str, child: int,
                       days: list[date], months: list[date], whole: bool = True) -> list[Row]:
    """The rows of one group of figures (``records``, ``active``, ``demands``,
    ``activities``, ``volunteers``, ``stations``, ``stars``) for the subtree ``region_prefix``
    over the period cut at ``days`` (its first and last the period's ends), or by whole
    months cut at ``months`` (the first of each bucket's month, and of the month after the
    last), areas ``child`` digits long; ``whole`` False leaves out the figures over the whole
    period where they cost more than the months' (distinct volunteers)."""
    ats = [_midnight(d) for d in days]
    params: dict[str, Any] = {
        "lo": region_prefix, "hi": region_prefix + ":", "child": child, "days": days,
        "ats": ats, "start": days[0], "end": days[-1], "start_at": ats[0], "end_at": ats[-1],
        "months": months, "n": len(months) - 1}
    statement = STATEMENTS[group]
    if group == "active" and whole:
        masks = year_masks(months[0], months[-1])
        params.update(years=list(masks), masks=list(masks.values()))
        statement += _ACTIVE_PERIOD.format(rows=_ONE_YEAR if len(masks) == 1 else _YEARS)
    return await db.fetch(statement, params)
