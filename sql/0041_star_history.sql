-- Issue 16.2/16.8: star history of organisations and projects. Their level is worked out when
-- read (hub.office.stars.level over star_tally and star_rule, sql/0027); nothing kept the day a
-- level was reached. star_reached keeps, per organisation or project and level, the day (China
-- time) its figures first met that level under the rules then in force:
--  * written by statement triggers on star_tally, so every confirmation, correction and rating
--    that raises a level records it in the same transaction;
--  * written by saveStarRules for a scope's subjects when new rules raise them
--    (hub.store.stars.add_reached, same function);
--  * never removed: a level lost again (a correction, stricter rules) keeps the day it was
--    first reached; reached again, it is not written twice.
-- reached_on NULL: already held when this history began (the day is not known).
--
-- hub_subject_star_level is hub.office.stars.level in SQL (the longest scope with rules for
-- the subject; a level counts when its thresholds and every lower level's are met; the average
-- rating rounded half up to 0.01, as Tally.rating is); tests/office/test_office_star_history.py
-- compares the two.

CREATE FUNCTION hub_subject_star_level(subj text, region text, served numeric, acts integer,
                                       vols integer, rating_sum integer, rating_count integer)
  RETURNS smallint LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (
    WITH ladder AS (
      SELECT r.stars, served >= r.hours AND acts >= r.activities AND vols >= r.volunteers
               AND (r.rating IS NULL OR (rating_count > 0 AND
                    round(rating_sum::numeric / rating_count, 2) >= r.rating)) AS met
        FROM star_rule r
       WHERE r.subject = subj
         AND r.scope = (SELECT s.scope FROM star_rule s
                         WHERE s.subject = subj AND coalesce(region, '') LIKE s.scope || '%'
                         ORDER BY length(s.scope) DESC LIMIT 1))
    SELECT coalesce(min(stars) FILTER (WHERE NOT met) - 1, max(stars), 0)::smallint
      FROM ladder);

CREATE TABLE star_reached (
  subject    text NOT NULL CHECK (subject IN ('organization', 'project')),
  subject_id bigint NOT NULL,
  stars      smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
  reached_on date,
  PRIMARY KEY (subject, subject_id, stars)
);

-- The division whose rules rate an organisation (its own) or a project (its owner's).
CREATE FUNCTION hub_star_subject_region(subj text, key bigint) RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE subj
    WHEN 'organization' THEN (SELECT o.region_code FROM organization o WHERE o.id = key)
    WHEN 'project' THEN (SELECT o.region_code FROM project p
                           JOIN organization o ON o.id = p.owner_id WHERE p.id = key)
  END;

-- The level a tally row holds now (0 for activities' and demands' rows).
CREATE FUNCTION hub_tally_star_level(subj text, key bigint, served numeric, acts integer,
                                     vols integer, rating_sum integer, rating_count integer)
  RETURNS smallint LANGUAGE sql STABLE PARALLEL SAFE
  RETURN CASE WHEN subj IN ('organization', 'project') THEN hub_subject_star_level(
    subj, hub_star_subject_region(subj, key), served, acts, vols, rating_sum, rating_count)
    ELSE 0 END;

CREATE FUNCTION star_reached_on_tally() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO star_reached (subject, subject_id, stars, reached_on)
  SELECT n.subject, n.subject_id, g, (now() AT TIME ZONE 'Asia/Shanghai')::date
    FROM new_rows n
   CROSS JOIN LATERAL generate_series(1, hub_tally_star_level(
           n.subject, n.subject_id, n.hours, n.activities, n.volunteers, n.rating_sum,
           n.rating_count)) g
   WHERE n.subject IN ('organization', 'project')
   ORDER BY 1, 2, 3
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
-- Two triggers: a trigger with transition tables serves one event (INSERT … ON CONFLICT DO
-- UPDATE fires both).
CREATE TRIGGER star_reached_tally_insert AFTER INSERT ON star_tally
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION star_reached_on_tally();
CREATE TRIGGER star_reached_tally_update AFTER UPDATE ON star_tally
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION star_reached_on_tally();

-- What is held today, its day unknown.
INSERT INTO star_reached (subject, subject_id, stars, reached_on)
SELECT t.subject, t.subject_id, g, NULL
  FROM star_tally t
 CROSS JOIN LATERAL generate_series(1, hub_tally_star_level(
         t.subject, t.subject_id, t.hours, t.activities, t.volunteers, t.rating_sum,
         t.rating_count)) g
 WHERE t.subject IN ('organization', 'project');
