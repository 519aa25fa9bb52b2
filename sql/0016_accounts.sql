-- Accounts: how volunteers, residents (群众) and station staff sign in without the CLI
-- (issue 14.1). A person signs in with their mobile and a one-time code sent by SMS, or with a
-- WeChat mini-program login (code2session) whose openid is linked to their account. The hub
-- then issues a short-lived access token (a JWT the usual verifier checks) and an opaque,
-- revocable refresh token, rotated on every use (hub.services.accounts).
CREATE TABLE account (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind          text        NOT NULL CHECK (kind IN ('volunteer', 'resident', 'station_staff')),
  -- The mobile's keyed hash (hub.pii blind index, as volunteer.phone_hash) and its masked form.
  phone_hash    bytea       UNIQUE,
  phone_masked  text,
  volunteer_id  bigint      UNIQUE REFERENCES volunteer (id),
  station_id    bigint      REFERENCES station (id),
  wechat_openid text        UNIQUE CHECK (length(wechat_openid) BETWEEN 1 AND 128),
  created_at    timestamptz NOT NULL DEFAULT now(),
  last_sign_in  timestamptz,
  disabled_at   timestamptz,
  CHECK ((kind = 'volunteer') = (volunteer_id IS NOT NULL)),
  CHECK ((kind = 'station_staff') = (station_id IS NOT NULL)),
  CHECK (phone_hash IS NOT NULL OR wechat_openid IS NOT NULL)
);

-- One-time sign-in codes: stored as an HMAC under the hub's data key (never the code), valid
-- for minutes, used once, and burned after a bounded number of wrong guesses. A new code for a
-- phone supersedes the earlier ones (used_at is set on them).
CREATE TABLE sign_in_code (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  phone_hash  bytea       NOT NULL,
  code_hash   bytea       NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  wrong_guesses integer   NOT NULL DEFAULT 0 CHECK (wrong_guesses >= 0),
  used_at     timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX sign_in_code_live ON sign_in_code (phone_hash, created_at DESC)
  WHERE used_at IS NULL;

-- Refresh tokens: the SHA-256 of an opaque random token. Each use rotates it (used_at, and a
-- successor in the same family); a rotated token used again revokes its whole family.
CREATE TABLE refresh_token (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id  bigint      NOT NULL REFERENCES account (id),
  family      uuid        NOT NULL,
  token_hash  bytea       NOT NULL UNIQUE,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  revoked_at  timestamptz,
  CHECK (expires_at > created_at)
);
CREATE INDEX refresh_token_family ON refresh_token (family);
CREATE INDEX refresh_token_account ON refresh_token (account_id);
