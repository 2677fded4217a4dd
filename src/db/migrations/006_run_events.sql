-- The track events each unfinished run can wait for (its automation's declared
-- `events` and `exitOn`), recorded with the run, so ingest routes an event only
-- to runs that want it: one index probe per track event, no Temporal call.
CREATE TABLE run_event_interests (
  user_id text NOT NULL,
  event   text NOT NULL,
  run_id  text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, event, run_id)
);
CREATE INDEX run_event_interests_run_id ON run_event_interests (run_id);

-- Events routed to a run, until its workflow has them (a signal; the sweep retries).
-- One row per (run, event messageId): a redelivered event is delivered once.
CREATE TABLE run_event_deliveries (
  run_id       text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  message_id   text NOT NULL,
  -- events.id: the order Homing received the events in.
  seq          bigint NOT NULL,
  event        jsonb NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  delivered_at timestamptz,
  PRIMARY KEY (run_id, message_id)
);
CREATE INDEX run_event_deliveries_pending ON run_event_deliveries (created_at) WHERE delivered_at IS NULL;
