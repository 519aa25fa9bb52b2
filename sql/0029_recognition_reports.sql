-- Issue 16.3: recognition rounds, 优秀 and 四个十佳 (top-ten volunteers, teams, projects and
-- service points, seed 003), run yearly per level (county → city → province → national).
--
-- A round is opened for a region (NULL: the whole country, level 'national'), a year and the
-- categories it recognises; candidates are nominated with their evidence (the figures and the
-- records behind them, computed from confirmed data by hub.services.recognition); each
-- nomination is accepted or rejected with a reason; publishing writes the list.
--
-- Frozen once published, by the database and not only by the service:
-- * a published round's row refuses UPDATE and DELETE;
-- * its nominations refuse INSERT, UPDATE and DELETE (the check share-locks the round, so a
--   nomination or review racing the publication either lands before it or is refused);
-- * recognition_award, the published list, is append-only (hub_refuse_change), and a row may
--   only be written by the transaction that publishes its round (published_at = now()).

CREATE TABLE recognition_round (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  award        text NOT NULL CHECK (award IN ('excellent', 'top_ten')),
  level        text NOT NULL CHECK (level IN ('county', 'city', 'province', 'national')),
  region_code  text COLLATE "C" REFERENCES region (code),
  year         smallint NOT NULL CHECK (year BETWEEN 2000 AND 2100),
  categories   text[] NOT NULL CHECK (cardinality(categories) BETWEEN 1 AND 4
                 AND categories <@ ARRAY['volunteer', 'team', 'project', 'station']),
  places       smallint NOT NULL DEFAULT 10 CHECK (places BETWEEN 1 AND 100),
  status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'published')),
  opened_by    text NOT NULL CHECK (btrim(opened_by) <> ''),
  opened_at    timestamptz NOT NULL DEFAULT now(),
  published_by text,
  published_at timestamptz,
  CHECK ((level = 'national') = (region_code IS NULL)),
  CHECK (award <> 'top_ten' OR places = 10),
  CHECK ((status = 'published') = (published_at IS NOT NULL AND published_by IS NOT NULL)),
  CONSTRAINT recognition_round_once UNIQUE NULLS NOT DISTINCT (award, level, region_code, year)
);
CREATE INDEX recognition_round_region_idx ON recognition_round (region_code, year);

CREATE TABLE recognition_nomination (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  round_id     bigint NOT NULL REFERENCES recognition_round (id),
  category     text NOT NULL CHECK (category IN ('volunteer', 'team', 'project', 'station')),
  -- volunteer.id, organization.id, project.id or station.id, by category
  subject_id   bigint NOT NULL,
  rank         integer NOT NULL CHECK (rank >= 1),   -- among the candidates when nominated
  score        numeric(8, 4) NOT NULL CHECK (score >= 0),
  evidence     jsonb NOT NULL CHECK (jsonb_typeof(evidence) = 'object'),
  statement    text NOT NULL DEFAULT '' CHECK (char_length(statement) <= 2000),  -- 推荐理由
  nominated_by text NOT NULL CHECK (btrim(nominated_by) <> ''),
  nominated_at timestamptz NOT NULL DEFAULT now(),
  decision     text NOT NULL DEFAULT 'pending'
               CHECK (decision IN ('pending', 'accepted', 'rejected')),
  reason       text CHECK (char_length(reason) <= 1000),
  decided_by   text,
  decided_at   timestamptz,
  CHECK ((decision = 'pending') = (decided_at IS NULL)),
  CHECK ((decision = 'pending') = (decided_by IS NULL)),
  CONSTRAINT recognition_nomination_reason CHECK (
    decision = 'pending' OR char_length(btrim(coalesce(reason, ''))) >= 2),
  CONSTRAINT recognition_nomination_once UNIQUE (round_id, category, subject_id)
);

CREATE TABLE recognition_award (
  round_id      bigint NOT NULL REFERENCES recognition_round (id),
  category      text NOT NULL CHECK (category IN ('volunteer', 'team', 'project', 'station')),
  place         smallint NOT NULL CHECK (place >= 1),
  nomination_id bigint NOT NULL REFERENCES recognition_nomination (id),
  subject_id    bigint NOT NULL,
  -- Teams, projects and stations: the name at publication. Volunteers: empty; their name is
  -- personal data, read from the volunteer through the field policy when the list is shown.
  subject_name  text NOT NULL DEFAULT '',
  region_code   text COLLATE "C",
  score         numeric(8, 4) NOT NULL,
  evidence      jsonb NOT NULL,
  PRIMARY KEY (round_id, category, place),
  CONSTRAINT recognition_award_once UNIQUE (round_id, category, subject_id)
);
CREATE INDEX recognition_award_subject_idx ON recognition_award (category, subject_id);
CREATE TRIGGER recognition_award_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
  ON recognition_award FOR EACH STATEMENT EXECUTE FUNCTION hub_refuse_change();

CREATE FUNCTION recognition_round_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.status = 'published' THEN
    RAISE EXCEPTION 'recognition round % is published: % refused (its list is frozen)',
      OLD.id, TG_OP USING ERRCODE = 'restrict_violation', CONSTRAINT = 'recognition_round_frozen';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER recognition_round_frozen BEFORE UPDATE OR DELETE ON recognition_round
  FOR EACH ROW EXECUTE FUNCTION recognition_round_frozen();

CREATE FUNCTION recognition_nomination_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  standing text;
  round_id bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.round_id ELSE NEW.round_id END;
BEGIN
  SELECT status INTO standing FROM recognition_round WHERE id = round_id FOR SHARE;
  IF standing = 'published' OR (TG_OP = 'UPDATE' AND OLD.round_id <> NEW.round_id) THEN
    RAISE EXCEPTION 'recognition round % is published: % of a nomination refused',
      round_id, TG_OP USING ERRCODE = 'restrict_violation',
      CONSTRAINT = 'recognition_nomination_frozen';
  END IF;
  RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER recognition_nomination_frozen BEFORE INSERT OR UPDATE OR DELETE
  ON recognition_nomination FOR EACH ROW EXECUTE FUNCTION recognition_nomination_frozen();
CREATE TRIGGER recognition_nomination_no_truncate BEFORE TRUNCATE ON recognition_nomination
  FOR EACH STATEMENT EXECUTE FUNCTION hub_refuse_change();

CREATE FUNCTION recognition_award_with_publication() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM recognition_round r WHERE r.id = NEW.round_id
                    AND r.status = 'published' AND r.published_at = now()) THEN
    RAISE EXCEPTION 'an award of round % is written only as the round is published',
      NEW.round_id USING ERRCODE = 'restrict_violation',
      CONSTRAINT = 'recognition_award_with_publication';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER recognition_award_with_publication BEFORE INSERT ON recognition_award
  FOR EACH ROW EXECUTE FUNCTION recognition_award_with_publication();

-- Issue 16.7 and 16.9: the annual report reads a province's year of confirmed records by the
-- day served; this index lets it read that year and no other.
CREATE INDEX service_record_served_on_idx ON service_record (served_on) WHERE corrects_id IS NULL;
