-- Issue 16.9: volunteers who served (hub.store.office_measures, ACTIVE_VOLUNTEERS) for a
-- province without reading its volunteer_month rows (sql/0036: some 460,000 for Henan's year on
-- the benchmark). Two summaries, kept in the same statement as volunteer_month:
--
-- 1. office_month_active, per (division, month): how many volunteers whose volunteer_month row
--    for that month names the division have records > 0 there (a volunteer's month is one row,
--    so these are distinct volunteers): the month-by-month series sums a few thousand rows.
-- 2. volunteer_active_year, per (volunteer, year, division): the months of the year (bit m-1
--    for month m) in which the volunteer's volunteer_month row names the division and has
--    records > 0; ``shared``: the volunteer has another such row (another division) that
--    year. Distinct volunteers over a period inside one year are the rows whose months meet
--    the period's, counted as they are when not shared and distinctly when shared (a few);
--    over several years, distinctly (hub.store.office_measures says which).
--
-- A volunteer's rows change only inside hub_office_service_add, after its volunteer_star rows
-- are locked (sql/0036), so the months before a change are read in the same statement that
-- writes them, exactly: the counters get +1 for a month turned on and -1 for one turned off.
-- office_month_active rows are shared by volunteers: added to under the row's lock, in key
-- order, like office_day_tally.

CREATE TABLE office_month_active (
  region_code text COLLATE "C" NOT NULL,
  month       date NOT NULL CHECK (extract(day FROM month) = 1),
  volunteers  integer NOT NULL DEFAULT 0,
  PRIMARY KEY (region_code, month)
);

CREATE TABLE volunteer_active_year (
  volunteer_id bigint NOT NULL,
  year         integer NOT NULL,
  region_code  text COLLATE "C" NOT NULL,
  months       integer NOT NULL DEFAULT 0 CHECK (months >= 0 AND months < 4096),
  shared       boolean NOT NULL DEFAULT false,
  PRIMARY KEY (volunteer_id, year, region_code)
);
CREATE INDEX volunteer_active_year_region_idx ON volunteer_active_year (region_code, year)
  INCLUDE (volunteer_id, months, shared);

-- Bring the summaries of the volunteers' months of `d` (hub_office_service_add's change) up to
-- their volunteer_month rows. Called with their volunteer_star rows locked.
CREATE FUNCTION hub_office_active_sync(d jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  WITH k AS (
    SELECT DISTINCT m.volunteer_id, extract(year FROM m.month)::int AS year, m.region_code
      FROM volunteer_month m
     WHERE (m.volunteer_id, m.month) IN (
             SELECT (x ->> 'v')::bigint, date_trunc('month', (x ->> 'day')::date)::date
               FROM jsonb_array_elements(d) x)
       AND m.region_code IS NOT NULL),
  n AS (
    SELECT k.*, coalesce((
             SELECT bit_or(1 << (extract(month FROM m.month)::int - 1)) FROM volunteer_month m
              WHERE m.volunteer_id = k.volunteer_id AND m.region_code = k.region_code
                AND m.month >= make_date(k.year, 1, 1) AND m.month < make_date(k.year + 1, 1, 1)
                AND m.records > 0), 0) AS months,
           coalesce(a.months, 0) AS old
      FROM k LEFT JOIN volunteer_active_year a
        ON a.volunteer_id = k.volunteer_id AND a.year = k.year AND a.region_code = k.region_code),
  up AS (
    INSERT INTO volunteer_active_year AS a (volunteer_id, year, region_code, months)
    SELECT volunteer_id, year, region_code, months FROM n WHERE months <> old ORDER BY 1, 2, 3
    ON CONFLICT (volunteer_id, year, region_code) DO UPDATE SET months = excluded.months)
  INSERT INTO office_month_active AS t (region_code, month, volunteers)
  SELECT n.region_code, make_date(n.year, b + 1, 1),
         sum(((n.months >> b) & 1) - ((n.old >> b) & 1))
    FROM n CROSS JOIN generate_series(0, 11) b
   WHERE ((n.months # n.old) >> b) & 1 = 1
   GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (region_code, month) DO UPDATE SET volunteers = t.volunteers + excluded.volunteers;

  UPDATE volunteer_active_year a SET shared = s.shared
    FROM (SELECT volunteer_id, year, count(*) FILTER (WHERE months <> 0) > 1 AS shared
            FROM volunteer_active_year
           WHERE (volunteer_id, year) IN (
                   SELECT (x ->> 'v')::bigint, extract(year FROM (x ->> 'day')::date)::int
                     FROM jsonb_array_elements(d) x)
           GROUP BY 1, 2) s
   WHERE a.volunteer_id = s.volunteer_id AND a.year = s.year AND a.shared <> s.shared;
END $$;

-- sql/0036's function with the sync added after the months are written (the rest unchanged).
CREATE OR REPLACE FUNCTION hub_office_service_add(d jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO volunteer_star (volunteer_id)
  SELECT DISTINCT (x ->> 'v')::bigint FROM jsonb_array_elements(d) x ORDER BY 1
  ON CONFLICT DO NOTHING;
  PERFORM 1 FROM volunteer_star
   WHERE volunteer_id IN (SELECT (x ->> 'v')::bigint FROM jsonb_array_elements(d) x)
   ORDER BY volunteer_id FOR UPDATE;
  INSERT INTO office_day_tally AS t (region_code, day, hours, records)
  SELECT x ->> 'r', (x ->> 'day')::date, sum((x ->> 'h')::numeric), sum((x ->> 'n')::int)
    FROM jsonb_array_elements(d) x GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (region_code, day) DO UPDATE
    SET hours = t.hours + excluded.hours, records = t.records + excluded.records;
  INSERT INTO volunteer_month AS m (volunteer_id, month, region_code, hours, records)
  SELECT (x ->> 'v')::bigint, date_trunc('month', (x ->> 'day')::date)::date, v.region_code,
         sum((x ->> 'h')::numeric), sum((x ->> 'n')::int)
    FROM jsonb_array_elements(d) x JOIN volunteer v ON v.id = (x ->> 'v')::bigint
   GROUP BY 1, 2, 3 ORDER BY 1, 2
  ON CONFLICT (volunteer_id, month) DO UPDATE
    SET hours = m.hours + excluded.hours, records = m.records + excluded.records;
  PERFORM hub_office_active_sync(d);
  UPDATE volunteer_star s SET region_code = v.region_code, month = (
           SELECT min(c.month) FROM (
             SELECT month, sum(hours) OVER (ORDER BY month) AS hours FROM volunteer_month
              WHERE volunteer_id = v.id) c
            WHERE hub_star_level(v.region_code, c.hours) >= 1)
    FROM volunteer v
   WHERE v.id = s.volunteer_id
     AND s.volunteer_id IN (SELECT (x ->> 'v')::bigint FROM jsonb_array_elements(d) x);
END $$;

-- What is already there.
INSERT INTO volunteer_active_year (volunteer_id, year, region_code, months)
SELECT volunteer_id, extract(year FROM month)::int, region_code,
       coalesce(bit_or(1 << (extract(month FROM month)::int - 1)) FILTER (WHERE records > 0), 0)
  FROM volunteer_month WHERE region_code IS NOT NULL
 GROUP BY 1, 2, 3;
UPDATE volunteer_active_year a SET shared = true
  FROM (SELECT volunteer_id, year FROM volunteer_active_year WHERE months <> 0
         GROUP BY 1, 2 HAVING count(*) > 1) s
 WHERE a.volunteer_id = s.volunteer_id AND a.year = s.year;
INSERT INTO office_month_active (region_code, month, volunteers)
SELECT region_code, month, count(*) FROM volunteer_month
 WHERE region_code IS NOT NULL AND records > 0
 GROUP BY 1, 2;
ANALYZE office_month_active, volunteer_active_year;
