-- 点单 → 派单 → 接单 → 服务: who did what, check-in/out, unfilled slots, and live events.

-- Who changed a dispatch last and why; the service sets these with every change of state.
ALTER TABLE dispatch
  ADD COLUMN changed_by          text,
  ADD COLUMN change_reason       text,
  ADD COLUMN check_in_at         timestamptz,
  ADD COLUMN check_in_geom       geometry(Point, 4326) CHECK (hub_valid_lonlat(check_in_geom)),
  ADD COLUMN check_in_distance_m double precision CHECK (check_in_distance_m >= 0),
  ADD COLUMN check_out_at        timestamptz,
  ADD COLUMN check_out_geom      geometry(Point, 4326) CHECK (hub_valid_lonlat(check_out_geom)),
  ADD COLUMN check_out_distance_m double precision CHECK (check_out_distance_m >= 0),
  ADD COLUMN hours               numeric(7, 2) CHECK (hours >= 0),
  ADD CONSTRAINT dispatch_check_in_complete
    CHECK ((check_in_at IS NULL) = (check_in_geom IS NULL)),
  ADD CONSTRAINT dispatch_check_out_complete
    CHECK ((check_out_at IS NULL) = (check_out_geom IS NULL)
           AND (check_out_at IS NULL) = (hours IS NULL)),
  ADD CONSTRAINT dispatch_check_out_after_in
    CHECK (check_out_at IS NULL OR (check_in_at IS NOT NULL AND check_out_at >= check_in_at)),
  ADD CONSTRAINT dispatch_served_has_times
    CHECK (status NOT IN ('checked_in', 'completed') OR check_in_at IS NOT NULL),
  ADD CONSTRAINT dispatch_completed_has_hours
    CHECK (status <> 'completed' OR hours IS NOT NULL);

-- A demand whose freed slot found no next candidate says why; a cancelled one says who and why.
ALTER TABLE demand
  ADD COLUMN unfilled_reason text,
  ADD COLUMN unfilled_at     timestamptz,
  ADD COLUMN cancelled_by    text,
  ADD COLUMN cancel_reason   text,
  ADD CONSTRAINT demand_unfilled_complete CHECK ((unfilled_reason IS NULL) = (unfilled_at IS NULL)),
  ADD CONSTRAINT demand_cancel_by_cancelled CHECK (cancelled_by IS NULL OR status = 'cancelled');

-- Every change of a dispatch's state, with who made it: the audit trail and the source of
-- live events. Rows are only ever inserted.
CREATE TABLE dispatch_event (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dispatch_id  bigint NOT NULL REFERENCES dispatch (id),
  demand_id    bigint NOT NULL REFERENCES demand (id),
  volunteer_id bigint NOT NULL REFERENCES volunteer (id),
  region_code  text COLLATE "C" NOT NULL REFERENCES region (code),
  from_state   text REFERENCES dispatch_state (state),
  to_state     text NOT NULL REFERENCES dispatch_state (state),
  actor        text NOT NULL,
  reason       text,
  at           timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX dispatch_event_dispatch_idx ON dispatch_event (dispatch_id, id);
CREATE INDEX dispatch_event_region_idx ON dispatch_event (region_code, id);

-- A new offer fills the demand again: it is no longer unfilled.
-- Each state change is logged and announced on channel `hub_dispatch` (the payload carries
-- the demand's region so listeners filter by subtree without a query); NOTIFY is sent at
-- commit, so every hub process behind a load balancer hears only what really happened.
CREATE FUNCTION dispatch_log() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ev dispatch_event%ROWTYPE;
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    UPDATE demand SET unfilled_reason = NULL, unfilled_at = NULL
     WHERE id = NEW.demand_id AND unfilled_reason IS NOT NULL;
  END IF;
  INSERT INTO dispatch_event (dispatch_id, demand_id, volunteer_id, region_code, from_state,
                              to_state, actor, reason)
  SELECT NEW.id, NEW.demand_id, NEW.volunteer_id, d.region_code,
         CASE WHEN TG_OP = 'UPDATE' THEN OLD.status END, NEW.status,
         coalesce(CASE WHEN TG_OP = 'INSERT' THEN NEW.offered_by END, NEW.changed_by, 'system'),
         NEW.change_reason
    FROM demand d WHERE d.id = NEW.demand_id
  RETURNING * INTO ev;
  PERFORM pg_notify('hub_dispatch', json_build_object(
    'eventId', ev.id, 'dispatchId', ev.dispatch_id, 'demandId', ev.demand_id,
    'volunteerId', ev.volunteer_id, 'regionCode', ev.region_code, 'fromState', ev.from_state,
    'toState', ev.to_state, 'actor', ev.actor, 'reason', left(ev.reason, 500), 'at', ev.at)::text);
  RETURN NULL;
END $$;
CREATE TRIGGER dispatch_log AFTER INSERT OR UPDATE OF status ON dispatch
  FOR EACH ROW EXECUTE FUNCTION dispatch_log();
