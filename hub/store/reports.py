"""Statements of the yearly summary a region sends upward (issue 16.7; hub.services.reports).

SQL text, marked: each is one aggregate statement over a province's year (the benchmark,
bench/bench_reports.py, holds the whole report to 30 s on a million volunteers), grouped with
GROUPING SETS and FILTER, which read plainer as SQL than as Core. Every statement takes the
region's code prefix (``prefix``, with its ``%``), the year as days served [start, end) and as
moments [start_at, end_at) in China Standard Time.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from hub.store.base import Database, Row

CST = timezone(timedelta(hours=8))

# Confirmed originals served in the year inside the region, with their net hours and whether
# their division (or one above it) is 老少边贫.
_RECORDS = """
WITH corr AS (
  SELECT corrects_id AS id, sum(hours) AS delta FROM service_record
   WHERE corrects_id IS NOT NULL GROUP BY corrects_id
), prio AS (
  SELECT code FROM region WHERE code LIKE %(prefix)s AND cardinality(hub_region_flags(code)) > 0
), rec AS MATERIALIZED (
  SELECT o.id, o.volunteer_id, o.organization_id, o.demand_id, o.activity_id, o.region_code,
         o.hours + coalesce(c.delta, 0) AS hours, o.region_code IN (SELECT code FROM prio) AS prio
    FROM service_record o JOIN service_record_confirmation k ON k.record_id = o.id
    LEFT JOIN corr c ON c.id = o.id
   WHERE o.corrects_id IS NULL AND o.served_on >= %(start)s AND o.served_on < %(end)s
     AND o.region_code LIKE %(prefix)s
)
"""

# One pass over the year's records for every service figure (the CTE is read once): sums by
# area (the next level down), team, project, station kind and category and in total (hashed
# GROUPING SETS: no DISTINCT there), distinct counts from small pre-grouped sets (a demand,
# an activity and a station each lie in one area), and, in the same scan of the region's
# registered volunteers, their counts by cohort, area and in total with the hours of those who
# served under each of their cohorts. Rows: (dimension, key, figures…), a figure NULL where
# that row does not give it; hub.services.reports merges them by (dimension, key).
_SERVICE = _RECORDS + """, served AS MATERIALIZED (
  SELECT rec.volunteer_id, rec.organization_id, rec.demand_id, rec.activity_id, rec.hours,
         rec.prio, left(rec.region_code, %(child)s) AS area,
         coalesce(d.category, a.category) AS category, a.project_id, s.id AS station_id,
         s.kind AS station_kind
    FROM rec LEFT JOIN demand d ON d.id = rec.demand_id
    LEFT JOIN activity a ON a.id = rec.activity_id
    LEFT JOIN station s ON s.id = coalesce(d.station_id, a.station_id)
   WHERE rec.hours > 0
), per_volunteer AS MATERIALIZED (
  SELECT volunteer_id, sum(hours) AS hours FROM served GROUP BY volunteer_id
), occasions AS (
  SELECT area, demand_id, activity_id, project_id, bool_or(prio) AS prio FROM served
   GROUP BY area, demand_id, activity_id, project_id
), volunteers_by_area AS (
  SELECT area, volunteer_id FROM served GROUP BY area, volunteer_id
), stations AS (
  SELECT station_kind, station_id FROM served WHERE station_id IS NOT NULL
   GROUP BY station_kind, station_id
), members AS (
  -- The region's registered volunteers at the year's end, a row per cohort (one row with a
  -- NULL cohort for none; `first` marks one row per volunteer, for counting people).
  SELECT v.id, v.registered_at, left(v.region_code, %(child)s) AS area,
         coalesce(c.code, '') AS cohort, coalesce(c.ord, 1) = 1 AS first
    FROM volunteer v LEFT JOIN LATERAL unnest(v.cohorts) WITH ORDINALITY AS c(code, ord) ON true
   WHERE v.region_code LIKE %(prefix)s AND v.registered_at < %(end_at)s
     AND (v.exited_at IS NULL OR v.exited_at >= %(end_at)s)
)
SELECT CASE WHEN grouping(area) = 0 THEN 'area' WHEN grouping(organization_id) = 0 THEN 'team'
            WHEN grouping(project_id) = 0 THEN 'project'
            WHEN grouping(station_kind) = 0 THEN 'station_kind'
            WHEN grouping(category) = 0 THEN 'category' ELSE 'total' END AS dimension,
       coalesce(area, organization_id::text, project_id::text, station_kind, category) AS key,
       count(*) AS person_times, sum(hours) AS hours,
       coalesce(sum(hours) FILTER (WHERE prio), 0) AS priority_hours, NULL::bigint AS volunteers,
       NULL::bigint AS demands_served, NULL::bigint AS activities_served,
       NULL::bigint AS priority_demands_served, NULL::bigint AS stations_serving,
       NULL::bigint AS registered, NULL::bigint AS registered_in_year
  FROM served
 GROUP BY GROUPING SETS ((area), (organization_id), (project_id), (station_kind), (category), ())
UNION ALL
SELECT CASE WHEN grouping(area) = 0 THEN 'area' WHEN grouping(project_id) = 0 THEN 'project'
            ELSE 'total' END, coalesce(area, project_id::text), NULL, NULL, NULL, NULL,
       count(demand_id), count(activity_id), count(demand_id) FILTER (WHERE prio), NULL, NULL,
       NULL
  FROM occasions GROUP BY GROUPING SETS ((area), (project_id), ())
UNION ALL
SELECT 'area', area, NULL, NULL, NULL, count(*), NULL, NULL, NULL, NULL, NULL, NULL
  FROM volunteers_by_area GROUP BY area
UNION ALL
SELECT 'total', NULL, NULL, NULL, NULL, count(*), NULL, NULL, NULL, NULL, NULL, NULL
  FROM per_volunteer
UNION ALL
SELECT 'station_kind', station_kind, NULL, NULL, NULL, NULL, NULL, NULL, NULL, count(*), NULL,
       NULL
  FROM stations GROUP BY station_kind
UNION ALL
SELECT CASE WHEN grouping(cohort) = 0 THEN 'cohort' WHEN grouping(area) = 0 THEN 'area'
            ELSE 'total' END, coalesce(cohort, area), NULL,
       CASE WHEN grouping(cohort) = 0 THEN sum(pv.hours) END, NULL,
       CASE WHEN grouping(cohort) = 0 THEN count(pv.volunteer_id) END, NULL, NULL, NULL, NULL,
       CASE WHEN grouping(cohort) = 0 THEN count(*) ELSE count(*) FILTER (WHERE first) END,
       CASE WHEN grouping(cohort) = 0 THEN count(*) FILTER (WHERE registered_at >= %(start_at)s)
            ELSE count(*) FILTER (WHERE first AND registered_at >= %(start_at)s) END
  FROM members m LEFT JOIN per_volunteer pv ON pv.volunteer_id = m.id
 GROUP BY GROUPING SETS ((cohort), (area), ())
"""

_TEAMS = """
SELECT o.id, o.name, o.level, o.region_code, o.kind,
       (SELECT count(*) FROM membership m WHERE m.organization_id = o.id) AS members
  FROM organization o
 WHERE o.region_code LIKE %(prefix)s AND o.status = 'active' AND o.created_at < %(end_at)s
 ORDER BY o.path
"""

_PROJECTS = """
SELECT p.id, p.name, p.category, p.status, o.name AS owner, o.region_code
  FROM project p JOIN organization o ON o.id = p.owner_id
 WHERE o.region_code LIKE %(prefix)s AND p.period && daterange(%(start)s, %(end)s)
   AND p.status IN ('planned', 'active', 'closed', 'archived')
 ORDER BY p.id
"""

_ACTIVITIES_BY_CATEGORY = """
SELECT category, count(*) AS activities,
       count(*) FILTER (WHERE station_id IS NOT NULL) AS at_stations,
       coalesce(sum(signed_up), 0) AS signed_up
  FROM activity
 WHERE region_code LIKE %(prefix)s AND status IN ('published', 'closed', 'archived')
   AND time_window && tstzrange(%(start_at)s, %(end_at)s)
 GROUP BY 1
"""

_DEMANDS_BY_CATEGORY = """
SELECT category, count(*) AS raised,
       count(*) FILTER (WHERE status IN ('done', 'reviewed')) AS served,
       count(*) FILTER (WHERE region_code IN (
         SELECT code FROM region WHERE code LIKE %(prefix)s
            AND cardinality(hub_region_flags(code)) > 0)) AS priority_raised
  FROM demand
 WHERE region_code LIKE %(prefix)s AND created_at >= %(start_at)s AND created_at < %(end_at)s
 GROUP BY 1
"""

_STATIONS_BY_KIND = """
SELECT kind, count(*) AS stations,
       count(*) FILTER (WHERE has_place AND has_team AND has_projects AND has_facilities
                        AND has_rules AND has_signage) AS six_haves
  FROM station
 WHERE region_code LIKE %(prefix)s AND created_at < %(end_at)s
   AND status IN ('active', 'closed', 'archived')
   AND (status = 'active' OR updated_at >= %(start_at)s)
 GROUP BY 1
"""

_AREAS = """
SELECT code, name, left(code, %(child)s) AS area FROM region WHERE parent_code = %(own)s
 ORDER BY code
"""

_RECOGNITIONS = """
SELECT r.id AS round_id, r.award, r.level, r.region_code, w.category, w.place, w.subject_id,
       w.subject_name, w.region_code AS subject_region
  FROM recognition_award w JOIN recognition_round r ON r.id = w.round_id
 WHERE r.year = %(year)s AND r.status = 'published'
   AND (r.region_code LIKE %(prefix)s OR r.region_code = %(own)s)
 ORDER BY r.level DESC, r.region_code, r.award, w.category, w.place
"""

STATEMENTS = {
    "service": _SERVICE, "teams": _TEAMS,
    "projects": _PROJECTS, "activities_by_category": _ACTIVITIES_BY_CATEGORY,
    "demands_by_category": _DEMANDS_BY_CATEGORY, "stations_by_kind": _STATIONS_BY_KIND,
    "areas": _AREAS, "recognitions": _RECOGNITIONS,
}
"""Every statement of the report, by the part of it that it fills."""


def params(*, region_code: str, prefix: str, child: int, year: int) -> dict[str, Any]:
    """The parameters every statement takes."""
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    return {"prefix": prefix + "%", "own": region_code, "child": child, "year": year,
            "start": start, "end": end, "start_at": datetime.combine(start, time(), CST),
            "end_at": datetime.combine(end, time(), CST)}


async def update_work_mem(db: Database) -> None:
    """Give this transaction's sorts and hashes room (a province's year of records grouped
    several ways spills to disk at the default 4 MB)."""
    # SQL text: a setting for this transaction; Core has no construct for set_config.
    await db.fetch("SELECT set_config('work_mem', '256MB', true)")


async def list_part(db: Database, *, part: str, values: dict[str, Any]) -> list[Row]:
    """One part of the report (a key of :data:`STATEMENTS`)."""
    return await db.fetch(STATEMENTS[part], values)
