-- 志愿服务记录, 评单, 星级, 积分 and 时间储蓄 ledgers, 志愿服务证明 (seed 001: records true and
-- accurate, certificates issued from them; star ratings; service points and time banking).

-- Append-only tables: UPDATE and DELETE are refused for every statement, TRUNCATE whenever the
-- table holds rows (truncating an empty table, as `hub seed --replace` cascades to, loses nothing).
CREATE FUNCTION hub_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  has_rows boolean;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME)
      INTO has_rows;
    IF NOT has_rows THEN
      RETURN NULL;
    END IF;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused (a correction is a new row)', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'restrict_violation', CONSTRAINT = TG_TABLE_NAME || '_append_only';
END $$;

-- A verified service occasion, or a correction of one. A correction copies the corrected row's
-- volunteer, source and date, carries the signed change of hours, a reason and who made it.
CREATE TABLE service_record (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  volunteer_id    bigint NOT NULL REFERENCES volunteer (id),
  demand_id       bigint REFERENCES demand (id),
  activity_id     bigint REFERENCES activity (id),
  dispatch_id     bigint REFERENCES dispatch (id),
  organization_id bigint REFERENCES organization (id),   -- the organising team, if known
  region_code     text COLLATE "C" NOT NULL REFERENCES region (code),
  title           text NOT NULL CHECK (btrim(title) <> ''),
  served_on       date NOT NULL,                           -- China Standard Time
  hours           numeric(6, 2) NOT NULL CHECK (hours <> 0 AND hours BETWEEN -168 AND 168),
  corrects_id     bigint REFERENCES service_record (id),
  reason          text,
  recorded_by     text NOT NULL,                           -- verifier, or the corrector
  recorded_at     timestamptz NOT NULL DEFAULT now(),
  CHECK (num_nonnulls(demand_id, activity_id) = 1),
  CHECK (dispatch_id IS NULL OR demand_id IS NOT NULL),
  CHECK (corrects_id IS NOT NULL OR hours > 0),
  CHECK ((corrects_id IS NULL) = (reason IS NULL)),
  CHECK (reason IS NULL OR char_length(btrim(reason)) BETWEEN 2 AND 500)
);
CREATE INDEX service_record_volunteer_idx ON service_record (volunteer_id, served_on);
CREATE INDEX service_record_corrects_idx ON service_record (corrects_id);
CREATE INDEX service_record_demand_idx ON service_record (demand_id);
CREATE INDEX service_record_organization_idx ON service_record (organization_id);
-- One original record per dispatch, per volunteer and demand, per volunteer and activity.
CREATE UNIQUE INDEX service_record_dispatch_key ON service_record (dispatch_id)
  WHERE corrects_id IS NULL AND dispatch_id IS NOT NULL;
CREATE UNIQUE INDEX service_record_demand_key ON service_record (demand_id, volunteer_id)
  WHERE corrects_id IS NULL AND demand_id IS NOT NULL;
CREATE UNIQUE INDEX service_record_activity_key ON service_record (activity_id, volunteer_id)
  WHERE corrects_id IS NULL AND activity_id IS NOT NULL;

CREATE TRIGGER service_record_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON service_record
  FOR EACH STATEMENT EXECUTE FUNCTION hub_refuse_change();

-- A correction names an original (not another correction), copies it, and never takes the
-- original's net hours below zero. The original is locked, so corrections queue.
CREATE FUNCTION service_record_check_correction() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  original service_record%ROWTYPE;
  net numeric;
BEGIN
  IF NEW.corrects_id IS NULL THEN
    RETURN NEW;
  END IF;
  SELECT * INTO original FROM service_record WHERE id = NEW.corrects_id FOR UPDATE;
  IF original.corrects_id IS NOT NULL THEN
    RAISE EXCEPTION 'record % is a correction; correct the original record %',
      original.id, original.corrects_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'service_record_corrects_original';
  END IF;
  IF (NEW.volunteer_id, NEW.demand_id, NEW.activity_id, NEW.served_on)
     IS DISTINCT FROM (original.volunteer_id, original.demand_id, original.activity_id,
                       original.served_on) THEN
    RAISE EXCEPTION 'correction of record % must keep its volunteer, source and date', original.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'service_record_correction_copies';
  END IF;
  SELECT original.hours + coalesce(sum(hours), 0) INTO net
    FROM service_record WHERE corrects_id = original.id;
  IF net + NEW.hours < 0 THEN
    RAISE EXCEPTION 'record % has % h; a correction of % h would make it negative',
      original.id, net, NEW.hours
      USING ERRCODE = 'check_violation', CONSTRAINT = 'service_record_net_hours';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER service_record_check_correction BEFORE INSERT ON service_record
  FOR EACH ROW EXECUTE FUNCTION service_record_check_correction();

-- 评单. The requester rates the service of a demand once; each volunteer who served it may
-- rate the demand's organiser (its station) once.
CREATE TABLE review (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  demand_id    bigint NOT NULL REFERENCES demand (id),
  direction    text NOT NULL CHECK (direction IN ('requester_to_service', 'volunteer_to_organiser')),
  volunteer_id bigint REFERENCES volunteer (id),             -- the reviewing volunteer
  station_id   bigint REFERENCES station (id),               -- the organiser rated
  rating       smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
  comment      text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 500),
  reviewed_by  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  CHECK ((direction = 'volunteer_to_organiser') = (volunteer_id IS NOT NULL)),
  CONSTRAINT review_once UNIQUE NULLS NOT DISTINCT (demand_id, direction, volunteer_id)
);
CREATE INDEX review_station_idx ON review (station_id);
CREATE TRIGGER review_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON review
  FOR EACH STATEMENT EXECUTE FUNCTION hub_refuse_change();

-- 星级 thresholds as data: national defaults (scope '') and optional province (or lower)
-- overrides keyed by a division-code prefix; the longest matching scope with rows wins.
CREATE TABLE star_threshold (
  scope text COLLATE "C" NOT NULL CHECK (scope ~ '^([0-9]{2})*$'),
  stars smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
  hours numeric(8, 2) NOT NULL CHECK (hours > 0),
  PRIMARY KEY (scope, stars)
);
INSERT INTO star_threshold (scope, stars, hours) VALUES
  ('', 1, 100), ('', 2, 300), ('', 3, 600), ('', 4, 1000), ('', 5, 1500);

CREATE FUNCTION hub_star_level(region text, total numeric) RETURNS smallint
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT coalesce(max(t.stars), 0)::smallint FROM star_threshold t
           WHERE t.scope = (SELECT s.scope FROM star_threshold s
                             WHERE coalesce(region, '') LIKE s.scope || '%'
                             ORDER BY length(s.scope) DESC LIMIT 1)
             AND t.hours <= total);

-- 积分 (points) and 时间储蓄 (time banking, in minutes) as double-entry ledgers. System
-- accounts (issuance: where rewards come from) may be negative; volunteers' never.
CREATE TABLE ledger_account (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  unit         text NOT NULL CHECK (unit IN ('points', 'minutes')),
  volunteer_id bigint REFERENCES volunteer (id),
  system_code  text CHECK (system_code IN ('issuance', 'redemption')),
  CHECK (num_nonnulls(volunteer_id, system_code) = 1),
  CONSTRAINT ledger_account_once UNIQUE NULLS NOT DISTINCT (unit, volunteer_id, system_code)
);

CREATE TABLE ledger_transaction (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind              text NOT NULL CHECK (kind IN ('service_reward', 'correction', 'redemption')),
  service_record_id bigint REFERENCES service_record (id),
  memo              text NOT NULL DEFAULT '',
  created_by        text NOT NULL,
  created_at        timestamptz NOT NULL DEFAULT now(),
  CHECK ((kind IN ('service_reward', 'correction')) = (service_record_id IS NOT NULL))
);
CREATE INDEX ledger_transaction_record_idx ON ledger_transaction (service_record_id);

CREATE TABLE ledger_entry (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  transaction_id bigint NOT NULL REFERENCES ledger_transaction (id),
  account_id     bigint NOT NULL REFERENCES ledger_account (id),
  amount         bigint NOT NULL CHECK (amount <> 0)       -- + credit, − debit
);
CREATE INDEX ledger_entry_transaction_idx ON ledger_entry (transaction_id);
CREATE INDEX ledger_entry_account_idx ON ledger_entry (account_id);

-- At commit, each transaction's entries sum to zero per unit, and no volunteer account is
-- below zero: a balance can only move from somewhere, never appear from nothing.
CREATE FUNCTION ledger_check_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT a.unit, sum(e.amount) AS total INTO bad FROM ledger_entry e
    JOIN ledger_account a ON a.id = e.account_id
   WHERE e.transaction_id = NEW.transaction_id GROUP BY a.unit HAVING sum(e.amount) <> 0 LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger transaction % does not balance: its % entries sum to %',
      NEW.transaction_id, bad.unit, bad.total
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_balanced';
  END IF;
  SELECT a.id, sum(e.amount) AS total INTO bad FROM ledger_account a
    JOIN ledger_entry e ON e.account_id = a.id
   WHERE a.id = NEW.account_id AND a.volunteer_id IS NOT NULL GROUP BY a.id
  HAVING sum(e.amount) < 0;
  IF FOUND THEN
    RAISE EXCEPTION 'ledger account % would be overdrawn (balance %)', bad.id, bad.total
      USING ERRCODE = 'check_violation', CONSTRAINT = 'ledger_not_overdrawn';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT ON ledger_entry
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_check_balanced();

CREATE TRIGGER ledger_transaction_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
  ON ledger_transaction FOR EACH STATEMENT EXECUTE FUNCTION hub_refuse_change();
CREATE TRIGGER ledger_entry_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ledger_entry
  FOR EACH STATEMENT EXECUTE FUNCTION hub_refuse_change();

-- 志愿服务证明: the exact signed payload bytes, the Ed25519 signature and the signer's key id.
CREATE TABLE certificate (
  code         text COLLATE "C" PRIMARY KEY CHECK (code ~ '^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$'),
  volunteer_id bigint NOT NULL REFERENCES volunteer (id),
  period       daterange NOT NULL CHECK (NOT isempty(period) AND NOT lower_inf(period)
                                         AND NOT upper_inf(period)),
  payload      bytea NOT NULL,
  signature    bytea NOT NULL CHECK (octet_length(signature) = 64),
  key_id       text NOT NULL CHECK (key_id ~ '^[0-9a-f]{16}$'),
  issued_by    text NOT NULL,
  issued_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX certificate_volunteer_idx ON certificate (volunteer_id, issued_at DESC);
CREATE TRIGGER certificate_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON certificate
  FOR EACH STATEMENT EXECUTE FUNCTION hub_refuse_change();
