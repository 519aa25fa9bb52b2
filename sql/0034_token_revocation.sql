-- Access tokens can be revoked on every hub process (issue 17.2, docs/processes.md).
--
-- An access token issued at sign-in names its refresh family (claim "fam"); signing out, or a
-- rotated refresh token presented again, revokes the family (refresh_token.revoked_at). Each
-- hub process asks the database whether a family is revoked and remembers the answer for a
-- bounded time; this trigger announces each revocation at commit, so every process forgets
-- its "not revoked" answer at once instead of when that bound runs out. One row per family is
-- enough to be heard: NOTIFY folds identical payloads sent in one transaction into one.
CREATE FUNCTION hub_revoked_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hub_revoked', json_build_object('family', NEW.family)::text);
  RETURN NULL;
END $$;
CREATE TRIGGER refresh_token_revoked AFTER UPDATE OF revoked_at ON refresh_token
  FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
  EXECUTE FUNCTION hub_revoked_notify();
