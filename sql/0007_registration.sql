-- 注册: who registered whom, collective imports (集体注册, seed 004), team contacts.

-- One collective import: who loaded which file, when, and what came of it.
CREATE TABLE import_batch (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind            text NOT NULL CHECK (kind IN ('volunteers', 'organizations')),
  filename        text NOT NULL,
  file_sha256     bytea NOT NULL CHECK (octet_length(file_sha256) = 32),
  imported_by     text NOT NULL,
  organization_id bigint REFERENCES organization (id),
  all_or_nothing  boolean NOT NULL,
  rows_read       integer NOT NULL CHECK (rows_read >= 0),
  imported        integer NOT NULL CHECK (imported >= 0),
  skipped         integer NOT NULL CHECK (skipped >= 0),
  rejected        integer NOT NULL CHECK (rejected >= 0),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX import_batch_created_idx ON import_batch (created_at);

-- Volunteers: who registered them (a token subject, 'self' or 'cli'), the batch, and the
-- optional profile of the template (工作单位, 职称, 专长, 邮箱, 地址, 可服务时间 as written).
-- The profile is personal data too: an erasure empties it.
ALTER TABLE volunteer
  ADD COLUMN registered_by   text NOT NULL DEFAULT 'system',
  ADD COLUMN import_batch_id bigint REFERENCES import_batch (id),
  ADD COLUMN profile         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(profile) = 'object');

-- Teams: the captain's and the admin's contact as registered (the phone encrypted like a
-- volunteer's, hub/pii.py), who registered the team, and the rest of the template's fields.
ALTER TABLE organization
  ADD COLUMN registered_by        text NOT NULL DEFAULT 'system',
  ADD COLUMN import_batch_id      bigint REFERENCES import_batch (id),
  ADD COLUMN captain_name         text,
  ADD COLUMN captain_phone_enc    bytea,
  ADD COLUMN captain_phone_hash   bytea CHECK (octet_length(captain_phone_hash) = 32),
  ADD COLUMN captain_phone_masked text CHECK (captain_phone_masked !~ '[0-9]{5}'),
  ADD COLUMN admin_name           text,
  ADD COLUMN admin_phone_enc      bytea,
  ADD COLUMN admin_phone_hash     bytea CHECK (octet_length(admin_phone_hash) = 32),
  ADD COLUMN admin_phone_masked   text CHECK (admin_phone_masked !~ '[0-9]{5}'),
  ADD COLUMN profile              jsonb NOT NULL DEFAULT '{}'
                                  CHECK (jsonb_typeof(profile) = 'object'),
  ADD CONSTRAINT organization_captain_phone_pair
    CHECK ((captain_phone_enc IS NULL) = (captain_phone_hash IS NULL)),
  ADD CONSTRAINT organization_admin_phone_pair
    CHECK ((admin_phone_enc IS NULL) = (admin_phone_hash IS NULL));

-- Organisation history: every move under another parent (members and records stay put).
CREATE TABLE organization_move (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id bigint NOT NULL REFERENCES organization (id),
  from_parent_id  bigint REFERENCES organization (id),
  to_parent_id    bigint REFERENCES organization (id),
  moved_by        text NOT NULL,
  moved_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organization_move_org_idx ON organization_move (organization_id);
