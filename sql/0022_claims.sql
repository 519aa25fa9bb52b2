-- 抢单 (issue 14.4): a volunteer claims an open demand's slot themself.
--
-- A claim is a dispatch row like any other: the same slot count (dispatch_guard, the demand
-- row locked), the same no-double-booking exclusion constraint, the same event log. It is
-- marked `claimed`, made by the volunteer (offered_by = 'volunteer:<id>'), and starts
-- * accepted, or
-- * claim_pending where the demand's region requires the dispatcher's approval
--   (hub_region_setting(region, 'claims_need_approval'), sql/0018). A pending claim is
--   active: it holds the slot and the volunteer's time until the dispatcher approves it
--   (→ accepted) or rejects it (→ claim_rejected), the volunteer withdraws it (→ cancelled),
--   or the demand's window starts with nobody deciding (→ expired; respond_by is the
--   window's start).

INSERT INTO dispatch_state VALUES
  ('claim_pending',  true,  '待审核'),
  ('claim_rejected', false, '未通过');

INSERT INTO dispatch_transition VALUES
  ('claim_pending', 'accepted'), ('claim_pending', 'claim_rejected'),
  ('claim_pending', 'expired'), ('claim_pending', 'cancelled');

ALTER TABLE dispatch
  ADD COLUMN claimed boolean NOT NULL DEFAULT false,
  ADD CONSTRAINT dispatch_claim_unplanned CHECK (NOT claimed OR plan_id IS NULL);
CREATE INDEX dispatch_claim_due_idx ON dispatch (respond_by) WHERE status = 'claim_pending';

-- As sql/0004's guard, except that a claim starts accepted or claim_pending (an offer still
-- starts offered, and nothing else may start in those states).
CREATE OR REPLACE FUNCTION dispatch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  wanted smallint;
  taken  integer;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status AND NOT EXISTS (
       SELECT 1 FROM dispatch_transition WHERE from_state = OLD.status AND to_state = NEW.status)
  THEN
    RAISE EXCEPTION 'dispatch %: % → % is not an allowed transition', OLD.id, OLD.status, NEW.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'dispatch_transition';
  END IF;
  IF TG_OP = 'UPDATE' AND NEW.claimed IS DISTINCT FROM OLD.claimed THEN
    RAISE EXCEPTION 'dispatch %: whether it is a claim never changes', OLD.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'dispatch_transition';
  END IF;
  IF TG_OP = 'INSERT' AND NOT NEW.claimed AND NEW.status <> 'offered' THEN
    RAISE EXCEPTION 'a dispatch starts as offered, not %', NEW.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'dispatch_transition';
  END IF;
  IF TG_OP = 'INSERT' AND NEW.claimed AND NEW.status NOT IN ('accepted', 'claim_pending') THEN
    RAISE EXCEPTION 'a claim starts as accepted or claim_pending, not %', NEW.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'dispatch_transition';
  END IF;
  NEW.active := (SELECT active FROM dispatch_state WHERE state = NEW.status);
  IF NEW.active AND (TG_OP = 'INSERT' OR NOT OLD.active) THEN
    SELECT needed INTO wanted FROM demand WHERE id = NEW.demand_id FOR UPDATE;
    SELECT count(*) INTO taken FROM dispatch
     WHERE demand_id = NEW.demand_id AND active AND id IS DISTINCT FROM NEW.id;
    IF taken >= wanted THEN
      RAISE EXCEPTION 'demand % already has its % volunteer(s)', NEW.demand_id, wanted
        USING ERRCODE = 'check_violation', CONSTRAINT = 'dispatch_slots';
    END IF;
  END IF;
  RETURN NEW;
END $$;
