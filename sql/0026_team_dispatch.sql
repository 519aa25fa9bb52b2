-- Issue 15.5 and 15.6: team dispatch (a demand's slots offered to a 分队 or 支队, whose captain
-- assigns members) and escalation up the tree (parent team → corps 总队 → 学会 teams paired
-- with the county), each step logged.
--
-- 1. A team offer: `slots` of a demand offered to a team until `respond_by`. While it is open
--    it holds those slots: the members its captain assigns get ordinary dispatch rows
--    (dispatch.team_offer_id), which they accept or decline as individuals, and a slot a
--    member declines goes back to the team, not to the matcher. When it closes (the captain
--    returns it, its deadline passes, or the dispatcher withdraws it) its unassigned slots
--    return to the dispatcher with the reason; the members already assigned keep theirs.
CREATE TABLE team_offer (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  demand_id       bigint NOT NULL REFERENCES demand (id),
  organization_id bigint NOT NULL REFERENCES organization (id),
  slots           smallint NOT NULL CHECK (slots BETWEEN 1 AND 500),
  status          text NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open', 'filled', 'returned', 'expired', 'withdrawn')),
  offered_by      text NOT NULL CHECK (btrim(offered_by) <> ''),
  offered_at      timestamptz NOT NULL DEFAULT now(),
  respond_by      timestamptz NOT NULL,
  escalation_step smallint CHECK (escalation_step BETWEEN 1 AND 3),  -- NULL: offered by hand
  note            text NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
  closed_at       timestamptz,
  closed_by       text,
  returned_slots  smallint CHECK (returned_slots >= 0),
  return_reason   text CHECK (char_length(return_reason) <= 500),
  CHECK (respond_by > offered_at),
  CHECK ((status = 'open') = (closed_at IS NULL)),
  CHECK ((closed_at IS NULL) = (closed_by IS NULL)),
  CHECK ((closed_at IS NULL) = (returned_slots IS NULL)),
  CHECK (returned_slots IS NULL OR returned_slots <= slots)
);
CREATE UNIQUE INDEX team_offer_one_open ON team_offer (demand_id, organization_id)
  WHERE status = 'open';
CREATE INDEX team_offer_demand_idx ON team_offer (demand_id, id);
CREATE INDEX team_offer_organization_idx ON team_offer (organization_id, id);
CREATE INDEX team_offer_due_idx ON team_offer (respond_by) WHERE status = 'open';

ALTER TABLE dispatch ADD COLUMN team_offer_id bigint REFERENCES team_offer (id);
CREATE INDEX dispatch_team_offer_idx ON dispatch (team_offer_id) WHERE team_offer_id IS NOT NULL;

-- The slots of a demand spoken for: its active dispatches outside open team offers, plus every
-- open team offer's slots (assigned or not). What dispatch_guard, team_offer_guard, the matcher,
-- claims and refill all count.
CREATE FUNCTION hub_demand_taken(demand bigint) RETURNS integer
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ((SELECT count(*) FROM dispatch x
            WHERE x.demand_id = $1 AND x.active
              AND (x.team_offer_id IS NULL OR NOT EXISTS (
                     SELECT 1 FROM team_offer o WHERE o.id = x.team_offer_id
                                                  AND o.status = 'open')))
          + (SELECT coalesce(sum(o.slots), 0) FROM team_offer o
              WHERE o.demand_id = $1 AND o.status = 'open'))::integer
$$;

-- As sql/0022's guard (its claim clauses kept), except how slots are counted: a dispatch of an
-- open team offer takes one of that offer's slots (never more than it holds); any other takes
-- one of the demand's slots not spoken for (hub_demand_taken). The demand row is locked first,
-- so concurrent offers, claims and team offers of one demand queue here.
CREATE OR REPLACE FUNCTION dispatch_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  wanted smallint;
  taken  integer;
  held   smallint;
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
  IF TG_OP = 'UPDATE' AND NEW.team_offer_id IS DISTINCT FROM OLD.team_offer_id THEN
    RAISE EXCEPTION 'dispatch %: the team offer it came through never changes', OLD.id
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
    SELECT slots INTO held FROM team_offer
     WHERE id = NEW.team_offer_id AND status = 'open' AND demand_id = NEW.demand_id;
    IF FOUND THEN
      SELECT count(*) INTO taken FROM dispatch
       WHERE team_offer_id = NEW.team_offer_id AND active AND id IS DISTINCT FROM NEW.id;
      IF taken >= held THEN
        RAISE EXCEPTION 'team offer % already has its % slot(s) assigned', NEW.team_offer_id, held
          USING ERRCODE = 'check_violation', CONSTRAINT = 'dispatch_slots';
      END IF;
    ELSE
      taken := hub_demand_taken(NEW.demand_id);
      IF taken >= wanted THEN
        RAISE EXCEPTION 'demand % already has its % volunteer(s)', NEW.demand_id, wanted
          USING ERRCODE = 'check_violation', CONSTRAINT = 'dispatch_slots';
      END IF;
    END IF;
  END IF;
  RETURN NEW;
END $$;

-- A team offer starts open and only ever closes; its demand, team and slots never change; an
-- open offer's slots fit in what the demand has not spoken for (the demand row locked first).
CREATE FUNCTION team_offer_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  wanted smallint;
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.status <> 'open' THEN
      RAISE EXCEPTION 'a team offer starts open, not %', NEW.status
        USING ERRCODE = 'check_violation', CONSTRAINT = 'team_offer_transition';
    END IF;
    SELECT needed INTO wanted FROM demand WHERE id = NEW.demand_id FOR UPDATE;
    IF hub_demand_taken(NEW.demand_id) + NEW.slots > wanted THEN
      RAISE EXCEPTION 'demand % has fewer than % slot(s) free', NEW.demand_id, NEW.slots
        USING ERRCODE = 'check_violation', CONSTRAINT = 'dispatch_slots';
    END IF;
    RETURN NEW;
  END IF;
  IF NEW.demand_id <> OLD.demand_id OR NEW.organization_id <> OLD.organization_id
     OR NEW.slots <> OLD.slots OR NEW.escalation_step IS DISTINCT FROM OLD.escalation_step THEN
    RAISE EXCEPTION 'team offer %: its demand, team, slots and step never change', OLD.id
      USING ERRCODE = 'check_violation', CONSTRAINT = 'team_offer_transition';
  END IF;
  IF OLD.status <> 'open' AND NEW.status IS DISTINCT FROM OLD.status THEN
    RAISE EXCEPTION 'team offer % is % and stays so', OLD.id, OLD.status
      USING ERRCODE = 'check_violation', CONSTRAINT = 'team_offer_transition';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER team_offer_guard BEFORE INSERT OR UPDATE ON team_offer
  FOR EACH ROW EXECUTE FUNCTION team_offer_guard();

-- 2. 学会–县区 pairing (seed 002: society teams serve the counties they are paired with), kept
--    as data with a validity period: `valid` is a date range ('[2026-01-01,2027-01-01)';
--    open-ended upwards while it has no end). Ending a pairing closes its range, never deletes.
CREATE TABLE team_pairing (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  organization_id bigint NOT NULL REFERENCES organization (id),
  region_code     text COLLATE "C" NOT NULL REFERENCES region (code),
  valid           daterange NOT NULL CHECK (NOT isempty(valid) AND NOT lower_inf(valid)),
  note            text NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
  created_by      text NOT NULL CHECK (btrim(created_by) <> ''),
  created_at      timestamptz NOT NULL DEFAULT now(),
  ended_by        text,
  ended_at        timestamptz,
  CHECK ((ended_by IS NULL) = (ended_at IS NULL)),
  CONSTRAINT team_pairing_no_overlap
    EXCLUDE USING gist (organization_id WITH =, region_code WITH =, valid WITH &&)
);
CREATE INDEX team_pairing_region_idx ON team_pairing (region_code);

-- 3. Escalation (逐级上报): a demand still short of volunteers a set time before it starts
--    (region_setting.escalate_before_hours, inherited down the region tree) is offered step
--    by step: 1 the organising team's parent, 2 the corps at the root of its tree, 3 the 学会
--    teams paired with its county on its date. Each step is logged once per demand and team:
--    `offered` with the team offer it made, or `skipped` with why (no such team, the same team
--    as an earlier step, no pairing valid that day).
CREATE TABLE escalation_step (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  demand_id       bigint NOT NULL REFERENCES demand (id),
  step            smallint NOT NULL CHECK (step BETWEEN 1 AND 3),
  kind            text NOT NULL CHECK (kind IN ('parent', 'corps', 'pairing')),
  organization_id bigint REFERENCES organization (id),
  team_offer_id   bigint REFERENCES team_offer (id),
  outcome         text NOT NULL CHECK (outcome IN ('offered', 'skipped')),
  note            text NOT NULL DEFAULT '' CHECK (char_length(note) <= 500),
  at              timestamptz NOT NULL DEFAULT now(),
  CHECK ((outcome = 'offered') = (team_offer_id IS NOT NULL)),
  CHECK (step = CASE kind WHEN 'parent' THEN 1 WHEN 'corps' THEN 2 ELSE 3 END),
  CONSTRAINT escalation_step_once UNIQUE NULLS NOT DISTINCT (demand_id, step, organization_id)
);
CREATE TRIGGER escalation_step_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
  ON escalation_step FOR EACH STATEMENT EXECUTE FUNCTION hub_refuse_change();

-- How long before a demand starts escalation begins, per region (NULL: inherited, else the
-- hub's default, hub.services.escalation.DEFAULT_BEFORE_H).
ALTER TABLE region_setting
  ADD COLUMN escalate_before_hours integer CHECK (escalate_before_hours BETWEEN 1 AND 720);

CREATE OR REPLACE FUNCTION hub_region_setting(code text, name text) RETURNS text
LANGUAGE plpgsql STABLE AS $$
DECLARE
  found text;
BEGIN
  IF name NOT IN ('claims_need_approval', 'record_auto_confirm_hours',
                  'escalate_before_hours') THEN
    RAISE EXCEPTION 'unknown region setting %', name USING ERRCODE = '22023';
  END IF;
  EXECUTE format(
    'WITH RECURSIVE up(code, depth) AS (
       SELECT $1 COLLATE "C", 0
       UNION ALL
       SELECT r.parent_code, up.depth + 1 FROM up JOIN region r ON r.code = up.code
        WHERE r.parent_code IS NOT NULL)
     SELECT s.%I::text FROM up JOIN region_setting s ON s.region_code = up.code
      WHERE s.%I IS NOT NULL ORDER BY up.depth LIMIT 1', name, name)
    INTO found USING code;
  RETURN found;
END $$;
