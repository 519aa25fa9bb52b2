-- The core tables: regions, organisations, volunteers, stations, demands, projects, activities.
-- Every point is geography(Point,4326) in WGS-84; clients' GCJ-02 / BD-09 are converted at the edge.

-- 行政区划. Codes are 12 digits (the first 6 are GB/T 2260). COLLATE "C" lets a B-tree serve
-- subtree searches such as code LIKE '4101%'.
CREATE TABLE region (
  code         text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[0-9]{12}$'),
  name         text NOT NULL CHECK (btrim(name) <> ''),
  level        text NOT NULL CHECK (level IN ('province', 'city', 'county', 'township', 'village')),
  parent_code  text COLLATE "C" REFERENCES region (code),
  centroid_geom geometry(Point, 4326) CHECK (hub_valid_lonlat(centroid_geom)),
  centroid geography(Point, 4326) GENERATED ALWAYS AS (centroid_geom::geography) STORED,
  boundary     geometry(MultiPolygon, 4326) CHECK (boundary IS NULL OR ST_IsValid(boundary)),
  -- Priority areas of seed 003 (老少边贫): remote, poor, border, ethnic-minority, old revolutionary base.
  is_remote        boolean NOT NULL DEFAULT false,
  is_poor          boolean NOT NULL DEFAULT false,
  is_border        boolean NOT NULL DEFAULT false,
  is_ethnic        boolean NOT NULL DEFAULT false,
  is_revolutionary boolean NOT NULL DEFAULT false,
  CHECK (parent_code IS DISTINCT FROM code),
  CHECK ((level = 'province') = (parent_code IS NULL))
);
CREATE INDEX region_parent_idx ON region (parent_code);
CREATE INDEX region_level_idx ON region (level);
CREATE INDEX region_centroid_gist ON region USING gist (centroid);
CREATE INDEX region_boundary_gist ON region USING gist (boundary);

-- 科技志愿服务组织: 总队 → 队 → 支队 → 分队. `path` (ltree of ids, root first) is kept by trigger.
CREATE TABLE organization (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 2 AND 100),
  level       text NOT NULL CHECK (level IN ('corps', 'team', 'detachment', 'squad')),
  parent_id   bigint REFERENCES organization (id),
  region_code text COLLATE "C" NOT NULL REFERENCES region (code),
  kind        text NOT NULL CHECK (kind IN ('association', 'society', 'university',
                'research_institute', 'enterprise', 'hospital', 'school', 'station',
                'government', 'other')),
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'dissolved')),
  captain_id  bigint,
  path        ltree NOT NULL DEFAULT '',
  created_at  timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT organization_name_unique UNIQUE NULLS NOT DISTINCT (parent_id, name)
);
CREATE INDEX organization_parent_idx ON organization (parent_id);
CREATE INDEX organization_region_idx ON organization (region_code);
CREATE INDEX organization_status_idx ON organization (status);
CREATE INDEX organization_path_gist ON organization USING gist (path);

-- A child sits strictly below its parent's level, never under itself, and its path follows.
CREATE FUNCTION organization_check_tree() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  parent organization%ROWTYPE;
BEGIN
  IF NEW.parent_id IS NULL THEN
    NEW.path := NEW.id::text::ltree;
    RETURN NEW;
  END IF;
  SELECT * INTO parent FROM organization WHERE id = NEW.parent_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'organization % has an unknown parent %', NEW.id, NEW.parent_id
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  IF hub_org_level_rank(NEW.level) <= hub_org_level_rank(parent.level) THEN
    RAISE EXCEPTION 'a % cannot sit under a % (organization %, parent %)',
      NEW.level, parent.level, NEW.id, parent.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'organization_level_below_parent';
  END IF;
  IF parent.path ~ ('*.' || NEW.id::text || '.*')::lquery THEN
    RAISE EXCEPTION 'organization % cannot move under its own descendant %', NEW.id, parent.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'organization_no_cycle';
  END IF;
  NEW.path := parent.path || NEW.id::text;
  RETURN NEW;
END $$;
CREATE TRIGGER organization_check_tree BEFORE INSERT OR UPDATE OF parent_id, level
  ON organization FOR EACH ROW EXECUTE FUNCTION organization_check_tree();

-- After a move, descendants' paths follow; their own levels are checked again.
CREATE FUNCTION organization_move_subtree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.path IS DISTINCT FROM NEW.path THEN
    UPDATE organization SET path = NEW.path || subpath(path, nlevel(OLD.path))
     WHERE path <@ OLD.path AND id <> NEW.id;
  END IF;
  IF OLD.level IS DISTINCT FROM NEW.level AND EXISTS (
       SELECT 1 FROM organization c
        WHERE c.parent_id = NEW.id AND hub_org_level_rank(c.level) <= hub_org_level_rank(NEW.level)) THEN
    RAISE EXCEPTION 'organization % cannot become a %: a child is not below it', NEW.id, NEW.level
      USING ERRCODE = 'check_violation', CONSTRAINT = 'organization_level_below_parent';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER organization_move_subtree AFTER UPDATE OF parent_id, level
  ON organization FOR EACH ROW EXECUTE FUNCTION organization_move_subtree();

-- 科技志愿者. The ID number and phone are never stored in clear: *_enc is AES-256-GCM
-- ciphertext, *_hash a keyed HMAC for finding duplicates (hub/pii.py). After an erasure
-- (退出 with erasure) these, the birth date and the home are NULL and the name is anonymised.
CREATE TABLE volunteer (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  real_name           text NOT NULL CHECK (char_length(btrim(real_name)) BETWEEN 1 AND 50),
  id_number_enc       bytea,
  id_number_hash      bytea CHECK (octet_length(id_number_hash) = 32),
  phone_enc           bytea,
  phone_hash          bytea CHECK (octet_length(phone_hash) = 32),
  -- Masked forms for display (410***********123X, 138****5678), written with the ciphertext.
  id_number_masked    text CHECK (id_number_masked !~ '[0-9]{5}'),
  phone_masked        text CHECK (phone_masked !~ '[0-9]{5}'),
  birth_date          date CHECK (birth_date > DATE '1900-01-01'),
  gender              text CHECK (gender IN ('male', 'female')),
  education           text CHECK (education IN ('high_school', 'associate', 'bachelor', 'master', 'doctorate')),
  cohorts             cohort_codes,
  skills              jsonb NOT NULL DEFAULT '{}' CHECK (hub_valid_skill_levels(skills)),
  skill_codes         text[] GENERATED ALWAYS AS (hub_jsonb_keys(skills)) STORED,
  home_geom geometry(Point, 4326) CHECK (hub_valid_lonlat(home_geom)),
  home geography(Point, 4326) GENERATED ALWAYS AS (home_geom::geography) STORED,
  region_code         text COLLATE "C" REFERENCES region (code),
  service_radius_m    integer NOT NULL DEFAULT 10000 CHECK (service_radius_m BETWEEN 100 AND 500000),
  capacity_per_week   smallint NOT NULL DEFAULT 2 CHECK (capacity_per_week BETWEEN 1 AND 50),
  -- Weekly availability as minutes of the week in China Standard Time: Monday 00:00 = 0,
  -- Sunday 24:00 = 10080. Saturday 09:00-12:00 is [7740,7920).
  weekly_availability int4multirange NOT NULL DEFAULT '{}'
                      CHECK (weekly_availability <@ int4multirange(int4range(0, 10080))),
  insured_until       date,
  status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'exited')),
  registered_at       timestamptz NOT NULL DEFAULT now(),
  exited_at           timestamptz,
  erased_at           timestamptz,
  CHECK ((status = 'exited') = (exited_at IS NOT NULL)),
  CHECK (erased_at IS NULL OR status = 'exited'),
  CHECK ((id_number_enc IS NULL) = (id_number_hash IS NULL)),
  CHECK ((phone_enc IS NULL) = (phone_hash IS NULL)),
  CHECK ((id_number_enc IS NULL) = (id_number_masked IS NULL)),
  CHECK ((phone_enc IS NULL) = (phone_masked IS NULL))
);
CREATE UNIQUE INDEX volunteer_id_number_hash_key ON volunteer (id_number_hash);
CREATE INDEX volunteer_phone_hash_idx ON volunteer (phone_hash);
CREATE INDEX volunteer_home_gist ON volunteer USING gist (home);
CREATE INDEX volunteer_home_geom_gist ON volunteer USING gist (home_geom);
CREATE INDEX volunteer_skill_codes_gin ON volunteer USING gin (skill_codes);
CREATE INDEX volunteer_cohorts_gin ON volunteer USING gin (cohorts);
CREATE INDEX volunteer_region_idx ON volunteer (region_code);
CREATE INDEX volunteer_status_idx ON volunteer (status);

ALTER TABLE organization ADD CONSTRAINT organization_captain_fk
  FOREIGN KEY (captain_id) REFERENCES volunteer (id);

-- Dated exceptions to the weekly availability: extra time offered, or time away.
CREATE TABLE volunteer_availability_exception (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  volunteer_id bigint NOT NULL REFERENCES volunteer (id) ON DELETE CASCADE,
  period       tstzrange NOT NULL CHECK (hub_proper_range(period)),
  available    boolean NOT NULL,
  note         text NOT NULL DEFAULT ''
);
CREATE INDEX volunteer_availability_exception_gist
  ON volunteer_availability_exception USING gist (volunteer_id, period);

-- Membership of a volunteer in an organisation, with a role (队长 captain, 管理员 admin …).
CREATE TABLE membership (
  volunteer_id    bigint NOT NULL REFERENCES volunteer (id),
  organization_id bigint NOT NULL REFERENCES organization (id),
  role            text NOT NULL DEFAULT 'member'
                  CHECK (role IN ('member', 'captain', 'vice_captain', 'admin')),
  joined_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (volunteer_id, organization_id)
);
CREATE INDEX membership_organization_idx ON membership (organization_id, role);

-- 科技志愿服务站点 / 新时代文明实践中心 (中心/所/站) and other places of service, with 六有 (seed 001).
CREATE TABLE station (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name              text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 2 AND 100),
  kind              text NOT NULL CHECK (kind IN ('civilization_center', 'civilization_institute',
                      'civilization_station', 'party_service_center', 'science_museum', 'museum',
                      'memorial_hall', 'park', 'community_facility', 'science_base')),
  location_geom geometry(Point, 4326) NOT NULL CHECK (hub_valid_lonlat(location_geom)),
  location geography(Point, 4326) GENERATED ALWAYS AS (location_geom::geography) STORED,
  region_code       text COLLATE "C" NOT NULL REFERENCES region (code),
  organization_id   bigint REFERENCES organization (id),
  address           text NOT NULL DEFAULT '',
  has_place         boolean NOT NULL DEFAULT false,
  has_team          boolean NOT NULL DEFAULT false,
  has_projects      boolean NOT NULL DEFAULT false,
  has_facilities    boolean NOT NULL DEFAULT false,
  has_rules         boolean NOT NULL DEFAULT false,
  has_signage       boolean NOT NULL DEFAULT false,
  -- Opening hours in minutes of the week (China Standard Time), as for volunteers.
  opening_hours     int4multirange NOT NULL DEFAULT '{}'
                    CHECK (opening_hours <@ int4multirange(int4range(0, 10080))),
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX station_location_gist ON station USING gist (location);
CREATE INDEX station_location_geom_gist ON station USING gist (location_geom);
CREATE INDEX station_region_idx ON station (region_code);
CREATE INDEX station_kind_idx ON station (kind);
CREATE INDEX station_status_idx ON station (status);

-- 项目: a named, funded programme of activities (e.g. 智惠行动 sub-projects).
CREATE TABLE project (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name              text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 2 AND 200),
  description       text NOT NULL DEFAULT '',
  owner_id          bigint NOT NULL REFERENCES organization (id),
  category          text REFERENCES service_category (code),
  period            daterange NOT NULL CHECK (NOT isempty(period) AND NOT lower_inf(period)
                                              AND NOT upper_inf(period)),
  funding_yuan      numeric(14, 2) CHECK (funding_yuan >= 0),
  status            text NOT NULL DEFAULT 'active' CHECK (status IN ('planned', 'active', 'closed')),
  created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX project_owner_idx ON project (owner_id);
CREATE INDEX project_period_gist ON project USING gist (period);

-- 群众需求 (点单): a request for service at a place and time.
CREATE TABLE demand (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title              text NOT NULL CHECK (char_length(btrim(title)) BETWEEN 2 AND 200),
  description        text NOT NULL DEFAULT '',
  category           text NOT NULL REFERENCES service_category (code),
  required_skills    skill_codes,
  needed             smallint NOT NULL CHECK (needed BETWEEN 1 AND 500),
  time_window        tstzrange NOT NULL CHECK (hub_proper_range(time_window)),
  location_geom geometry(Point, 4326) NOT NULL CHECK (hub_valid_lonlat(location_geom)),
  location geography(Point, 4326) GENERATED ALWAYS AS (location_geom::geography) STORED,
  station_id         bigint REFERENCES station (id),
  region_code        text COLLATE "C" NOT NULL REFERENCES region (code),
  raised_by          text NOT NULL,
  raised_by_kind     text NOT NULL DEFAULT 'community'
                     CHECK (raised_by_kind IN ('station', 'community', 'grassroots', 'dispatcher')),
  priority           real NOT NULL DEFAULT 1 CHECK (priority > 0 AND priority <= 100),
  requires_insurance boolean NOT NULL DEFAULT false,
  status             text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dispatched',
                       'in_progress', 'done', 'reviewed', 'cancelled')),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX demand_location_gist ON demand USING gist (location);
CREATE INDEX demand_location_geom_gist ON demand USING gist (location_geom);
CREATE INDEX demand_time_window_gist ON demand USING gist (time_window);
CREATE INDEX demand_required_skills_gin ON demand USING gin (required_skills);
CREATE INDEX demand_region_idx ON demand (region_code);
CREATE INDEX demand_status_idx ON demand (status);
CREATE INDEX demand_category_idx ON demand (category);

-- 活动: an event an organisation publishes; volunteers sign up online up to its capacity.
-- `signed_up` is kept by the sign-up service under a row lock; the CHECK makes overbooking
-- impossible even if a caller forgets the lock.
CREATE TABLE activity (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  title           text NOT NULL CHECK (char_length(btrim(title)) BETWEEN 2 AND 200),
  description     text NOT NULL DEFAULT '',
  organization_id bigint NOT NULL REFERENCES organization (id),
  project_id      bigint REFERENCES project (id),
  category        text NOT NULL REFERENCES service_category (code),
  time_window     tstzrange NOT NULL CHECK (hub_proper_range(time_window)),
  location_geom geometry(Point, 4326) NOT NULL CHECK (hub_valid_lonlat(location_geom)),
  location geography(Point, 4326) GENERATED ALWAYS AS (location_geom::geography) STORED,
  station_id      bigint REFERENCES station (id),
  region_code     text COLLATE "C" NOT NULL REFERENCES region (code),
  capacity        integer NOT NULL CHECK (capacity >= 1),
  signed_up       integer NOT NULL DEFAULT 0 CHECK (signed_up >= 0 AND signed_up <= capacity),
  status          text NOT NULL DEFAULT 'published'
                  CHECK (status IN ('draft', 'published', 'closed', 'cancelled')),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_location_gist ON activity USING gist (location);
CREATE INDEX activity_location_geom_gist ON activity USING gist (location_geom);
CREATE INDEX activity_time_window_gist ON activity USING gist (time_window);
CREATE INDEX activity_region_idx ON activity (region_code);
CREATE INDEX activity_organization_idx ON activity (organization_id);
CREATE INDEX activity_status_idx ON activity (status);

CREATE TABLE activity_signup (
  activity_id  bigint NOT NULL REFERENCES activity (id),
  volunteer_id bigint NOT NULL REFERENCES volunteer (id),
  status       text NOT NULL DEFAULT 'signed_up'
               CHECK (status IN ('signed_up', 'cancelled', 'attended', 'absent')),
  signed_up_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (activity_id, volunteer_id)
);
CREATE INDEX activity_signup_volunteer_idx ON activity_signup (volunteer_id);
