-- Issue 16, points 1, 2 and 6: pilots and their scorecards (seed 001), stars for organisations
-- and projects from rules kept as data (seed 000), campaigns on key dates (001, 002, 003).

-- 1. Pilots (试点). A quota set (指标) is the list of items a pilot of a type must reach within
--    its period from the funding date (试点建设周期1年，以试点立项资助之日起算, seed 001).
--    Henan's set ships as the default; other provinces add their own (province_prefix '41'…;
--    '' may be used anywhere).
CREATE TABLE pilot_quota_set (
  code            text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
  name            text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 2 AND 100),
  province_prefix text COLLATE "C" NOT NULL DEFAULT '' CHECK (province_prefix ~ '^([0-9]{2})?$'),
  period_months   smallint NOT NULL DEFAULT 12 CHECK (period_months BETWEEN 1 AND 60),
  source          text NOT NULL DEFAULT '' CHECK (char_length(source) <= 500),
  created_by      text NOT NULL DEFAULT 'system',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- One item of a set: teams (of at least min_members each), projects, activities, stations
-- (six_standard: only stations with all of 六有 count).
CREATE TABLE pilot_quota (
  quota_set    text COLLATE "C" NOT NULL REFERENCES pilot_quota_set (code) ON DELETE CASCADE,
  pilot_type   text NOT NULL CHECK (pilot_type IN ('city', 'county')),
  item         text NOT NULL CHECK (item IN ('teams', 'projects', 'activities', 'stations')),
  target       integer NOT NULL CHECK (target BETWEEN 1 AND 100000),
  min_members  integer CHECK (min_members BETWEEN 1 AND 100000),
  six_standard boolean NOT NULL DEFAULT false,
  PRIMARY KEY (quota_set, pilot_type, item),
  CHECK ((item = 'teams') = (min_members IS NOT NULL)),
  CHECK (item = 'stations' OR NOT six_standard)
);

INSERT INTO pilot_quota_set (code, name, source) VALUES
  ('henan_001', '河南省科技志愿服务体系建设试点',
   '《河南省科技志愿服务体系建设试点工作方案》四、试点任务 (seed 001)');
INSERT INTO pilot_quota (quota_set, pilot_type, item, target, min_members) VALUES
  ('henan_001', 'city', 'teams', 10, 50), ('henan_001', 'city', 'projects', 5, NULL),
  ('henan_001', 'city', 'activities', 20, NULL), ('henan_001', 'city', 'stations', 10, NULL),
  ('henan_001', 'county', 'teams', 2, 20), ('henan_001', 'county', 'projects', 2, NULL),
  ('henan_001', 'county', 'activities', 10, NULL), ('henan_001', 'county', 'stations', 2, NULL);

CREATE TABLE pilot (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  region_code text COLLATE "C" NOT NULL REFERENCES region (code),
  pilot_type  text NOT NULL CHECK (pilot_type IN ('city', 'county')),
  name        text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 2 AND 100),
  funded_on   date NOT NULL CHECK (funded_on >= DATE '2000-01-01'),
  quota_set   text COLLATE "C" NOT NULL REFERENCES pilot_quota_set (code),
  created_by  text NOT NULL DEFAULT 'system',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT pilot_once UNIQUE (region_code, funded_on)
);
CREATE INDEX pilot_region_idx ON pilot (region_code);

-- A station's, activity's or project's publication state at a moment, rewound from its state
-- now by its review log (0019): the state the first logged step after the moment started
-- from, else (nothing logged since) its state now. A change the log does not keep (an
-- activity cancelled, a team dissolved) is taken as made before the moment.
CREATE FUNCTION hub_state_at(p_kind text, p_id bigint, p_now text, p_at timestamptz)
  RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
  RETURN coalesce(
    (SELECT r.from_status FROM publication_review r
      WHERE r.subject_kind = p_kind AND r.subject_id = p_id AND r.at >= p_at
      ORDER BY r.id LIMIT 1),
    p_now);

-- A team's members on a date: the current members who joined by then, and the stints of
-- membership_history (0023) that spanned it. The current count per organisation is kept here
-- (statement triggers on membership, correct under concurrent writers: each statement adds
-- its per-organisation change under the row's lock, in organisation order), so a scorecard for
-- today reads a few hundred rows instead of a million memberships; a past date subtracts the
-- members who joined after it (membership_joined_idx) and adds the stints that ended after it.
CREATE TABLE organization_member_count (
  organization_id bigint PRIMARY KEY REFERENCES organization (id) ON DELETE CASCADE,
  members         integer NOT NULL DEFAULT 0 CHECK (members >= 0)
);
CREATE INDEX membership_joined_idx ON membership (organization_id, joined_at);

CREATE FUNCTION organization_member_count_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO organization_member_count AS c (organization_id, members)
    SELECT organization_id, count(*) FROM new_rows GROUP BY organization_id ORDER BY 1
    ON CONFLICT (organization_id) DO UPDATE SET members = c.members + excluded.members;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE organization_member_count c SET members = c.members - d.n
      FROM (SELECT organization_id, count(*) AS n FROM old_rows GROUP BY organization_id
             ORDER BY 1) d
     WHERE c.organization_id = d.organization_id;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER membership_count_insert AFTER INSERT ON membership
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION organization_member_count_add();
CREATE TRIGGER membership_count_delete AFTER DELETE ON membership
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION organization_member_count_add();
CREATE TRIGGER membership_count_update AFTER UPDATE ON membership
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION organization_member_count_add();
INSERT INTO organization_member_count (organization_id, members)
SELECT organization_id, count(*) FROM membership GROUP BY organization_id;

-- 2. Stars (星级) for organisations and projects from rules kept as data per province (scope
--    as star_threshold's: '' national, '41' Henan; the longest matching scope with rules wins).
--    A level is earned when every threshold of it is met; `rating` NULL asks for none.
CREATE TABLE star_rule (
  scope          text COLLATE "C" NOT NULL CHECK (scope ~ '^([0-9]{2})*$'),
  subject        text NOT NULL CHECK (subject IN ('organization', 'project')),
  stars          smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
  hours          numeric(10, 2) NOT NULL DEFAULT 0 CHECK (hours >= 0),
  activities     integer NOT NULL DEFAULT 0 CHECK (activities >= 0),
  volunteers     integer NOT NULL DEFAULT 0 CHECK (volunteers >= 0),
  rating         numeric(3, 2) CHECK (rating BETWEEN 1 AND 5),
  updated_by     text NOT NULL DEFAULT 'system',
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (scope, subject, stars)
);
INSERT INTO star_rule (scope, subject, stars, hours, activities, volunteers, rating) VALUES
  ('', 'organization', 1, 200, 3, 5, NULL), ('', 'organization', 2, 1000, 10, 20, 3.5),
  ('', 'organization', 3, 3000, 30, 50, 4.0), ('', 'organization', 4, 6000, 60, 100, 4.3),
  ('', 'organization', 5, 10000, 100, 200, 4.5),
  ('', 'project', 1, 100, 2, 5, NULL), ('', 'project', 2, 500, 5, 15, NULL),
  ('', 'project', 3, 1500, 10, 40, NULL), ('', 'project', 4, 3000, 20, 80, NULL),
  ('', 'project', 5, 6000, 40, 150, NULL);

-- The figures stars are earned by, kept as confirmed service arrives: an organisation's count
-- its own and every unit beneath it (the path), a project's the records of its activities.
-- hours: confirmed net hours; activities: distinct activities and demands served;
-- volunteers: distinct volunteers who served; ratings: 评单 of the demands it served. Each
-- activity and demand has its own (hours and volunteers), which campaign figures sum.
CREATE TABLE star_tally (
  subject      text NOT NULL CHECK (subject IN ('organization', 'project', 'activity',
                                                'demand')),
  subject_id   bigint NOT NULL,
  hours        numeric(14, 2) NOT NULL DEFAULT 0,
  activities   integer NOT NULL DEFAULT 0,
  volunteers   integer NOT NULL DEFAULT 0,
  rating_sum   integer NOT NULL DEFAULT 0,
  rating_count integer NOT NULL DEFAULT 0,
  PRIMARY KEY (subject, subject_id)
);
-- What has been counted once already (kind 'activity', 'demand', 'volunteer').
CREATE TABLE star_tally_seen (
  subject    text NOT NULL,
  subject_id bigint NOT NULL,
  kind       text NOT NULL CHECK (kind IN ('activity', 'demand', 'volunteer')),
  ref_id     bigint NOT NULL,
  PRIMARY KEY (subject, subject_id, kind, ref_id)
);

-- Who a record counts for: its organising team and every organisation above it, the project
-- of its activity, and the activity or demand itself.
CREATE FUNCTION hub_star_subjects(org bigint, act bigint, dem bigint)
  RETURNS TABLE (subject text, subject_id bigint) LANGUAGE sql STABLE AS $$
  SELECT 'organization', p::bigint
    FROM organization o, unnest(string_to_array(o.path::text, '.')) p WHERE o.id = org
  UNION ALL
  SELECT 'project', a.project_id FROM activity a WHERE a.id = act AND a.project_id IS NOT NULL
  UNION ALL
  SELECT 'activity', act WHERE act IS NOT NULL
  UNION ALL
  SELECT 'demand', dem WHERE dem IS NOT NULL
$$;

-- Confirming an original counts its net hours (with the corrections made so far) and what it
-- served. The original is locked first, as a correction locks it (service_record_check_
-- correction), so a correction and a confirmation of one record never both miss each other.
-- Distinct things go into star_tally_seen first (ON CONFLICT DO NOTHING: a concurrent writer
-- of the same thing waits, then counts nothing); then each tally row is changed once, in key
-- order, under its row lock, so concurrent confirmations add up and never deadlock here (a
-- transaction confirming in several statements may; PostgreSQL detects it and the records
-- service retries: hub.services.records.in_transaction).
CREATE FUNCTION star_tally_on_confirmation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM service_record r JOIN new_rows n ON n.record_id = r.id
   ORDER BY r.id FOR UPDATE OF r;
  WITH contrib AS (
    SELECT s.subject, s.subject_id, r.volunteer_id, r.activity_id, r.demand_id,
           r.hours + coalesce((SELECT sum(c.hours) FROM service_record c
                                WHERE c.corrects_id = r.id), 0) AS hours
      FROM new_rows n JOIN service_record r ON r.id = n.record_id
     CROSS JOIN LATERAL hub_star_subjects(r.organization_id, r.activity_id, r.demand_id) s),
  seen AS (
    INSERT INTO star_tally_seen (subject, subject_id, kind, ref_id)
    SELECT DISTINCT c.subject, c.subject_id, k.kind, k.ref FROM contrib c
     CROSS JOIN LATERAL (VALUES ('volunteer', c.volunteer_id), ('activity', c.activity_id),
                                ('demand', c.demand_id)) k(kind, ref)
     WHERE k.ref IS NOT NULL AND (k.kind, k.ref) IS DISTINCT FROM (c.subject, c.subject_id)
     ORDER BY 1, 2, 3, 4
    ON CONFLICT DO NOTHING
    RETURNING subject, subject_id, kind),
  added AS (
    SELECT subject, subject_id, sum(hours) AS hours, 0 AS acts, 0 AS vols FROM contrib
     GROUP BY 1, 2
    UNION ALL
    SELECT subject, subject_id, 0, count(*) FILTER (WHERE kind <> 'volunteer'),
           count(*) FILTER (WHERE kind = 'volunteer') FROM seen GROUP BY 1, 2)
  INSERT INTO star_tally AS t (subject, subject_id, hours, activities, volunteers)
  SELECT subject, subject_id, sum(hours), sum(acts), sum(vols) FROM added
   GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (subject, subject_id) DO UPDATE
    SET hours = t.hours + excluded.hours, activities = t.activities + excluded.activities,
        volunteers = t.volunteers + excluded.volunteers;
  RETURN NULL;
END $$;
CREATE TRIGGER star_tally_confirmation AFTER INSERT ON service_record_confirmation
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION star_tally_on_confirmation();

-- A correction of a confirmed original moves its hours (it serves nothing new; one taking a
-- record to 0 h leaves what it served counted).
CREATE FUNCTION star_tally_on_correction() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO star_tally AS t (subject, subject_id, hours)
  SELECT s.subject, s.subject_id, sum(n.hours)
    FROM new_rows n JOIN service_record_confirmation k ON k.record_id = n.corrects_id
    JOIN service_record o ON o.id = n.corrects_id
   CROSS JOIN LATERAL hub_star_subjects(o.organization_id, o.activity_id, o.demand_id) s
   GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (subject, subject_id) DO UPDATE SET hours = t.hours + excluded.hours;
  RETURN NULL;
END $$;
CREATE TRIGGER star_tally_correction AFTER INSERT ON service_record
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION star_tally_on_correction();

-- 评单: a requester's rating of a demand's service counts for every organisation (and those
-- above it) whose records served that demand.
CREATE FUNCTION star_tally_on_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO star_tally AS t (subject, subject_id, rating_sum, rating_count)
  SELECT s.subject, s.subject_id, sum(x.rating), count(*)
    FROM (SELECT DISTINCT n.id, n.rating, r.organization_id FROM new_rows n
            JOIN service_record r ON r.demand_id = n.demand_id AND r.corrects_id IS NULL
           WHERE n.direction = 'requester_to_service' AND r.organization_id IS NOT NULL) x
    CROSS JOIN LATERAL hub_star_subjects(x.organization_id, NULL, NULL) s
   GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (subject, subject_id) DO UPDATE
    SET rating_sum = t.rating_sum + excluded.rating_sum,
        rating_count = t.rating_count + excluded.rating_count;
  RETURN NULL;
END $$;
CREATE TRIGGER star_tally_review AFTER INSERT ON review
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION star_tally_on_review();

-- The tallies of what was confirmed and rated before this migration.
CREATE TEMP TABLE star_backfill ON COMMIT DROP AS
WITH confirmed AS (
  SELECT r.* FROM service_record r
    JOIN service_record_confirmation k ON k.record_id = coalesce(r.corrects_id, r.id))
SELECT 'organization' AS subject, p::bigint AS subject_id, r.hours,
       r.corrects_id IS NULL AS original, r.volunteer_id, r.activity_id, r.demand_id
  FROM confirmed r JOIN organization o ON o.id = r.organization_id
 CROSS JOIN LATERAL unnest(string_to_array(o.path::text, '.')) p
UNION ALL
SELECT 'project', a.project_id, r.hours, r.corrects_id IS NULL, r.volunteer_id, r.activity_id,
       r.demand_id
  FROM confirmed r JOIN activity a ON a.id = r.activity_id AND a.project_id IS NOT NULL
UNION ALL
SELECT CASE WHEN r.activity_id IS NULL THEN 'demand' ELSE 'activity' END,
       coalesce(r.activity_id, r.demand_id), r.hours, r.corrects_id IS NULL, r.volunteer_id,
       NULL, NULL
  FROM confirmed r;
INSERT INTO star_tally_seen (subject, subject_id, kind, ref_id)
SELECT DISTINCT b.subject, b.subject_id, k.kind, k.ref FROM star_backfill b
 CROSS JOIN LATERAL (VALUES ('volunteer', b.volunteer_id), ('activity', b.activity_id),
                            ('demand', b.demand_id)) k(kind, ref)
 WHERE b.original AND k.ref IS NOT NULL;
INSERT INTO star_tally (subject, subject_id, hours, activities, volunteers)
SELECT h.subject, h.subject_id, h.hours, coalesce(n.acts, 0), coalesce(n.vols, 0)
  FROM (SELECT subject, subject_id, sum(hours) AS hours FROM star_backfill GROUP BY 1, 2) h
  LEFT JOIN (SELECT subject, subject_id, count(*) FILTER (WHERE kind <> 'volunteer') AS acts,
                    count(*) FILTER (WHERE kind = 'volunteer') AS vols
               FROM star_tally_seen GROUP BY 1, 2) n USING (subject, subject_id);
INSERT INTO star_tally AS t (subject, subject_id, rating_sum, rating_count)
SELECT s.subject, s.subject_id, sum(x.rating), count(*)
  FROM (SELECT DISTINCT v.id, v.rating, r.organization_id FROM review v
          JOIN service_record r ON r.demand_id = v.demand_id AND r.corrects_id IS NULL
         WHERE v.direction = 'requester_to_service' AND r.organization_id IS NOT NULL) x
  CROSS JOIN LATERAL hub_star_subjects(x.organization_id, NULL, NULL) s
 GROUP BY 1, 2
ON CONFLICT (subject, subject_id) DO UPDATE
  SET rating_sum = t.rating_sum + excluded.rating_sum,
      rating_count = t.rating_count + excluded.rating_count;

-- 3. Campaigns (主题活动) on key dates: a campaign, its edition per year (a fixed date such as
--    学雷锋纪念日 5 March, or dates set each year such as 全国科技活动周), and the activities and
--    demands tagged with an edition (people_served: the reach the organiser reports).
CREATE TABLE campaign (
  code        text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{1,39}$'),
  name_zh     text NOT NULL CHECK (char_length(btrim(name_zh)) BETWEEN 2 AND 100),
  name_en     text NOT NULL CHECK (char_length(btrim(name_en)) BETWEEN 2 AND 100),
  fixed_month smallint CHECK (fixed_month BETWEEN 1 AND 12),
  fixed_day   smallint CHECK (fixed_day BETWEEN 1 AND 31),
  season      text NOT NULL DEFAULT '' CHECK (char_length(season) <= 100),
  created_by  text NOT NULL DEFAULT 'system',
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((fixed_month IS NULL) = (fixed_day IS NULL))
);
INSERT INTO campaign (code, name_zh, name_en, fixed_month, fixed_day, season) VALUES
  ('lei_feng_day', '学雷锋纪念日', 'Learn from Lei Feng Day', 3, 5, ''),
  ('sci_tech_workers_day', '全国科技工作者日', 'National Science and Technology Workers Day',
   5, 30, ''),
  ('sci_tech_week', '全国科技活动周', 'National Science and Technology Week', NULL, NULL,
   'a week in May (dates set each year)'),
  ('sci_pop_day', '全国科普日', 'National Science Popularisation Day', NULL, NULL,
   'September (dates set each year)'),
  ('volunteer_day', '国际志愿者日', 'International Volunteer Day', 12, 5, ''),
  ('three_to_countryside', '文化科技卫生“三下乡”', 'Culture, science and health to the countryside',
   NULL, NULL, 'winter and summer (dates set each year)');

CREATE TABLE campaign_edition (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  campaign_code text COLLATE "C" NOT NULL REFERENCES campaign (code),
  year          smallint NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  period        daterange NOT NULL CHECK (NOT isempty(period) AND NOT lower_inf(period)
                                          AND NOT upper_inf(period)),
  created_by    text NOT NULL DEFAULT 'system',
  created_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT campaign_edition_once UNIQUE (campaign_code, year),
  CHECK (extract(year FROM lower(period)) = year)
);

CREATE TABLE campaign_activity (
  edition_id    bigint NOT NULL REFERENCES campaign_edition (id),
  activity_id   bigint NOT NULL REFERENCES activity (id),
  people_served integer CHECK (people_served BETWEEN 0 AND 10000000),
  tagged_by     text NOT NULL,
  tagged_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (edition_id, activity_id)
);
CREATE INDEX campaign_activity_activity_idx ON campaign_activity (activity_id);
CREATE TABLE campaign_demand (
  edition_id    bigint NOT NULL REFERENCES campaign_edition (id),
  demand_id     bigint NOT NULL REFERENCES demand (id),
  people_served integer CHECK (people_served BETWEEN 0 AND 10000000),
  tagged_by     text NOT NULL,
  tagged_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (edition_id, demand_id)
);
CREATE INDEX campaign_demand_demand_idx ON campaign_demand (demand_id);
