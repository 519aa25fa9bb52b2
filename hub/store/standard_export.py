"""Statements of the MZ/T 061 export (issue 16.7; hub.services.standard_export): volunteers,
organisations, projects, awards, service time, evaluations and certificates of a region and
year. No statement reads an ID number or a phone.

SQL text, marked: each is one plain statement per section with the region's code prefix
(``prefix``), the year as days [start, end) and moments [start_at, end_at), and ``limit``;
they read as the element table (hub/office/mzt061.py) lists them.
"""

from __future__ import annotations

from typing import Any

from hub.store.base import Database, Row

_NET = """(SELECT o.id, o.volunteer_id, o.organization_id, o.activity_id, o.title, o.served_on,
        o.region_code, o.recorded_by, o.hours + coalesce((SELECT sum(c.hours) FROM service_record c
                                                         WHERE c.corrects_id = o.id), 0) AS hours
   FROM service_record o WHERE o.corrects_id IS NULL)"""

STATEMENTS = {
    "volunteer": f"""
SELECT v.id, v.real_name, v.gender, v.education, v.cohorts, v.skill_codes, v.region_code,
       v.registered_at, v.status, coalesce(h.hours, 0) AS total_hours,
       hub_star_level(v.region_code, coalesce(h.hours, 0)) AS stars
  FROM volunteer v
  LEFT JOIN LATERAL (SELECT sum(r.hours) AS hours FROM {_NET} r
                       JOIN service_record_confirmation k ON k.record_id = r.id
                      WHERE r.volunteer_id = v.id) h ON true
 WHERE v.region_code LIKE %(prefix)s AND v.registered_at < %(end_at)s
 ORDER BY v.id LIMIT %(limit)s""",
    "organization": """
SELECT o.id, o.name, o.level, o.kind, o.parent_id, o.region_code, o.created_at, o.status,
       (SELECT count(*) FROM membership m WHERE m.organization_id = o.id) AS members
  FROM organization o WHERE o.region_code LIKE %(prefix)s AND o.created_at < %(end_at)s
 ORDER BY o.path LIMIT %(limit)s""",
    "project": """
SELECT p.id, p.name, p.category, p.owner_id, lower(p.period) AS starts,
       upper(p.period) - 1 AS ends, p.funding_source, p.status
  FROM project p JOIN organization o ON o.id = p.owner_id
 WHERE o.region_code LIKE %(prefix)s AND p.period && daterange(%(start)s, %(end)s)
   AND p.status NOT IN ('draft', 'pending_review', 'rejected')
 ORDER BY p.id LIMIT %(limit)s""",
    "training": "SELECT NULL WHERE false",
    "award": """
SELECT w.category, w.subject_id, w.subject_name, v.real_name, r.award, r.level, r.region_code,
       r.year, w.place, r.published_at
  FROM recognition_award w JOIN recognition_round r ON r.id = w.round_id
  LEFT JOIN volunteer v ON w.category = 'volunteer' AND v.id = w.subject_id
 WHERE r.status = 'published' AND r.year = %(year)s
   AND (r.region_code LIKE %(prefix)s OR w.region_code LIKE %(prefix)s)
 ORDER BY r.year, r.level DESC, r.id, w.category, w.place LIMIT %(limit)s""",
    "service": f"""
SELECT r.id, r.volunteer_id, r.organization_id, a.project_id, r.title, r.served_on,
       r.region_code, r.hours, r.recorded_by, k.confirmed_at
  FROM {_NET} r LEFT JOIN service_record_confirmation k ON k.record_id = r.id
  LEFT JOIN activity a ON a.id = r.activity_id
 WHERE r.region_code LIKE %(prefix)s AND r.served_on >= %(start)s AND r.served_on < %(end)s
 ORDER BY r.id LIMIT %(limit)s""",
    "evaluation": """
SELECT rv.id, rv.direction, rv.demand_id, rv.volunteer_id, rv.rating, rv.comment, rv.created_at
  FROM review rv JOIN demand d ON d.id = rv.demand_id
 WHERE d.region_code LIKE %(prefix)s AND rv.created_at >= %(start_at)s
   AND rv.created_at < %(end_at)s
 ORDER BY rv.id LIMIT %(limit)s""",
    "certificate": """
SELECT c.code, c.volunteer_id, lower(c.period) AS starts, upper(c.period) - 1 AS ends,
       c.issued_by, c.issued_at, c.key_id
  FROM certificate c JOIN volunteer v ON v.id = c.volunteer_id
 WHERE v.region_code LIKE %(prefix)s AND c.issued_at >= %(start_at)s AND c.issued_at < %(end_at)s
 ORDER BY c.issued_at, c.code LIMIT %(limit)s""",
}
"""One statement per section of hub.office.mzt061.ELEMENTS."""


async def list_section(db: Database, *, section: str, values: dict[str, Any]) -> list[Row]:
    """One section's rows (at most ``values['limit']``)."""
    return await db.fetch(STATEMENTS[section], values)
