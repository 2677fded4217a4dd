-- Message outcomes for Segment: one row per (message, status) change, exported at most once each.
CREATE TABLE outcomes (
  id                  bigserial PRIMARY KEY,
  message_id          text NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  -- A message status, or IGNORED: the run's whole escalation went without an open or click.
  status              text NOT NULL,
  -- Deterministic per (message, status), so Segment deduplicates a retried report.
  segment_message_id  text NOT NULL UNIQUE,
  happened_at         timestamptz NOT NULL DEFAULT now(),
  state               text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'exported', 'not-exported', 'skipped')),
  attempts            integer NOT NULL DEFAULT 0,
  last_error          text,
  exported_at         timestamptz
);
CREATE INDEX outcomes_pending_idx ON outcomes (id) WHERE state = 'pending';
CREATE INDEX outcomes_message_idx ON outcomes (message_id);

-- Small settings changed through the management API (e.g. which outcomes are exported).
CREATE TABLE settings (
  key         text PRIMARY KEY,
  value       jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The Segment messageId of an outcome: the same (message, status) always gives the same id.
CREATE FUNCTION outcome_segment_id(message_id text, status text) RETURNS text
  LANGUAGE sql IMMUTABLE AS $$ SELECT 'homing-' || message_id || '-' || lower(status) $$;
