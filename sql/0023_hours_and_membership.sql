-- Issue 14.5 and 14.6: hours confirmed after a period set per region; leaving a team, moving
-- between teams and suspension, with their history.
--
-- 1. A pending record confirms itself when the period of ITS region has passed (the region of
--    its demand or activity; region_setting.record_auto_confirm_hours, inherited down the
--    region tree, sql/0018), else after the hub's default (HUB_RECORD_AUTO_CONFIRM_S).
--    `due_at` is worked out when the record becomes pending: since + the region's period, or
--    NULL where no region above it sets one (then the hub's default applies, measured from
--    `since`). Changing a region's setting works `due_at` out again for the records of that
--    region's subtree still pending (hub.services.region_settings): the period in force now
--    applies to every record still waiting, always measured from its check-out. The sweep
--    reads two small index ranges, oldest due first, instead of every pending record per
--    region.
ALTER TABLE service_record_pending ADD COLUMN due_at timestamptz;
CREATE INDEX service_record_pending_due_idx ON service_record_pending (due_at)
  WHERE due_at IS NOT NULL;
CREATE INDEX service_record_pending_default_idx ON service_record_pending (since)
  WHERE due_at IS NULL;

-- 2. Memberships that ended (退队, 转队, 退出): who, which team, in which role, from when to
--    when, why and by whom. `membership` keeps the current members; a stint moves here when it
--    ends, so a team's past members and the hours served with it stay attributable.
CREATE TABLE membership_history (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  volunteer_id    bigint NOT NULL REFERENCES volunteer (id),
  organization_id bigint NOT NULL REFERENCES organization (id),
  role            text NOT NULL CHECK (role IN ('member', 'captain', 'vice_captain', 'admin')),
  joined_at       timestamptz NOT NULL,
  left_at         timestamptz NOT NULL DEFAULT now(),
  how             text NOT NULL CHECK (how IN ('left', 'removed', 'transferred', 'exited')),
  reason          text NOT NULL CHECK (char_length(reason) <= 500),
  left_by         text NOT NULL CHECK (btrim(left_by) <> ''),
  CHECK (left_at >= joined_at)
);
CREATE INDEX membership_history_organization_idx ON membership_history (organization_id, left_at);
CREATE INDEX membership_history_volunteer_idx ON membership_history (volunteer_id, joined_at);
CREATE TRIGGER membership_history_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
  ON membership_history FOR EACH STATEMENT EXECUTE FUNCTION hub_refuse_change();

-- 3. Suspensions and reinstatements (暂停 / 恢复) of a volunteer: who, when, why.
CREATE TABLE volunteer_status_change (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  volunteer_id bigint NOT NULL REFERENCES volunteer (id),
  from_status  text NOT NULL CHECK (from_status IN ('active', 'suspended', 'exited')),
  to_status    text NOT NULL CHECK (to_status IN ('active', 'suspended', 'exited')),
  reason       text NOT NULL CHECK (char_length(btrim(reason)) BETWEEN 2 AND 500),
  changed_by   text NOT NULL CHECK (btrim(changed_by) <> ''),
  changed_at   timestamptz NOT NULL DEFAULT now(),
  CHECK (from_status <> to_status)
);
CREATE INDEX volunteer_status_change_volunteer_idx
  ON volunteer_status_change (volunteer_id, changed_at);
CREATE TRIGGER volunteer_status_change_append_only BEFORE UPDATE OR DELETE OR TRUNCATE
  ON volunteer_status_change FOR EACH STATEMENT EXECUTE FUNCTION hub_refuse_change();

-- 4. Only an active volunteer is offered a slot, claims one or takes one: a new dispatch, or
--    one becoming accepted, checks the volunteer's status with the volunteer's row share-locked,
--    so it queues behind a suspension in progress (which updates that row first) and a
--    suspension queues behind it. Fires after dispatch_guard (names in order), which has
--    locked the demand.
CREATE FUNCTION dispatch_volunteer_active() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  standing text;
BEGIN
  IF TG_OP = 'UPDATE' AND (NEW.status IS NOT DISTINCT FROM OLD.status
                           OR NEW.status <> 'accepted') THEN
    RETURN NEW;
  END IF;
  SELECT status INTO standing FROM volunteer WHERE id = NEW.volunteer_id FOR SHARE;
  IF standing IS DISTINCT FROM 'active' THEN
    RAISE EXCEPTION 'volunteer % is %', NEW.volunteer_id, coalesce(standing, 'unknown')
      USING ERRCODE = 'check_violation', CONSTRAINT = 'dispatch_volunteer_active';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER dispatch_volunteer_active BEFORE INSERT OR UPDATE OF status ON dispatch
  FOR EACH ROW EXECUTE FUNCTION dispatch_volunteer_active();
