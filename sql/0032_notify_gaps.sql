-- Notification gaps (issue 15).
--
-- 1. SMS to residents and station staff: an account keeps its mobile encrypted (hub.pii
--    PiiCipher, associated data "phone", as volunteer.phone_enc), written at each sign-in with a
--    phone code and when an admin adds station staff, so the SMS channel can text a person who
--    is not a volunteer (hub.services.deliveries). Accounts made before this have none until
--    their next sign-in. Erased with the account's hash and masked form (sql/0017's trigger).
ALTER TABLE account ADD COLUMN phone_enc bytea;

CREATE OR REPLACE FUNCTION account_erase_with_volunteer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE refresh_token SET revoked_at = now()
   WHERE revoked_at IS NULL
     AND account_id IN (SELECT id FROM account WHERE volunteer_id = NEW.id);
  UPDATE account
     SET phone_hash = NULL, phone_masked = NULL, phone_enc = NULL, wechat_openid = NULL,
         disabled_at = coalesce(disabled_at, now())
   WHERE volunteer_id = NEW.id;
  RETURN NULL;
END $$;

-- 3. Backlog gauges on /metrics count failed deliveries at each scrape: these partial indexes
--    keep that count to the failed rows (the open ones have theirs, sql/0030 and 0031).
CREATE INDEX notification_delivery_failed_idx ON notification_delivery (channel)
  WHERE status = 'failed';
CREATE INDEX webhook_delivery_open_idx ON webhook_delivery (status)
  WHERE status IN ('pending', 'failed');

-- 2. Reminders for activity sign-ups (hub.services.reminders): the `remind` step looks for
--    published activities starting within the next 24 hours.
CREATE INDEX activity_published_start_idx ON activity (lower(time_window))
  WHERE status = 'published';
