-- Issue 14.2 (first half): stations, activities and projects are created, edited, submitted,
-- reviewed (谁主办谁负责, seed 003), closed and archived through the API.
--
-- 1. One life cycle for the three: draft → pending_review → live (a station 'active', an
--    activity 'published', a project 'active') | rejected (editable, resubmittable) → closed →
--    archived. The states rows already had keep their meaning: seeded stations are 'active',
--    activities 'published', projects 'planned'/'active'; 'cancelled' activities stay so.
ALTER TABLE station DROP CONSTRAINT station_status_check;
ALTER TABLE station ADD CONSTRAINT station_status_check CHECK (status IN (
  'draft', 'pending_review', 'rejected', 'active', 'closed', 'archived'));
ALTER TABLE activity DROP CONSTRAINT activity_status_check;
ALTER TABLE activity ADD CONSTRAINT activity_status_check CHECK (status IN (
  'draft', 'pending_review', 'rejected', 'published', 'closed', 'cancelled', 'archived'));
ALTER TABLE project DROP CONSTRAINT project_status_check;
ALTER TABLE project ADD CONSTRAINT project_status_check CHECK (status IN (
  'draft', 'pending_review', 'rejected', 'planned', 'active', 'closed', 'archived'));

-- 2. Who made each (role:sub, as dispatches record it) and when it last changed.
ALTER TABLE station
  ADD COLUMN created_by text NOT NULL DEFAULT 'system',
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
  -- 联系人: a name, and a phone stored as every phone is (hub.pii: AES-GCM and a masked
  -- form, never in clear); shown in full only to those who manage the station.
  ADD COLUMN contact_name text NOT NULL DEFAULT '' CHECK (char_length(contact_name) <= 50),
  ADD COLUMN contact_phone_enc bytea,
  ADD COLUMN contact_phone_masked text CHECK (contact_phone_masked !~ '[0-9]{5}'),
  ADD CONSTRAINT station_contact_phone CHECK (
    (contact_phone_enc IS NULL) = (contact_phone_masked IS NULL));
ALTER TABLE activity
  ADD COLUMN created_by text NOT NULL DEFAULT 'system',
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
-- 3. A project's funding source (资金来源) and sub-programme (子项目, e.g. the three of 智惠行动):
--    codes of the vocabulary's `subProgramme` group (hub/data/vocabulary.json, zh + en).
ALTER TABLE project
  ADD COLUMN created_by text NOT NULL DEFAULT 'system',
  ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN funding_source text NOT NULL DEFAULT '' CHECK (char_length(funding_source) <= 200),
  ADD COLUMN sub_programme text CHECK (sub_programme ~ '^[a-z_]{2,40}$');
CREATE INDEX project_status_idx ON project (status);

-- 4. Every submission (and its withdrawal), approval, rejection, closing and archiving, with
--    who, when and why: append-only, as the records are.
CREATE TABLE publication_review (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  subject_kind text NOT NULL CHECK (subject_kind IN ('station', 'activity', 'project')),
  subject_id   bigint NOT NULL,
  decision     text NOT NULL CHECK (decision IN ('submit', 'withdraw', 'approve', 'reject',
                                                 'close', 'archive')),
  from_status  text NOT NULL,
  to_status    text NOT NULL,
  reason       text NOT NULL DEFAULT '' CHECK (char_length(reason) <= 1000),
  actor        text NOT NULL CHECK (btrim(actor) <> ''),
  at           timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT publication_review_reason CHECK (decision <> 'reject' OR btrim(reason) <> '')
);
CREATE INDEX publication_review_subject_idx ON publication_review (subject_kind, subject_id, id);
CREATE TRIGGER publication_review_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
  ON publication_review FOR EACH STATEMENT EXECUTE FUNCTION hub_refuse_change();
