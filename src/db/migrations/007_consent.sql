-- Consent: what people agreed to receive, who may never be sent to, and how
-- many marketing messages a person got lately. Every send reads these (one
-- statement, src/consent/send-check.ts).

-- Subscription topics (e.g. product-updates) and what a person who never said
-- otherwise gets: opted-in, opted-out, or required (opt-outs do not apply).
CREATE TABLE topics (
  id              text PRIMARY KEY,
  name            text NOT NULL,
  description     text NOT NULL DEFAULT '',
  default_status  text NOT NULL CHECK (default_status IN ('opted-in', 'opted-out', 'required')),
  -- Caps on this topic's messages: [{channel, limit, seconds}].
  frequency_caps  jsonb NOT NULL DEFAULT '[]',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- A person's current choice per channel and topic; topic '' is the channel's
-- marketing as a whole (the global marketing opt-out of that channel).
CREATE TABLE preferences (
  user_id     text NOT NULL,
  channel     text NOT NULL,
  topic       text NOT NULL,
  subscribed  boolean NOT NULL,
  source      text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, channel, topic)
);

-- Every change of a preference, kept: what, when, from where, and the evidence
-- (the Segment messageId, the page request's IP and user agent, the provider event).
CREATE TABLE consent_changes (
  id          bigserial PRIMARY KEY,
  user_id     text NOT NULL,
  channel     text NOT NULL,
  topic       text NOT NULL,
  subscribed  boolean NOT NULL,
  source      text NOT NULL,
  evidence    jsonb NOT NULL DEFAULT '{}',
  at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_changes_user_idx ON consent_changes (user_id, id);

-- Addresses never sent to (any message, transactional too) until lifted.
CREATE TABLE suppressions (
  channel     text NOT NULL,
  address     text NOT NULL,
  reason      text NOT NULL,
  source      text NOT NULL,
  evidence    jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  lifted_at   timestamptz,
  lifted_by   text,
  PRIMARY KEY (channel, address)
);

-- The marketing messages a person got on a channel lately ([{m, t, at}]: message,
-- topic, epoch seconds), one row per person and channel: a cap is decided on
-- this row under its lock, so concurrent runs cannot both slip under it.
CREATE TABLE frequency_ledgers (
  user_id  text NOT NULL,
  channel  text NOT NULL,
  sends    jsonb NOT NULL,
  PRIMARY KEY (user_id, channel)
);

-- A mapping's category, topic and sending hours ({} for one made before: transactional).
ALTER TABLE mappings ADD COLUMN consent jsonb NOT NULL DEFAULT '{}';

-- An SMS opt-out (STOP) names a phone number: the people Homing sent to at it.
CREATE INDEX messages_recipient_idx ON messages (channel, recipient) WHERE recipient IS NOT NULL;

-- Outcomes that are not about one message (a subscription change) name their
-- person; `properties` adds to the Segment event (an engagement's classification).
ALTER TABLE outcomes ALTER COLUMN message_id DROP NOT NULL;
ALTER TABLE outcomes ADD COLUMN user_id text;
ALTER TABLE outcomes ADD COLUMN properties jsonb NOT NULL DEFAULT '{}';
ALTER TABLE outcomes ADD CONSTRAINT outcomes_subject_check CHECK (message_id IS NOT NULL OR user_id IS NOT NULL);

-- What the mailbox provider keeps of an email's extra headers (List-Unsubscribe).
ALTER TABLE mailbox ADD COLUMN headers jsonb NOT NULL DEFAULT '{}';
