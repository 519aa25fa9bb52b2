-- Issue 16.4 and 16.5: equity for 老少边贫 (one maintained summary row per demand) and station
-- coverage (candidate sites for new stations, and the coverage plans solved over them).

-- 1. 老少边贫 equity. One row per demand, kept by the triggers below in the same transaction as
--    the change, so `equity(region, from, to)` sums a few thousand rows instead of joining a
--    year of records. A slot is filled by a volunteer who accepted it (an accepted, checked-in
--    or completed dispatch) or who has a record of service on the demand; `first_filled_at` is
--    when the first of them was secured (the dispatch's answer, else the record's time);
--    `distance_m` sums the geodesic distance from each of them's home (road-free); `hours`
--    nets every record on the demand (corrections included); `expert_hours` the part served
--    by experts: volunteers holding a skill at level 5 (专家).
CREATE TABLE demand_equity (
  demand_id       bigint PRIMARY KEY REFERENCES demand (id),
  region_code     text COLLATE "C" NOT NULL,
  category        text NOT NULL,
  day             date NOT NULL,           -- the day the demand's window starts (China time)
  priority_area   boolean NOT NULL,        -- its region or one above it is flagged (老少边贫)
  cancelled       boolean NOT NULL,
  needed          integer NOT NULL CHECK (needed >= 0),
  filled          integer NOT NULL CHECK (filled BETWEEN 0 AND needed),
  hours_to_fill   double precision CHECK (hours_to_fill >= 0),
  distance_m      double precision NOT NULL CHECK (distance_m >= 0),
  distance_n      integer NOT NULL CHECK (distance_n >= 0),
  hours           numeric(12, 2) NOT NULL,
  expert_hours    numeric(12, 2) NOT NULL
);
CREATE INDEX demand_equity_region_day_idx ON demand_equity (region_code, day);
CREATE INDEX demand_equity_day_idx ON demand_equity (day);

-- Recompute the rows of `ids`, under their row locks taken in id order (so two writers of the
-- same demand queue, and the second recounts with the first's change visible: each statement
-- of a plpgsql function sees a fresh snapshot under READ COMMITTED).
CREATE FUNCTION hub_demand_equity_refresh(ids bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM demand_equity WHERE demand_id = ANY (ids) ORDER BY demand_id FOR UPDATE;
  INSERT INTO demand_equity AS e (demand_id, region_code, category, day, priority_area,
                                  cancelled, needed, filled, hours_to_fill, distance_m,
                                  distance_n, hours, expert_hours)
  SELECT d.id, d.region_code, d.category,
         (lower(d.time_window) AT TIME ZONE 'Asia/Shanghai')::date,
         hub_region_flags(d.region_code) <> '{}', d.status = 'cancelled', d.needed,
         least(coalesce(f.n, 0), d.needed),
         CASE WHEN f.first_at IS NOT NULL
              THEN greatest(extract(epoch FROM f.first_at - d.created_at) / 3600.0, 0) END,
         coalesce(f.dist, 0), coalesce(f.dist_n, 0),
         coalesce(h.hours, 0), coalesce(h.expert, 0)
    FROM demand d
    LEFT JOIN LATERAL (
      SELECT count(*) AS n, min(s.at) AS first_at,
             sum(ST_Distance(v.home, d.location)) AS dist, count(v.home) AS dist_n
        FROM (SELECT x.volunteer_id, min(x.at) AS at
                FROM (SELECT volunteer_id, coalesce(responded_at, offered_at) AS at
                        FROM dispatch
                       WHERE demand_id = d.id AND status IN ('accepted', 'checked_in', 'completed')
                      UNION ALL
                      SELECT volunteer_id, recorded_at FROM service_record
                       WHERE demand_id = d.id AND corrects_id IS NULL) x
               GROUP BY x.volunteer_id) s
        JOIN volunteer v ON v.id = s.volunteer_id) f ON true
    LEFT JOIN LATERAL (
      SELECT sum(r.hours) AS hours,
             sum(r.hours) FILTER (WHERE v.skills @? '$.* ? (@ >= 5)') AS expert
        FROM service_record r JOIN volunteer v ON v.id = r.volunteer_id
       WHERE r.demand_id = d.id) h ON true
   WHERE d.id = ANY (ids)
  ON CONFLICT (demand_id) DO UPDATE SET
    region_code = excluded.region_code, category = excluded.category, day = excluded.day,
    priority_area = excluded.priority_area, cancelled = excluded.cancelled,
    needed = excluded.needed, filled = excluded.filled, hours_to_fill = excluded.hours_to_fill,
    distance_m = excluded.distance_m, distance_n = excluded.distance_n, hours = excluded.hours,
    expert_hours = excluded.expert_hours;
END $$;

-- Statement-level triggers with transition tables: a bulk load (COPY of a year of records)
-- recomputes each demand it touches once, not once a row.
CREATE FUNCTION demand_equity_from_demands() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM hub_demand_equity_refresh(ARRAY(SELECT DISTINCT id FROM changed));
  RETURN NULL;
END $$;
CREATE TRIGGER demand_equity_insert AFTER INSERT ON demand
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION demand_equity_from_demands();
CREATE TRIGGER demand_equity_update AFTER UPDATE ON demand
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION demand_equity_from_demands();

CREATE FUNCTION demand_equity_from_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM hub_demand_equity_refresh(
    ARRAY(SELECT DISTINCT demand_id FROM changed WHERE demand_id IS NOT NULL));
  RETURN NULL;
END $$;
CREATE TRIGGER demand_equity_record AFTER INSERT ON service_record
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION demand_equity_from_rows();
CREATE TRIGGER demand_equity_dispatch_insert AFTER INSERT ON dispatch
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION demand_equity_from_rows();
CREATE TRIGGER demand_equity_dispatch_update AFTER UPDATE ON dispatch
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION demand_equity_from_rows();

-- A region flagged or unflagged: its demands, and those of the divisions beneath it, move.
CREATE FUNCTION demand_equity_from_regions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE demand_equity e SET priority_area = hub_region_flags(e.region_code) <> '{}'
   WHERE EXISTS (SELECT 1 FROM changed c JOIN before b ON b.code = c.code
                  WHERE (c.is_remote, c.is_poor, c.is_border, c.is_ethnic, c.is_revolutionary)
                        IS DISTINCT FROM
                        (b.is_remote, b.is_poor, b.is_border, b.is_ethnic, b.is_revolutionary)
                    AND e.region_code LIKE rtrim(c.code, '0') || '%');
  RETURN NULL;
END $$;
CREATE TRIGGER demand_equity_region AFTER UPDATE ON region
  REFERENCING NEW TABLE AS changed OLD TABLE AS before FOR EACH STATEMENT EXECUTE FUNCTION demand_equity_from_regions();

SELECT hub_demand_equity_refresh(ARRAY(SELECT id FROM demand));

-- 2. Candidate sites for new stations: existing public facilities (schools, museums,
--    党群服务中心 …) kept as data, imported from a file (`hub coverage import-sites`) or seeded.
CREATE TABLE candidate_site (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind           text NOT NULL CHECK (kind IN ('school', 'museum', 'science_museum',
                   'party_service_center', 'library', 'cultural_center', 'community_center',
                   'hospital', 'village_committee', 'other')),
  name           text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 2 AND 100),
  location_geom  geometry(Point, 4326) NOT NULL CHECK (hub_valid_lonlat(location_geom)),
  location       geography(Point, 4326) GENERATED ALWAYS AS (location_geom::geography) STORED,
  region_code    text COLLATE "C" NOT NULL REFERENCES region (code),
  address        text NOT NULL DEFAULT '',
  source         text NOT NULL DEFAULT 'import',
  created_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT candidate_site_key UNIQUE (region_code, kind, name)
);
CREATE INDEX candidate_site_region_idx ON candidate_site (region_code);
CREATE INDEX candidate_site_location_gist ON candidate_site USING gist (location);

-- 3. Coverage plans: the answer of one maximal-covering solve, kept so it can be shown again.
CREATE TABLE coverage_plan (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  region_code  text COLLATE "C" NOT NULL REFERENCES region (code),
  radius_m     integer NOT NULL CHECK (radius_m BETWEEN 100 AND 200000),
  sites        integer NOT NULL CHECK (sites BETWEEN 1 AND 200),
  since        date NOT NULL,
  status       text NOT NULL CHECK (status IN ('OPTIMAL', 'FEASIBLE')),
  covered      double precision NOT NULL,
  bound        double precision NOT NULL,
  gap          double precision NOT NULL CHECK (gap >= 0),
  result       jsonb NOT NULL,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX coverage_plan_region_idx ON coverage_plan (region_code, created_at DESC);
