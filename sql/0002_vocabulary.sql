-- Controlled vocabularies (DOMAIN.md). Codes are English; labels keep the Chinese terms.

-- 服务类别 / 技能: the service categories of seeds 001 and 003, also used as skills.
CREATE TABLE service_category (
  code     text PRIMARY KEY CHECK (code ~ '^[a-z_]+$'),
  label_zh text NOT NULL,
  label_en text NOT NULL
);
INSERT INTO service_category (code, label_zh, label_en) VALUES
  ('health',                '医疗健康',       'Health'),
  ('youth_science',         '青少年科学教育', 'Youth science education'),
  ('biosafety',             '生物安全',       'Biosafety'),
  ('emergency',             '应急安全',       'Emergency and safety skills'),
  ('agri_tech',             '农业实用技术',   'Practical farming technology'),
  ('anti_pseudoscience',    '科学辟谣',       'Rumour debunking'),
  ('rural_industry',        '产业与乡村振兴', 'Industry and rural revitalisation'),
  ('enterprise_innovation', '企业创新',       'Enterprise innovation');

CREATE DOMAIN skill_codes AS text[] NOT NULL DEFAULT '{}' CHECK (
  VALUE <@ ARRAY['health', 'youth_science', 'biosafety', 'emergency', 'agri_tech',
                 'anti_pseudoscience', 'rural_industry', 'enterprise_innovation']::text[]);

-- 人群: the cohorts of seeds 000, 002 and 003 (三长 = school principal, hospital director,
-- agri-tech station head).
CREATE DOMAIN cohort_codes AS text[] NOT NULL DEFAULT '{}' CHECK (
  VALUE <@ ARRAY['university_student', 'retired_scientist', 'woman_scientist', 'researcher',
                 'enterprise_rnd', 'museum_guide', 'youth_tutor', 'agri_technician',
                 'school_principal', 'hospital_director', 'agri_station_head']::text[]);

-- Skills with a level 1..5: {"health": 3, "emergency": 1}.
CREATE FUNCTION hub_valid_skill_levels(j jsonb) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN jsonb_typeof(j) = 'object'
     AND hub_jsonb_keys(j) <@ ARRAY['health', 'youth_science', 'biosafety', 'emergency',
                                    'agri_tech', 'anti_pseudoscience', 'rural_industry',
                                    'enterprise_innovation']::text[]
     AND NOT EXISTS (
       SELECT 1 FROM jsonb_each(j) AS e(k, v)
       WHERE jsonb_typeof(e.v) <> 'number' OR (e.v)::numeric NOT IN (1, 2, 3, 4, 5));

-- Rank of an organisation level: 总队 1 → 队 2 → 支队 3 → 分队 4 (seed 002).
CREATE FUNCTION hub_org_level_rank(level text) RETURNS integer
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN CASE level WHEN 'corps' THEN 1 WHEN 'team' THEN 2
                    WHEN 'detachment' THEN 3 WHEN 'squad' THEN 4 END;
