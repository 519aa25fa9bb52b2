-- Issue 15.3 and 15.7: notification channels (WeChat subscription messages, SMS, e-mail), each
-- person's preferences, and one row per delivery attempt (docs/notifications.md, "Channels",
-- "Preferences", "Delivery, retries and faults").
--
-- 1. Preferences, one row per account (sql/0016; a volunteer without an account is told with
--    the defaults). `channels` overrides the default external channels of an event kind:
--    {"offer_made": ["wechat", "sms"], "review_received": []}; kinds not named keep their
--    defaults, and the in-app inbox always receives. Quiet hours are China time (Asia/Shanghai)
--    wall-clock times; start > end spans midnight. The e-mail address is personal data: kept
--    encrypted (hub.pii, field "email") with its masked form beside.
CREATE TABLE notification_preference (
  account_id    bigint PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
  channels      jsonb NOT NULL DEFAULT '{}'
                CHECK (jsonb_typeof(channels) = 'object' AND length(channels::text) <= 4000),
  quiet_start   time,
  quiet_end     time,
  email_enc     bytea,
  email_masked  text CHECK (char_length(email_masked) <= 300),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK ((quiet_start IS NULL) = (quiet_end IS NULL)),
  CHECK (quiet_start IS NULL OR quiet_start <> quiet_end),
  CHECK ((email_enc IS NULL) = (email_masked IS NULL))
);

-- 2. Deliveries: one row per (event, recipient, channel), the idempotency key. The fan-out
--    writes them (INSERT … ON CONFLICT DO NOTHING, so a retried fan-out adds nothing); a
--    delivery job claims a batch (status sending, claimed_at; a claim older than the lease is
--    taken again after a worker died), sends each, and records the outcome at once.
--    not_before: held for the recipient's quiet hours (or a retry's backoff).
CREATE TABLE notification_delivery (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id        bigint NOT NULL REFERENCES outbox_event (id) ON DELETE CASCADE,
  recipient_kind  text NOT NULL CHECK (recipient_kind IN ('volunteer', 'account')),
  recipient_ref   bigint NOT NULL,
  channel         text NOT NULL CHECK (channel IN ('wechat', 'sms', 'email')),
  kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{1,47}$'),
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  tries           integer NOT NULL DEFAULT 0 CHECK (tries >= 0),
  not_before      timestamptz NOT NULL DEFAULT now(),
  claimed_at      timestamptz,
  last_error      text CHECK (char_length(last_error) <= 1000),
  provider_id     text CHECK (char_length(provider_id) <= 200),
  created_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  UNIQUE (event_id, recipient_kind, recipient_ref, channel),
  CHECK ((status IN ('delivered', 'failed')) = (finished_at IS NOT NULL)),
  CHECK ((status = 'sending') = (claimed_at IS NOT NULL))
);
CREATE INDEX notification_delivery_open_idx ON notification_delivery (channel, not_before)
  WHERE status IN ('pending', 'sending');
CREATE INDEX notification_delivery_recipient_idx
  ON notification_delivery (recipient_kind, recipient_ref, id);
