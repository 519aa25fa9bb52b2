-- Issue 16.8 and 16.9: the office's measures by region and month (hub.services.office_measures)
-- from summaries kept by triggers in the transaction of every change, so a province's year is
-- a sum over a few tens of thousands of rows instead of a scan of a million volunteers and a
-- year of records.
--
-- 1. office_day_tally, per (division, day): confirmed service (net hours of the originals
--    served that day in the division, and how many have net hours > 0), and the volunteers
--    whose home is the division registered and exited that day (China time).
-- 2. volunteer_month, per (volunteer, month): their confirmed net hours served in the month
--    and how many of those records have net hours > 0, with their home division when written.
-- 3. volunteer_star: the month in which each volunteer's confirmed hours first reached one
--    star (their province's thresholds, hub_star_level); NULL: not yet.
--
-- Every change is an addition under the row's lock, rows taken in key order (concurrent
-- writers add up and do not deadlock here). A record is confirmed with its original locked
-- (star_tally_on_confirmation, sql/0027) and a correction locks its original too
-- (service_record_check_correction), so a confirmation and a correction of one record queue,
-- and the second, reading a fresh snapshot, sees the first: net hours are never counted twice
-- nor missed. volunteer_star's rows are locked (id order) before a volunteer's months change,
-- so the recount of their star month sees every month committed before it.

CREATE TABLE office_day_tally (
  region_code text COLLATE "C" NOT NULL,
  day         date NOT NULL,
  hours       numeric(14, 2) NOT NULL DEFAULT 0,
  records     integer NOT NULL DEFAULT 0,
  registered  integer NOT NULL DEFAULT 0,
  exited      integer NOT NULL DEFAULT 0,
  PRIMARY KEY (region_code, day)
);

CREATE TABLE volunteer_month (
  volunteer_id bigint NOT NULL,
  month        date NOT NULL CHECK (extract(day FROM month) = 1),
  region_code  text COLLATE "C",
  hours        numeric(12, 2) NOT NULL DEFAULT 0,
  records      integer NOT NULL DEFAULT 0,
  PRIMARY KEY (volunteer_id, month)
);
CREATE INDEX volunteer_month_region_idx ON volunteer_month (region_code, month)
  INCLUDE (volunteer_id, records);

CREATE TABLE volunteer_star (
  volunteer_id bigint PRIMARY KEY,
  region_code  text COLLATE "C",
  month        date
);
CREATE INDEX volunteer_star_region_idx ON volunteer_star (region_code, month)
  WHERE month IS NOT NULL;

-- Add the change of confirmed service `d` (volunteer, region, day, hours, records) to the
-- tallies; then recount the star month of the volunteers it touched.
CREATE FUNCTION hub_office_service_add(d jsonb) RETURNS void LANGUAGE plpgsql AS $$
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
  UPDATE volunteer_star s SET region_code = v.region_code, month = (
           SELECT min(c.month) FROM (
             SELECT month, sum(hours) OVER (ORDER BY month) AS hours FROM volunteer_month
              WHERE volunteer_id = v.id) c
            WHERE hub_star_level(v.region_code, c.hours) >= 1)
    FROM volunteer v
   WHERE v.id = s.volunteer_id
     AND s.volunteer_id IN (SELECT (x ->> 'v')::bigint FROM jsonb_array_elements(d) x);
END $$;

-- A confirmation counts the original's net hours (its corrections so far included).
CREATE FUNCTION office_tally_on_confirmation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM service_record r JOIN new_rows n ON n.record_id = r.id
   ORDER BY r.id FOR UPDATE OF r;
  PERFORM hub_office_service_add(coalesce(jsonb_agg(jsonb_build_object(
      'v', o.volunteer_id, 'r', o.region_code, 'day', o.served_on, 'h', a.net,
      'n', (a.net > 0)::int)), '[]'))
    FROM new_rows n JOIN service_record o ON o.id = n.record_id AND o.corrects_id IS NULL
   CROSS JOIN LATERAL (SELECT o.hours + coalesce((SELECT sum(c.hours) FROM service_record c
                                                  WHERE c.corrects_id = o.id), 0) AS net) a;
  RETURN NULL;
END $$;
CREATE TRIGGER office_tally_confirmation AFTER INSERT ON service_record_confirmation
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION office_tally_on_confirmation();

-- A correction of a confirmed original moves its hours, and its count when its net hours
-- cross zero (before: net now less the statement's corrections).
CREATE FUNCTION office_tally_on_correction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM hub_office_service_add(coalesce(jsonb_agg(jsonb_build_object(
      'v', o.volunteer_id, 'r', o.region_code, 'day', o.served_on, 'h', d.delta,
      'n', (a.net > 0)::int - (a.net - d.delta > 0)::int)), '[]'))
    FROM (SELECT corrects_id AS id, sum(hours) AS delta FROM new_rows
           WHERE corrects_id IS NOT NULL GROUP BY 1) d
    JOIN service_record_confirmation k ON k.record_id = d.id
    JOIN service_record o ON o.id = d.id
   CROSS JOIN LATERAL (SELECT o.hours + coalesce((SELECT sum(c.hours) FROM service_record c
                                                  WHERE c.corrects_id = o.id), 0) AS net) a;
  RETURN NULL;
END $$;
CREATE TRIGGER office_tally_correction AFTER INSERT ON service_record
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION office_tally_on_correction();

-- Volunteers registered and exited, by home division and day: +1 for each new row's, −1 for
-- each old row's (an update: only the volunteers whose division, registration or exit changed).
CREATE FUNCTION hub_office_volunteers_add(d jsonb) RETURNS void LANGUAGE sql AS $$
  INSERT INTO office_day_tally AS t (region_code, day, registered, exited)
  SELECT x.r, (x.at AT TIME ZONE 'Asia/Shanghai')::date, sum(x.reg), sum(x.ex)
    FROM jsonb_to_recordset(d) AS x(r text, at timestamptz, reg int, ex int)
   WHERE x.r IS NOT NULL AND x.at IS NOT NULL
   GROUP BY 1, 2 HAVING sum(x.reg) <> 0 OR sum(x.ex) <> 0 ORDER BY 1, 2
  ON CONFLICT (region_code, day) DO UPDATE
    SET registered = t.registered + excluded.registered, exited = t.exited + excluded.exited
$$;

CREATE FUNCTION office_tally_volunteers_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM hub_office_volunteers_add(coalesce(jsonb_agg(c), '[]'))
    FROM new_rows n CROSS JOIN LATERAL (VALUES (n.region_code, n.registered_at, 1, 0),
                                               (n.region_code, n.exited_at, 0, 1)) c(r, at, reg, ex);
  RETURN NULL;
END $$;
CREATE TRIGGER office_tally_volunteer_insert AFTER INSERT ON volunteer
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION office_tally_volunteers_inserted();

CREATE FUNCTION office_tally_volunteers_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM hub_office_volunteers_add(coalesce(jsonb_agg(c), '[]'))
    FROM old_rows o JOIN new_rows n ON n.id = o.id
   CROSS JOIN LATERAL (VALUES (n.region_code, n.registered_at, 1, 0),
                              (n.region_code, n.exited_at, 0, 1),
                              (o.region_code, o.registered_at, -1, 0),
                              (o.region_code, o.exited_at, 0, -1)) c(r, at, reg, ex)
   WHERE (n.region_code, n.registered_at, n.exited_at)
         IS DISTINCT FROM (o.region_code, o.registered_at, o.exited_at);
  RETURN NULL;
END $$;
CREATE TRIGGER office_tally_volunteer_update AFTER UPDATE ON volunteer
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION office_tally_volunteers_updated();

-- What is already there.
INSERT INTO office_day_tally (region_code, day, registered, exited)
SELECT region_code, day, sum(reg), sum(ex) FROM (
  SELECT region_code, (registered_at AT TIME ZONE 'Asia/Shanghai')::date AS day, 1 AS reg,
         0 AS ex FROM volunteer WHERE region_code IS NOT NULL
  UNION ALL
  SELECT region_code, (exited_at AT TIME ZONE 'Asia/Shanghai')::date, 0, 1 FROM volunteer
   WHERE region_code IS NOT NULL AND exited_at IS NOT NULL) x
 GROUP BY 1, 2;

CREATE TEMP TABLE office_net AS
SELECT o.volunteer_id, o.region_code, o.served_on,
       o.hours + coalesce(c.delta, 0) AS net
  FROM service_record o JOIN service_record_confirmation k ON k.record_id = o.id
  LEFT JOIN (SELECT corrects_id, sum(hours) AS delta FROM service_record
              WHERE corrects_id IS NOT NULL GROUP BY 1) c ON c.corrects_id = o.id
 WHERE o.corrects_id IS NULL;

INSERT INTO office_day_tally AS t (region_code, day, hours, records)
SELECT region_code, served_on, sum(net), count(*) FILTER (WHERE net > 0) FROM office_net
 GROUP BY 1, 2
ON CONFLICT (region_code, day) DO UPDATE SET hours = excluded.hours, records = excluded.records;

INSERT INTO volunteer_month (volunteer_id, month, region_code, hours, records)
SELECT n.volunteer_id, date_trunc('month', n.served_on)::date, v.region_code, sum(n.net),
       count(*) FILTER (WHERE n.net > 0)
  FROM office_net n JOIN volunteer v ON v.id = n.volunteer_id GROUP BY 1, 2, 3;

INSERT INTO volunteer_star (volunteer_id, region_code, month)
SELECT c.volunteer_id, v.region_code,
       min(c.month) FILTER (WHERE hub_star_level(v.region_code, c.hours) >= 1)
  FROM (SELECT volunteer_id, month,
               sum(hours) OVER (PARTITION BY volunteer_id ORDER BY month) AS hours
          FROM volunteer_month) c
  JOIN volunteer v ON v.id = c.volunteer_id
 GROUP BY 1, 2;

DROP TABLE office_net;
ANALYZE office_day_tally, volunteer_month, volunteer_star;
