-- Message templates: one editable draft, and immutable published versions that runs pin.
CREATE TABLE templates (
  id                 text PRIMARY KEY,
  name               text NOT NULL,
  channel            text NOT NULL CHECK (channel IN ('email', 'sms')),
  draft              jsonb NOT NULL,
  published_version  integer,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE template_versions (
  template_id   text NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
  version       integer NOT NULL,
  content       jsonb NOT NULL,
  published_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (template_id, version)
);

-- Trigger → automation. Every change makes a new version; runs keep the version they started with.
CREATE TABLE mappings (
  id            text PRIMARY KEY,
  name          text NOT NULL,
  status        text NOT NULL CHECK (status IN ('draft', 'published')),
  version       integer NOT NULL,
  trigger_type  text NOT NULL CHECK (trigger_type IN ('track', 'identify', 'audience')),
  -- The track event name or the audience key; NULL for first identify.
  trigger_key   text,
  automation    text NOT NULL,
  params        jsonb NOT NULL,
  cancel_on     text[] NOT NULL DEFAULT '{}',
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mappings_trigger_idx ON mappings (trigger_type, trigger_key) WHERE status = 'published';
CREATE INDEX mappings_cancel_on_idx ON mappings USING gin (cancel_on) WHERE status = 'published';

CREATE TABLE mapping_versions (
  mapping_id  text NOT NULL,
  version     integer NOT NULL,
  definition  jsonb NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mapping_id, version)
);

-- One run per (mapping, triggering messageId). `pending` until its workflow is started.
CREATE TABLE runs (
  id                   text PRIMARY KEY,
  mapping_id           text NOT NULL,
  mapping_version      integer NOT NULL,
  automation           text NOT NULL,
  user_id              text NOT NULL,
  trigger_message_id   text NOT NULL,
  trigger_event        text NOT NULL,
  input                jsonb NOT NULL,
  status               text NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'running', 'completed', 'canceled', 'failed')),
  result               jsonb,
  cancel_requested_at  timestamptz,
  created_at           timestamptz NOT NULL DEFAULT now(),
  started_at           timestamptz,
  closed_at            timestamptz,
  UNIQUE (mapping_id, trigger_message_id)
);
CREATE INDEX runs_user_idx ON runs (user_id, created_at);
CREATE INDEX runs_status_idx ON runs (status, created_at);
CREATE INDEX runs_unfinished_idx ON runs (created_at) WHERE status = 'pending' OR (status = 'running' AND cancel_requested_at IS NOT NULL);

-- A message a run sends: id derived from run and step, so it doubles as the send's idempotency key.
CREATE TABLE messages (
  id                   text PRIMARY KEY,
  run_id               text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  step                 text NOT NULL,
  user_id              text NOT NULL,
  channel              text NOT NULL CHECK (channel IN ('email', 'sms')),
  provider             text NOT NULL,
  template_id          text NOT NULL,
  template_version     integer NOT NULL,
  recipient            text,
  content              jsonb,
  links                jsonb NOT NULL DEFAULT '[]',
  status               text NOT NULL,
  reason               text,
  provider_message_id  text,
  -- Set just before the provider is called: a retry that finds it set knows a send may have happened.
  send_started_at      timestamptz,
  status_times         jsonb NOT NULL DEFAULT '{}',
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, step)
);
CREATE INDEX messages_user_idx ON messages (user_id, created_at);
CREATE INDEX messages_provider_idx ON messages (provider, provider_message_id);

-- The timeline of a message: every status change and engagement, with its source.
CREATE TABLE message_events (
  id           bigserial PRIMARY KEY,
  message_id   text NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
  kind         text NOT NULL,
  source       text NOT NULL,
  detail       jsonb NOT NULL DEFAULT '{}',
  -- Identifies a repeat of the same happening (a second pixel hit, a redelivered webhook).
  dedupe_key   text NOT NULL,
  at           timestamptz NOT NULL DEFAULT now(),
  -- Engagement not yet delivered to its run as a signal.
  signal_pending boolean NOT NULL DEFAULT false,
  UNIQUE (message_id, dedupe_key)
);
CREATE INDEX message_events_signal_idx ON message_events (at) WHERE signal_pending;

-- What the `mailbox` providers "sent": kept for /api/mailbox.
CREATE TABLE mailbox (
  id          bigserial PRIMARY KEY,
  message_id  text NOT NULL UNIQUE,
  channel     text NOT NULL,
  recipient   text NOT NULL,
  sender      text,
  subject     text,
  html        text,
  text        text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
