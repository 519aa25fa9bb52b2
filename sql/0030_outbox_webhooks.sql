-- Issue 15.2-15.4: the outbox, the in-app inbox and partner webhooks (docs/notifications.md).
--
-- 1. The outbox. Every event worth telling someone is a row here, written by the service in
--    the SAME transaction as the change that causes it (hub.services.outbox.record): a
--    rollback leaves no row, a commit leaves one that the relay (a periodic job,
--    hub.services.outbox.relay) hands to the delivery jobs and marks `relayed_at`, in one
--    transaction with the deferred jobs. `recipients` lists who is told: objects
--    {"kind": volunteer|account|station|organization|region, "id": "<id or region code>"}.
--    `once_key`: an event that must be recorded once only (a reminder: "reminder_24h:dispatch:7").
CREATE TABLE outbox_event (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind         text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{1,47}$'),
  subject_kind text NOT NULL CHECK (subject_kind ~ '^[a-z][a-z_]{1,31}$'),
  subject_id   bigint NOT NULL,
  region_code  text CHECK (region_code ~ '^[1-9][0-9]{11}$'),
  recipients   jsonb NOT NULL DEFAULT '[]'
               CHECK (jsonb_typeof(recipients) = 'array' AND jsonb_array_length(recipients) <= 500),
  payload      jsonb NOT NULL DEFAULT '{}'
               CHECK (jsonb_typeof(payload) = 'object' AND length(payload::text) <= 8000),
  once_key     text UNIQUE CHECK (char_length(once_key) BETWEEN 1 AND 200),
  created_at   timestamptz NOT NULL DEFAULT now(),
  relayed_at   timestamptz
);
CREATE INDEX outbox_event_unrelayed_idx ON outbox_event (id) WHERE relayed_at IS NULL;
CREATE INDEX outbox_event_subject_idx ON outbox_event (subject_kind, subject_id, id);

-- A new row wakes the relay at commit (it also polls every second).
CREATE FUNCTION hub_outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hub_outbox', NEW.id::text);
  RETURN NULL;
END $$;
CREATE TRIGGER outbox_event_notify AFTER INSERT ON outbox_event
  FOR EACH ROW EXECUTE FUNCTION hub_outbox_notify();

-- 2. The in-app inbox: one row per event and addressee, written by the inbox channel when the
--    event is delivered (idempotent: unique per event and addressee). An addressee is a person
--    (volunteer, account) or a desk shared by several people (a station's staff, an
--    organisation's admins, a region's dispatchers); who has read it is kept per reader (the
--    token's role and sub), so one dispatcher reading does not mark it read for the others.
CREATE TABLE notification (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  event_id        bigint NOT NULL REFERENCES outbox_event (id) ON DELETE CASCADE,
  recipient_kind  text NOT NULL
                  CHECK (recipient_kind IN ('volunteer', 'account', 'station', 'organization',
                                            'region')),
  recipient_ref   text NOT NULL CHECK (recipient_ref ~ '^[0-9]{1,20}$'),
  created_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, recipient_kind, recipient_ref)
);
CREATE INDEX notification_recipient_idx ON notification (recipient_kind, recipient_ref, id);

CREATE TABLE notification_read (
  notification_id bigint NOT NULL REFERENCES notification (id) ON DELETE CASCADE,
  reader          text NOT NULL CHECK (char_length(reader) BETWEEN 1 AND 300),
  read_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (reader, notification_id)
);

-- A new inbox row is announced at commit to the servers' subscriptions (notificationReceived).
CREATE FUNCTION hub_notification_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hub_notification', json_build_object(
    'id', NEW.id, 'kind', NEW.recipient_kind, 'ref', NEW.recipient_ref)::text);
  RETURN NULL;
END $$;
CREATE TRIGGER notification_notify AFTER INSERT ON notification
  FOR EACH ROW EXECUTE FUNCTION hub_notification_notify();

-- A region code's prefix shared by every division beneath it (hub.auth.ids.region_prefix):
-- 410000000000 -> 41, 410100000000 -> 4101, 410102000000 -> 410102, a village all 12 digits.
CREATE FUNCTION hub_region_prefix(code text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN substr(code, 3) ~ '^0*$' THEN left(code, 2)
              WHEN substr(code, 5) ~ '^0*$' THEN left(code, 4)
              WHEN substr(code, 7) ~ '^0*$' THEN left(code, 6)
              WHEN substr(code, 10) ~ '^0*$' THEN left(code, 9)
              ELSE code END
$$;

-- 3. Partner webhooks. A partner (the token's sub, role partner) may receive the event kinds
--    and regions of its contract (set by an admin); it registers endpoints for kinds within
--    it. The secret signs each delivery (HMAC-SHA256); it is shown once, at registration.
CREATE TABLE partner_contract (
  partner     text PRIMARY KEY CHECK (char_length(partner) BETWEEN 1 AND 300),
  kinds       text[] NOT NULL CHECK (cardinality(kinds) <= 100),
  regions     text[] NOT NULL CHECK (cardinality(regions) BETWEEN 1 AND 100),
  updated_by  text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  partner     text NOT NULL CHECK (char_length(partner) BETWEEN 1 AND 300),
  url         text NOT NULL CHECK (char_length(url) BETWEEN 8 AND 2000),
  kinds       text[] NOT NULL CHECK (cardinality(kinds) BETWEEN 1 AND 100),
  regions     text[] NOT NULL CHECK (cardinality(regions) BETWEEN 1 AND 100),
  secret      text NOT NULL CHECK (char_length(secret) BETWEEN 32 AND 200),
  active      boolean NOT NULL DEFAULT true,
  description text NOT NULL DEFAULT '' CHECK (char_length(description) <= 200),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  deleted_at  timestamptz
);
CREATE INDEX webhook_partner_idx ON webhook (partner, id) WHERE deleted_at IS NULL;
CREATE INDEX webhook_kinds_idx ON webhook USING gin (kinds) WHERE deleted_at IS NULL AND active;

-- One delivery of one event to one webhook (a replay is a new row, `replay_of` the first).
-- `queued_at`: when the relay deferred its job (NULL: the relay will, within a second; so a
-- replay, made by a request, is queued by the relay like any other delivery).
CREATE TABLE webhook_delivery (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  webhook_id   bigint NOT NULL REFERENCES webhook (id),
  event_id     bigint NOT NULL REFERENCES outbox_event (id),
  replay_of    bigint REFERENCES webhook_delivery (id),
  status       text NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_code    integer,
  last_error   text CHECK (char_length(last_error) <= 1000),
  created_at   timestamptz NOT NULL DEFAULT now(),
  queued_at    timestamptz,
  finished_at  timestamptz,
  CHECK ((status = 'pending') = (finished_at IS NULL))
);
CREATE UNIQUE INDEX webhook_delivery_once ON webhook_delivery (webhook_id, event_id)
  WHERE replay_of IS NULL;
CREATE INDEX webhook_delivery_webhook_idx ON webhook_delivery (webhook_id, id);
CREATE INDEX webhook_delivery_unqueued_idx ON webhook_delivery (id) WHERE queued_at IS NULL;
