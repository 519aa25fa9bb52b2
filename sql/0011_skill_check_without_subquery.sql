-- The skills check, same rule as 0002, without a subquery: a SQL function whose body runs a
-- subquery is planned and run for every row, and cost ~30 µs a volunteer on COPY (3 of the
-- 20 s of seeding 100,000). Key set: removing the known keys must leave nothing. Levels: no
-- value that is not one of the numbers 1..5 (jsonpath, evaluated in C).
CREATE OR REPLACE FUNCTION hub_valid_skill_levels(j jsonb) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN jsonb_typeof(j) = 'object'
     AND (j - ARRAY['health', 'youth_science', 'biosafety', 'emergency', 'agri_tech',
                    'anti_pseudoscience', 'rural_industry', 'enterprise_innovation']::text[])
         = '{}'::jsonb
     AND NOT jsonb_path_exists(
       j, 'strict $.* ? (@.type() != "number" || !(@ == 1 || @ == 2 || @ == 3 || @ == 4 || @ == 5))');
