-- 派单: plans from the matcher, and dispatches (offers of a demand's slot to a volunteer).

-- A matcher plan for a region and period. A preview is stored so it can be committed by id;
-- nothing is dispatched until `committed_at` is set.
CREATE TABLE dispatch_plan (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  region_code  text COLLATE "C" NOT NULL REFERENCES region (code),
  period       tstzrange NOT NULL CHECK (hub_proper_range(period)),
  options      jsonb NOT NULL DEFAULT '{}',
  plan         jsonb NOT NULL,
  stats        jsonb NOT NULL,
  created_by   text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  committed_at timestamptz,
  committed_by text,
  CHECK ((committed_at IS NULL) = (committed_by IS NULL))
);
CREATE INDEX dispatch_plan_region_idx ON dispatch_plan (region_code, created_at DESC);

-- The dispatch states and the transitions allowed between them: the one place they are
-- defined. The service layer reads this table; the trigger below enforces it.
CREATE TABLE dispatch_state (
  state    text PRIMARY KEY,
  active   boolean NOT NULL,     -- holds the slot and the volunteer's time
  label_zh text NOT NULL
);
INSERT INTO dispatch_state VALUES
  ('offered',    true,  '已派单'),
  ('accepted',   true,  '已接单'),
  ('checked_in', true,  '服务中'),
  ('completed',  true,  '已完成'),
  ('declined',   false, '已拒单'),
  ('expired',    false, '已超时'),
  ('cancelled',  false, '已取消'),
  ('no_show',    false, '未到岗');

CREATE TABLE dispatch_transition (
  from_state text NOT NULL REFERENCES dispatch_state (state),
  to_state   text NOT NULL REFERENCES dispatch_state (state),
  PRIMARY KEY (from_state, to_state)
);
INSERT INTO dispatch_transition VALUES
  ('offered', 'accepted'), ('offered', 'declined'), ('offered', 'expired'),
  ('offered', 'cancelled'), ('accepted', 'checked_in'), ('accepted', 'cancelled'),
  ('accepted', 'no_show'), ('checked_in', 'completed');

CREATE TABLE dispatch (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  demand_id      bigint NOT NULL REFERENCES demand (id),
  volunteer_id   bigint NOT NULL REFERENCES volunteer (id),
  plan_id        uuid REFERENCES dispatch_plan (id),
  status         text NOT NULL DEFAULT 'offered' REFERENCES dispatch_state (state),
  active         boolean NOT NULL DEFAULT true,
  -- The demand's window, copied so the exclusion constraint can see it.
  time_window    tstzrange NOT NULL CHECK (hub_proper_range(time_window)),
  distance_m     double precision CHECK (distance_m >= 0),
  reason         text NOT NULL DEFAULT '',
  offered_by     text NOT NULL,
  offered_at     timestamptz NOT NULL DEFAULT now(),
  respond_by     timestamptz NOT NULL,
  responded_at   timestamptz,
  decline_reason text,
  CHECK (respond_by > offered_at),
  -- A volunteer is never booked twice in overlapping windows.
  CONSTRAINT dispatch_no_double_booking
    EXCLUDE USING gist (volunteer_id WITH =, time_window WITH &&) WHERE (active)
);
CREATE INDEX dispatch_demand_idx ON dispatch (demand_id) WHERE active;
CREATE INDEX dispatch_volunteer_idx ON dispatch (volunteer_id, status);
CREATE INDEX dispatch_status_idx ON dispatch (status);
CREATE INDEX dispatch_respond_by_idx ON dispatch (respond_by) WHERE status = 'offered';

-- Every change of state is an allowed transition; `active` follows the state; a demand's
-- active dispatches never exceed its headcount (the demand row is locked, so concurrent
-- dispatchers queue here instead of overbooking).
CREATE FUNCTION dispatch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
  IF TG_OP = 'INSERT' AND NEW.status <> 'offered' THEN
    RAISE EXCEPTION 'a dispatch starts as offered, not %', NEW.status
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
CREATE TRIGGER dispatch_guard BEFORE INSERT OR UPDATE ON dispatch
  FOR EACH ROW EXECUTE FUNCTION dispatch_guard();

-- A demand names each required skill once.
CREATE FUNCTION hub_distinct(a text[]) RETURNS boolean
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN cardinality(a) = (SELECT count(DISTINCT x) FROM unnest(a) AS x);
UPDATE demand SET required_skills = ARRAY(SELECT DISTINCT x FROM unnest(required_skills) AS x)
 WHERE NOT hub_distinct(required_skills);
ALTER TABLE demand ADD CONSTRAINT demand_skills_distinct CHECK (hub_distinct(required_skills));
