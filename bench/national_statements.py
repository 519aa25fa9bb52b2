"""The national rehearsal's bulk statements (bench/national_seed.py runs them): memberships,
stations, demands, projects, activities and pilots, each an ``INSERT … SELECT`` over
``generate_series`` or the rows already loaded, parameterised by the chunk it fills."""

from __future__ import annotations

MEMBERSHIPS = """
INSERT INTO membership (volunteer_id, organization_id, role, joined_at)
SELECT v.id, CASE WHEN v.id %% 3 = 0 THEN s.farm_squad ELSE s.squad END, 'member',
       v.registered_at
  FROM volunteer v JOIN seed_seat s ON s.code = v.region_code
 WHERE v.id BETWEEN %(first)s + %(lo)s - 1 AND %(first)s + %(hi)s - 1
"""

STATION_KINDS = (("civilization_institute", "新时代文明实践所", 0.30),
                  ("civilization_station", "新时代文明实践站", 0.80),
                  ("party_service_center", "党群服务中心", 0.88),
                  ("community_facility", "社区科普活动室", 0.96),
                  ("science_base", "科普教育基地", 1.0))

STATIONS = """
INSERT INTO station (name, kind, address, location_geom, region_code, organization_id,
  opening_hours, has_place, has_team, has_projects, has_facilities, has_rules, has_signage)
SELECT s.name || (%(towns)s::text[])[1 + x.g %% %(n_towns)s] || k.label || '（' || x.g || '）',
       k.kind, s.name || (%(towns)s::text[])[1 + x.g %% %(n_towns)s],
       ST_SetSRID(ST_MakePoint(s.lon + x.n_east * 0.09, s.lat + x.n_north * 0.072), 4326),
       s.code, s.squad, %(hours)s::int4multirange,
       x.r1 < 0.98, x.r2 < 0.9, x.r3 < 0.8, x.r4 < 0.85, x.r5 < 0.75, x.r6 < 0.7
  FROM (SELECT g, floor(random() * %(slots)s)::int AS slot, random() AS r_kind,
               random() AS r1, random() AS r2, random() AS r3, random() AS r4, random() AS r5,
               random() AS r6,
               sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS n_east,
               sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS n_north
          FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g OFFSET 0) AS x
  JOIN seed_slot sl ON sl.slot = x.slot
  JOIN seed_seat s ON s.seat = sl.seat
  CROSS JOIN LATERAL (SELECT (%(kinds)s::text[])[width_bucket(x.r_kind, %(from)s::float8[])]
                               AS kind,
                             (%(labels)s::text[])[width_bucket(x.r_kind, %(from)s::float8[])]
                               AS label) AS k
"""

DEMANDS = """
INSERT INTO demand (title, description, category, required_skills, needed, time_window,
  location_geom, station_id, region_code, raised_by, raised_by_kind, priority, base_priority,
  requires_insurance)
SELECT coalesce(st.name, s.name) || y.title, '', y.category, ARRAY[y.category], x.needed,
       tstzrange(x.begins, x.begins + x.minutes * interval '1 minute'),
       CASE WHEN st.id IS NOT NULL
            THEN ST_SetSRID(ST_MakePoint(ST_X(st.location_geom) + x.n_east * 0.0005,
                                         ST_Y(st.location_geom) + x.n_north * 0.0004), 4326)
            ELSE ST_SetSRID(ST_MakePoint(s.lon + x.n_east * 0.06, s.lat + x.n_north * 0.05),
                            4326) END,
       st.id, coalesce(st.region_code, s.code),
       CASE WHEN st.id IS NOT NULL THEN 'station:' || st.id ELSE 'community:' || s.code END,
       CASE WHEN st.id IS NOT NULL THEN 'station' ELSE 'community' END,
       1 + 0.5 * coalesce(ss.flags, s.flags), 1 + 0.5 * coalesce(ss.flags, s.flags),
       y.category IN ('emergency', 'health')
  FROM (SELECT g, floor(random() * %(slots)s)::int AS slot,
               CASE WHEN random() < 0.6 THEN %(first_station)s
                    + floor(random() * %(n_stations)s)::bigint END AS station,
               width_bucket(random(), %(from)s::float8[]) AS cat,
               (ARRAY[1, 1, 1, 2, 2, 3, 5])[1 + floor(random() * 7)::int]::smallint AS needed,
               %(today)s::date + 1 + floor(random() * 42)::int + time '08:00'
                 + floor(random() * 17) * interval '30 minutes' AS begins,
               (ARRAY[90, 120, 120, 180, 240])[1 + floor(random() * 5)::int] AS minutes,
               sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS n_east,
               sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()) AS n_north
          FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g OFFSET 0) AS x
  CROSS JOIN LATERAL (SELECT (%(categories)s::text[])[x.cat] AS category,
                             (%(titles)s::text[])[x.cat] AS title) AS y
  JOIN seed_slot sl ON sl.slot = x.slot
  JOIN seed_seat s ON s.seat = sl.seat
  LEFT JOIN station st ON st.id = x.station
  LEFT JOIN seed_seat ss ON ss.code = st.region_code
"""

PROJECTS = """
INSERT INTO project (name, owner_id, category, period, funding_yuan, description)
SELECT '智惠行动·' || replace(o.name, '科技志愿服务队', '') || '科普服务项目', o.id,
       (%(categories)s::text[])[1 + o.id %% 8],
       daterange(%(today)s::date - 300, %(today)s::date + 60), 100000, '科技志愿服务智惠行动子项目'
  FROM organization o WHERE o.level IN ('team', 'detachment')
"""

ACTIVITIES = """
INSERT INTO activity (title, organization_id, project_id, category, time_window, location_geom,
  region_code, capacity, status)
SELECT j.name || '（第' || k || '期）', j.owner_id, j.id, j.category,
       tstzrange(t, t + interval '3 hours'),
       ST_SetSRID(ST_MakePoint(ST_X(r.centroid_geom) + 0.01 * (k %% 5 - 2),
                               ST_Y(r.centroid_geom) + 0.01 * (k %% 3 - 1)), 4326),
       o.region_code, 50, CASE WHEN t < now() THEN 'closed' ELSE 'published' END
  FROM project j JOIN organization o ON o.id = j.owner_id
  JOIN region r ON r.code = o.region_code AND r.centroid_geom IS NOT NULL
  CROSS JOIN generate_series(1, 12) AS k
  CROSS JOIN LATERAL (SELECT %(today)s::date - 300 + k * 30 + (j.id %% 20)::int
                             + time '09:00' AS t) AS w
"""

PILOTS = """
INSERT INTO pilot (region_code, pilot_type, name, funded_on, quota_set, created_by)
SELECT code, level, name || '科技志愿服务体系建设试点', %(today)s::date - 200, 'henan_001', 'bench'
  FROM region WHERE left(code, 2) = %(province)s AND level IN ('city', 'county')
   AND code IN (SELECT code FROM seed_seat UNION SELECT team_region FROM seed_seat)
ON CONFLICT DO NOTHING
"""
