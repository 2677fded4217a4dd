-- Studio sign-ins. The cookie carries a random id; only its SHA-256 is stored, so a
-- leaked table does not sign anyone in. Fixed lifetime: expires_at is set at sign-in
-- and never extended. user_id stays NULL while the admin token is the only identity
-- (room for Studio users and roles later).
CREATE TABLE studio_sessions (
  id_hash     text PRIMARY KEY,
  csrf_token  text NOT NULL,
  user_id     text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL
);
CREATE INDEX studio_sessions_expires_idx ON studio_sessions (expires_at);

-- Read models of the Studio: the event log's filter by anonymousId (user_id, status and
-- type/event have theirs), runs started and the outcome funnel over a period. Events
-- received in a period are an id range (src/db/stats.ts): one index less on the ingest path.
CREATE INDEX events_anonymous_id_idx ON events (anonymous_id, id);
CREATE INDEX runs_created_idx ON runs (created_at);
CREATE INDEX messages_created_idx ON messages (created_at);
