-- Public 点单 (issue 14.3): residents and stations raise demands that a station or dispatcher
-- reviews (审核) before they can be dispatched; dispatchers import demands from a spreadsheet;
-- a demand's priority is raised for 老少边贫 regions (seed 003) by rules kept as data.

-- 1. Review before dispatch. A resident's or station's demand starts `pending_review`; the
--    reviewer approves it (→ open) or rejects it with a reason (→ rejected). Who, when and why
--    are kept on the demand. (评单, the requester's rating after service, is `review`.)
ALTER TABLE demand DROP CONSTRAINT demand_status_check;
ALTER TABLE demand
  ADD CONSTRAINT demand_status_check CHECK (status IN ('pending_review', 'rejected', 'open',
    'dispatched', 'in_progress', 'done', 'reviewed', 'cancelled')),
  ADD COLUMN vetted_by        text,
  ADD COLUMN vetted_at        timestamptz,
  ADD COLUMN rejection_reason text CHECK (char_length(btrim(rejection_reason)) BETWEEN 1 AND 500),
  ADD CONSTRAINT demand_vetted_complete CHECK ((vetted_by IS NULL) = (vetted_at IS NULL)),
  ADD CONSTRAINT demand_rejected_has_reason CHECK (
    (status = 'rejected') = (rejection_reason IS NOT NULL) AND
    (status <> 'rejected' OR vetted_by IS NOT NULL));
CREATE INDEX demand_pending_review_idx ON demand (region_code) WHERE status = 'pending_review';
CREATE INDEX demand_raised_by_idx ON demand (raised_by, id);

-- Nothing is dispatched (or claimed) on a demand nobody approved, whatever the service does.
CREATE FUNCTION demand_vetted_before_dispatch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  current text;
BEGIN
  SELECT status INTO current FROM demand WHERE id = NEW.demand_id;
  IF current IN ('pending_review', 'rejected') THEN
    RAISE EXCEPTION 'demand % is %: it cannot be dispatched', NEW.demand_id, current
      USING ERRCODE = '23514', CONSTRAINT = 'dispatch_demand_vetted';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER dispatch_demand_vetted BEFORE INSERT ON dispatch
  FOR EACH ROW EXECUTE FUNCTION demand_vetted_before_dispatch();

-- A demand goes back to review never, and leaves it only to open, rejected or cancelled.
CREATE FUNCTION demand_review_moves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status = 'pending_review' AND OLD.status <> 'pending_review' THEN
    RAISE EXCEPTION 'demand % cannot go back to review from %', OLD.id, OLD.status
      USING ERRCODE = '23514', CONSTRAINT = 'demand_review_moves';
  END IF;
  IF OLD.status = 'pending_review' AND NEW.status NOT IN ('pending_review', 'open', 'rejected',
                                                           'cancelled') THEN
    RAISE EXCEPTION 'demand % is pending review: it cannot become %', OLD.id, NEW.status
      USING ERRCODE = '23514', CONSTRAINT = 'demand_review_moves';
  END IF;
  IF OLD.status = 'rejected' AND NEW.status <> 'rejected' THEN
    RAISE EXCEPTION 'demand % was rejected: it cannot become %', OLD.id, NEW.status
      USING ERRCODE = '23514', CONSTRAINT = 'demand_review_moves';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER demand_review_moves BEFORE UPDATE OF status ON demand
  FOR EACH ROW EXECUTE FUNCTION demand_review_moves();

-- 2. Imported demands: the file's own reference (外部编号), unique within the importer's scope
--    (a dispatcher's region code; '' for admins and the CLI), so importing a file again adds
--    nothing.
ALTER TABLE demand
  ADD COLUMN external_ref   text CHECK (char_length(btrim(external_ref)) BETWEEN 1 AND 64),
  ADD COLUMN external_scope text,
  ADD CONSTRAINT demand_external_complete CHECK ((external_ref IS NULL) = (external_scope IS NULL)),
  ADD CONSTRAINT demand_external_key UNIQUE (external_scope, external_ref);

-- 3. Priority rules (seed 003: scarce experts go first to remote and poor, border and
--    ethnic-minority areas and old revolutionary base areas, 老少边贫). A rule matches a demand
--    when the demand's region, or a division above it, carries one of the rule's flags (no
--    flags: any region), the region code starts with `region_prefix` (if set), the category is
--    `category` (if set), and the demand is created within `active`. The matching rule giving
--    the highest priority applies: greatest(base × multiplier, floor), at most 100; never lower
--    than the base. It is applied once, when the demand is created (changing a rule changes
--    new demands only); the demand keeps its base priority and the rule that raised it.
CREATE TABLE demand_priority_rule (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL CHECK (char_length(btrim(name)) BETWEEN 2 AND 200),
  flags         text[] NOT NULL DEFAULT '{}' CHECK (flags <@ ARRAY['remote', 'poor', 'border',
                                                     'ethnic', 'revolutionary']),
  region_prefix text COLLATE "C" CHECK (region_prefix ~ '^[0-9]{2,12}$'),
  category      text REFERENCES service_category (code),
  multiplier    real NOT NULL DEFAULT 1 CHECK (multiplier >= 1 AND multiplier <= 100),
  floor         real CHECK (floor > 0 AND floor <= 100),
  active        tstzrange NOT NULL DEFAULT tstzrange(now(), NULL) CHECK (NOT isempty(active)),
  created_at    timestamptz NOT NULL DEFAULT now(),
  created_by    text NOT NULL DEFAULT 'system',
  CHECK (multiplier > 1 OR floor IS NOT NULL)
);

INSERT INTO demand_priority_rule (name, flags, multiplier, active, created_by)
VALUES ('老少边贫地区优先（seed 003）: remote, poor, border, ethnic-minority and old '
        'revolutionary base areas first', ARRAY['remote', 'poor', 'border', 'ethnic',
        'revolutionary'], 2, tstzrange('-infinity', NULL), 'migration 0021');

ALTER TABLE demand
  ADD COLUMN base_priority    real,
  ADD COLUMN priority_rule_id bigint REFERENCES demand_priority_rule (id);
UPDATE demand SET base_priority = priority;
ALTER TABLE demand
  ALTER COLUMN base_priority SET NOT NULL,
  ADD CONSTRAINT demand_base_priority_range CHECK (base_priority > 0 AND base_priority <= 100),
  ADD CONSTRAINT demand_priority_raised CHECK (priority >= base_priority
    AND (priority_rule_id IS NOT NULL OR priority = base_priority));

-- The flags of a region and of the divisions above it (by the code's levels: village,
-- township, county, city, province).
CREATE FUNCTION hub_region_flags(code text) RETURNS text[]
LANGUAGE sql STABLE AS $$
  SELECT coalesce(array_agg(DISTINCT f), '{}')
    FROM region r,
         LATERAL unnest(ARRAY[CASE WHEN r.is_remote THEN 'remote' END,
                              CASE WHEN r.is_poor THEN 'poor' END,
                              CASE WHEN r.is_border THEN 'border' END,
                              CASE WHEN r.is_ethnic THEN 'ethnic' END,
                              CASE WHEN r.is_revolutionary THEN 'revolutionary' END]) AS f
   WHERE f IS NOT NULL
     AND r.code IN ($1, left($1, 9) || '000', left($1, 6) || '000000',
                    left($1, 4) || '00000000', left($1, 2) || '0000000000')
$$;

-- Every new demand, by every path (raiseDemand, a resident, an import, the seed): the base
-- priority is what was asked; the best matching rule may raise it. Two lookups a row: 100,000
-- demands inserted at once took 14 s instead of 7 s on a busy 2-core machine (the seed's bulk
-- COPY pays this; one demand at a time does not notice).
CREATE FUNCTION demand_apply_priority_rule() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  region_flags text[] := hub_region_flags(NEW.region_code);
  best record;
BEGIN
  NEW.base_priority := NEW.priority;
  NEW.priority_rule_id := NULL;
  SELECT r.id, least(100, greatest(NEW.priority * r.multiplier, coalesce(r.floor, 0))) AS p
    INTO best
    FROM demand_priority_rule r
   WHERE r.active @> now()
     AND (cardinality(r.flags) = 0 OR r.flags && region_flags)
     AND (r.region_prefix IS NULL OR NEW.region_code LIKE r.region_prefix || '%')
     AND (r.category IS NULL OR r.category = NEW.category)
   ORDER BY 2 DESC, r.id
   LIMIT 1;
  IF FOUND AND best.p > NEW.priority THEN
    NEW.priority := best.p;
    NEW.priority_rule_id := best.id;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER demand_priority_rule BEFORE INSERT ON demand
  FOR EACH ROW EXECUTE FUNCTION demand_apply_priority_rule();

-- 4. An import of demands is an import batch like a volunteers' or a teams' file.
ALTER TABLE import_batch DROP CONSTRAINT import_batch_kind_check;
ALTER TABLE import_batch ADD CONSTRAINT import_batch_kind_check
  CHECK (kind IN ('volunteers', 'organizations', 'demands'));
ALTER TABLE demand ADD COLUMN import_batch_id bigint REFERENCES import_batch (id);

-- 5. Whom to call about a resident's demand (personal data: the field policy's demand.contact,
--    admins and the region's dispatchers only): a name, and a mobile encrypted as a volunteer's
--    is (hub/pii.py) with its masked form.
ALTER TABLE demand
  ADD COLUMN contact_name         text CHECK (char_length(btrim(contact_name)) BETWEEN 1 AND 50),
  ADD COLUMN contact_phone_enc    bytea,
  ADD COLUMN contact_phone_masked text,
  ADD CONSTRAINT demand_contact_phone_complete
    CHECK ((contact_phone_enc IS NULL) = (contact_phone_masked IS NULL));
