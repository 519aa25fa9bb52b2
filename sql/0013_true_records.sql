-- Records that are true (志愿服务记录真实准确, seed 001), and ledgers that stay serial under load.
--
-- 1. A record's net hours never exceed the length of what it records: the demand's window, or
--    the activity's duration. An original above it is refused; so is a correction that raises
--    net hours above it (one that lowers them is always allowed, so a legacy record can be
--    brought back within bounds).
-- 2. A record is *pending* until confirmed. A volunteer's own check-out makes a pending record;
--    the organiser or a dispatcher confirms it (or the hub does, after a configured period).
--    Only confirmed records count for stars, points, time bank and certificates. A
--    confirmation is a row of its own (records are append-only), once per original.
-- 3. Postings to a volunteer's ledger account lock that account first, so concurrent postings
--    queue and the overdraft check at commit sees every earlier posting.

-- How many hours a record of this demand or activity may hold at most (rounded like hours).
CREATE FUNCTION hub_record_bound(for_demand bigint, for_activity bigint) RETURNS numeric
  LANGUAGE sql STABLE PARALLEL SAFE
  RETURN (SELECT round((extract(epoch FROM upper(w) - lower(w)) / 3600)::numeric, 2)
            FROM (SELECT time_window AS w FROM demand WHERE id = for_demand
                  UNION ALL SELECT time_window FROM activity WHERE id = for_activity) s LIMIT 1);

-- Runs after service_record_check_correction (triggers fire in name order), which has locked
-- the original, so the net hours read here include every correction committed before.
CREATE FUNCTION service_record_within_window() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bound numeric := hub_record_bound(NEW.demand_id, NEW.activity_id);
  net numeric := 0;
BEGIN
  IF NEW.hours <= 0 THEN
    RETURN NEW;
  END IF;
  IF NEW.corrects_id IS NOT NULL THEN
    SELECT sum(hours) INTO net FROM service_record
     WHERE id = NEW.corrects_id OR corrects_id = NEW.corrects_id;
  END IF;
  IF net + NEW.hours > bound THEN
    RAISE EXCEPTION 'net % h + % h would exceed the % h its source lasts', net, NEW.hours, bound
      USING ERRCODE = 'check_violation', CONSTRAINT = 'service_record_within_window';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER service_record_within_window BEFORE INSERT ON service_record
  FOR EACH ROW EXECUTE FUNCTION service_record_within_window();

-- 确认: who confirmed an original record and when; `automatic` when the hub did after the
-- configured period. Rewards (points, time bank) are posted in the same transaction.
CREATE TABLE service_record_confirmation (
  record_id    bigint PRIMARY KEY REFERENCES service_record (id),
  confirmed_by text NOT NULL CHECK (btrim(confirmed_by) <> ''),
  confirmed_at timestamptz NOT NULL DEFAULT now(),
  automatic    boolean NOT NULL DEFAULT false
);
CREATE TRIGGER service_record_confirmation_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
  ON service_record_confirmation FOR EACH STATEMENT EXECUTE FUNCTION hub_refuse_change();

CREATE FUNCTION service_record_confirmation_original() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM service_record WHERE id = NEW.record_id AND corrects_id IS NOT NULL)
  THEN
    RAISE EXCEPTION 'record % is a correction; confirm the original record', NEW.record_id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'service_record_confirms_original';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER service_record_confirmation_original BEFORE INSERT
  ON service_record_confirmation FOR EACH ROW EXECUTE FUNCTION service_record_confirmation_original();

-- Every record made before this migration was treated as verified and has its rewards posted.
INSERT INTO service_record_confirmation (record_id, confirmed_by, confirmed_at)
SELECT id, recorded_by, recorded_at FROM service_record WHERE corrects_id IS NULL;

-- Originals waiting for confirmation: a small queue the auto-confirm sweep reads oldest first
-- instead of scanning every record. Made with the pending record; a confirmation removes it.
CREATE TABLE service_record_pending (
  record_id bigint PRIMARY KEY REFERENCES service_record (id),
  since     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX service_record_pending_since_idx ON service_record_pending (since);

CREATE FUNCTION service_record_confirmation_dequeue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM service_record_pending WHERE record_id = NEW.record_id;
  RETURN NULL;
END $$;
CREATE TRIGGER service_record_confirmation_dequeue AFTER INSERT ON service_record_confirmation
  FOR EACH ROW EXECUTE FUNCTION service_record_confirmation_dequeue();

CREATE FUNCTION ledger_entry_lock_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM ledger_account WHERE id = NEW.account_id AND volunteer_id IS NOT NULL
    FOR NO KEY UPDATE;
  RETURN NEW;
END $$;
CREATE TRIGGER ledger_entry_lock_account BEFORE INSERT ON ledger_entry
  FOR EACH ROW EXECUTE FUNCTION ledger_entry_lock_account();
