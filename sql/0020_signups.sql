-- Issue 14.2 (second half): an activity's waitlist, and attendance by a rotating signed code
-- or by the geofence dispatch uses.
--
-- 1. A full activity puts a volunteer on its waitlist (status 'waitlisted') instead of refusing.
--    waitlist_no orders the waitlist (first come, first served): it is taken from a sequence
--    while the activity's row is locked, so numbers follow the order in which sign-ups held
--    the lock. A waitlisted volunteer has a number; nobody else does.
-- 2. Attendance: 'checked_in' between check-in and check-out (by code or geofence), with when
--    and how; check-out makes a pending service record and the status 'attended'.
--    last_code_step is the time step of the last attendance code this volunteer used here: a
--    code is taken once per volunteer (a replay, or check-out with the check-in's code, is
--    refused).
ALTER TABLE activity_signup DROP CONSTRAINT activity_signup_status_check;
ALTER TABLE activity_signup
  ADD CONSTRAINT activity_signup_status_check CHECK (status IN (
    'signed_up', 'waitlisted', 'checked_in', 'cancelled', 'attended', 'absent')),
  ADD COLUMN waitlist_no         bigint,
  ADD COLUMN checked_in_at       timestamptz,
  ADD COLUMN checked_out_at      timestamptz,
  ADD COLUMN check_in_method     text CHECK (check_in_method IN ('code', 'geofence')),
  ADD COLUMN check_in_distance_m real CHECK (check_in_distance_m >= 0),
  ADD COLUMN last_code_step      bigint,
  ADD CONSTRAINT activity_signup_waitlist_no CHECK ((status = 'waitlisted') = (waitlist_no IS NOT NULL)),
  ADD CONSTRAINT activity_signup_checked_in CHECK (status <> 'checked_in' OR checked_in_at IS NOT NULL),
  ADD CONSTRAINT activity_signup_check_out_after_in CHECK (checked_out_at >= checked_in_at);
CREATE SEQUENCE activity_waitlist_seq AS bigint;
CREATE INDEX activity_signup_waitlist ON activity_signup (activity_id, waitlist_no)
  WHERE status = 'waitlisted';

-- 3. A volunteer moved up from the waitlist is told so (owner_notice, delivered by issue 15's
--    channels). The kinds other migrations allow stay allowed: the CHECK is rebuilt from the
--    current one's list plus this kind.
DO $$
DECLARE
  kinds text[];
BEGIN
  SELECT array_agg(DISTINCT m[1] ORDER BY m[1]) INTO kinds
    FROM pg_constraint c,
         regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') AS m
   WHERE c.conrelid = 'owner_notice'::regclass AND c.contype = 'c'
     AND pg_get_constraintdef(c.oid) LIKE '%kind%';
  EXECUTE (SELECT string_agg(format('ALTER TABLE owner_notice DROP CONSTRAINT %I', conname), '; ')
             FROM pg_constraint WHERE conrelid = 'owner_notice'::regclass AND contype = 'c'
              AND pg_get_constraintdef(oid) LIKE '%kind%');
  kinds := array(SELECT DISTINCT unnest(kinds || ARRAY['activity_waitlist_promoted']) ORDER BY 1);
  EXECUTE format('ALTER TABLE owner_notice ADD CONSTRAINT owner_notice_kind_check '
                 'CHECK (kind IN (%s))', (SELECT string_agg(quote_literal(k), ', ') FROM unnest(kinds) k));
END $$;
