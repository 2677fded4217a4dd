-- The inbound event log: every Segment event Homing received, once per messageId,
-- plus one row per redelivery (duplicate_of points at the original).
CREATE TABLE events (
  id            bigserial PRIMARY KEY,
  message_id    text NOT NULL,
  type          text NOT NULL,
  event         text,
  user_id       text,
  anonymous_id  text,
  status        text NOT NULL,
  error         text,
  note          text,
  payload       jsonb NOT NULL,
  received_at   timestamptz NOT NULL DEFAULT now(),
  applied_at    timestamptz,
  duplicate_of  bigint REFERENCES events (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX events_message_id_key ON events (message_id) WHERE duplicate_of IS NULL;
CREATE INDEX events_user_id_idx ON events (user_id, id);
CREATE INDEX events_status_idx ON events (status, id);
CREATE INDEX events_type_event_idx ON events (type, event, id);

-- Work for the per-shard Temporal workflows: profile changes, applied in id order per shard.
CREATE TABLE outbox (
  id        bigserial PRIMARY KEY,
  shard     smallint NOT NULL,
  event_id  bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE
);
CREATE INDEX outbox_shard_idx ON outbox (shard, id);

-- user_id is the Segment userId, or the anonymousId while no userId is known.
CREATE TABLE profiles (
  user_id     text PRIMARY KEY,
  anonymous   boolean NOT NULL DEFAULT false,
  traits      jsonb NOT NULL DEFAULT '{}',
  audiences   jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Other ids (anonymousIds, alias previousIds) that lead to a profile.
CREATE TABLE profile_aliases (
  alias       text PRIMARY KEY,
  user_id     text NOT NULL REFERENCES profiles (user_id) ON DELETE CASCADE ON UPDATE CASCADE,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX profile_aliases_user_idx ON profile_aliases (user_id);

CREATE TABLE groups (
  group_id    text PRIMARY KEY,
  traits      jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE group_members (
  group_id   text NOT NULL REFERENCES groups (group_id) ON DELETE CASCADE,
  user_id    text NOT NULL REFERENCES profiles (user_id) ON DELETE CASCADE ON UPDATE CASCADE,
  joined_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_idx ON group_members (user_id);
