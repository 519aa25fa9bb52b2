-- Fixed-window counters for rate limits (registration attempts per client now; sign-in codes
-- later): one row per bucket and window, incremented with an upsert so that every hub process
-- counts against the same number (hub.store.ratelimit).
CREATE TABLE rate_limit (
  bucket       text        NOT NULL CHECK (length(bucket) BETWEEN 1 AND 200),
  window_start timestamptz NOT NULL,
  hits         integer     NOT NULL CHECK (hits > 0),
  PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limit_window ON rate_limit (window_start);

-- Things a volunteer must be told through a channel only they hold (their phone), never in
-- the answer to whoever caused them: e.g. someone tried to register with their ID number.
-- Written in the transaction of the event; delivered by the notification channels.
CREATE TABLE owner_notice (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  volunteer_id bigint      NOT NULL REFERENCES volunteer (id),
  kind         text        NOT NULL CHECK (kind IN ('registration_attempt')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz
);
CREATE INDEX owner_notice_undelivered ON owner_notice (created_at) WHERE delivered_at IS NULL;
