-- A volunteer who exits and erases their personal data (exitVolunteer, erasePersonalData)
-- takes their sign-in account's with it: its phone (hash and masked form) and WeChat openid
-- are erased, the account is disabled and every refresh token revoked, in the same statement
-- as the erasure, whoever performs it (hub.store.volunteers.erase).
ALTER TABLE account DROP CONSTRAINT account_check2;
ALTER TABLE account ADD CONSTRAINT account_signs_in_somehow
  CHECK (phone_hash IS NOT NULL OR wechat_openid IS NOT NULL OR disabled_at IS NOT NULL);

CREATE FUNCTION account_erase_with_volunteer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE refresh_token SET revoked_at = now()
   WHERE revoked_at IS NULL
     AND account_id IN (SELECT id FROM account WHERE volunteer_id = NEW.id);
  UPDATE account
     SET phone_hash = NULL, phone_masked = NULL, wechat_openid = NULL,
         disabled_at = coalesce(disabled_at, now())
   WHERE volunteer_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER account_erase_with_volunteer AFTER UPDATE OF erased_at ON volunteer
  FOR EACH ROW WHEN (OLD.erased_at IS NULL AND NEW.erased_at IS NOT NULL)
  EXECUTE FUNCTION account_erase_with_volunteer();
