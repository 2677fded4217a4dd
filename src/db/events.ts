import type { Pool } from 'pg';
import type { LogEntry } from '../ingest/entries';
import { OUTBOX_CHANNEL } from './outbox';
import { whereClause } from './filter';

/**
 * Logs entries, queues the profile changes among them for their shards and
 * wakes the dispatcher, in ONE statement (so one round trip, atomic without
 * BEGIN/COMMIT). The first entry for a messageId not yet logged becomes its
 * row; every other one (a redelivery, or a repeat in the same batch) is logged
 * as `duplicate` of that row. Event and outbox ids follow the entries' order.
 */
const STORE_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::int[])
    WITH ORDINALITY AS t(message_id, type, event, user_id, anonymous_id, status, error, note, payload, shard, ord)
),
uniq AS (SELECT DISTINCT ON (message_id) * FROM input ORDER BY message_id, ord),
-- A track event is mapped if a published mapping starts a run for it, a goal
-- if one names it in cancelOn, and otherwise unmapped. An unmapped one is
-- queued only when runs can wait for it: its name is one that automations
-- declare ($12; their runs may not be recorded yet, as when the trigger is in
-- this same batch), or a run of its user listens for it (run_event_interests,
-- by the user's id or the profile it is an alias of; a run of an automation
-- no longer loaded).
routed AS (
  SELECT u.*, CASE WHEN u.type = 'track' THEN
                (SELECT CASE WHEN count(*) = 0 THEN NULL
                             WHEN bool_or(m.trigger_type = 'track' AND m.trigger_key = u.event) THEN 'mapped'
                             ELSE 'canceled-run' END
                 FROM mappings m
                 WHERE m.status = 'published' AND ((m.trigger_type = 'track' AND m.trigger_key = u.event) OR m.cancel_on @> ARRAY[u.event]))
              END AS track_status,
         u.type = 'track' AND (u.event = ANY($12::text[]) OR EXISTS (
           SELECT 1 FROM run_event_interests i
           WHERE i.event = u.event
             AND i.user_id IN (COALESCE(u.user_id, u.anonymous_id),
                               (SELECT a.user_id FROM profile_aliases a WHERE a.alias = COALESCE(u.user_id, u.anonymous_id)))
         )) AS listened
  FROM uniq u
),
firsts AS (
  SELECT ord, message_id, type, event, user_id, anonymous_id, error, note, payload,
    CASE WHEN type = 'track' AND status = 'unmapped' THEN COALESCE(track_status, 'unmapped') ELSE status END AS status,
    CASE WHEN type = 'track' AND track_status IS NULL AND NOT listened THEN NULL ELSE shard END AS shard
  FROM routed
),
ins AS (
  INSERT INTO events (message_id, type, event, user_id, anonymous_id, status, error, note, payload)
  SELECT message_id, type, event, user_id, anonymous_id, status, error, note, payload FROM firsts ORDER BY ord
  ON CONFLICT (message_id) WHERE duplicate_of IS NULL DO NOTHING
  RETURNING id, message_id
),
logged AS (SELECT f.ord, f.message_id, f.shard, f.status, ins.id FROM firsts f JOIN ins USING (message_id)),
queued AS (
  INSERT INTO outbox (shard, event_id) SELECT shard, id FROM logged WHERE shard IS NOT NULL ORDER BY id
  RETURNING shard
),
dups AS (
  INSERT INTO events (message_id, type, event, user_id, anonymous_id, status, payload, duplicate_of)
  SELECT t.message_id, t.type, t.event, t.user_id, t.anonymous_id, 'duplicate', t.payload,
    COALESCE((SELECT l.id FROM logged l WHERE l.message_id = t.message_id),
             (SELECT o.id FROM events o WHERE o.message_id = t.message_id AND o.duplicate_of IS NULL))
  FROM input t WHERE t.ord NOT IN (SELECT ord FROM logged)
  RETURNING 1
),
notified AS (SELECT pg_notify($11, string_agg(DISTINCT shard::text, ',')) FROM queued HAVING count(*) > 0)
SELECT (SELECT coalesce(json_agg(json_build_array(ord, id::text, status)), '[]') FROM logged) AS logged,
       (SELECT count(*) FROM dups) AS duplicates,
       (SELECT count(*) FROM notified) AS notified`;

export interface Stored {
  id: string;
  /** The status logged, which for track events depends on the published mappings. */
  status: string;
}

/**
 * For each entry, in order: its new log row, or undefined when it was logged
 * as a duplicate. `listened`: track event names automations can wait for.
 */
export async function storeEvents(pool: Pool, entries: LogEntry[], listened: readonly string[] = []): Promise<Array<Stored | undefined>> {
  const column = <K extends keyof LogEntry>(key: K) => entries.map((e) => e[key]);
  const params = [
    column('messageId'), column('type'), column('event'), column('userId'), column('anonymousId'),
    column('status'), column('error'), column('note'), column('payload'), column('shard'), OUTBOX_CHANNEL, listened,
  ];
  for (let attempt = 1; ; attempt++) {
    try {
      // Named, so each connection parses and plans this statement once, not per request.
      const { rows } = await pool.query<{ logged: Array<[number, string, string]> }>({ name: 'homing.store-events', text: STORE_SQL, values: params });
      const stored: Array<Stored | undefined> = new Array(entries.length).fill(undefined);
      for (const [ord, id, status] of rows[0]!.logged) stored[ord - 1] = { id, status };
      return stored;
    } catch (err) {
      // A concurrent request committed the same new messageId after this statement's snapshot was
      // taken, so its duplicate row found no original; run again and it will.
      if ((err as { code?: string }).code !== '23505' || attempt >= 3) throw err;
    }
  }
}

export interface EventFilter {
  status?: string;
  type?: string;
  userId?: string;
  event?: string;
  /** Return rows with id below this one (newest first). */
  before?: string;
  limit: number;
}

export interface EventRow {
  id: string;
  message_id: string;
  type: string;
  event: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  status: string;
  error: string | null;
  note: string | null;
  payload: Record<string, unknown>;
  received_at: Date;
  applied_at: Date | null;
  duplicate_of: string | null;
}

/** The event log's query, newest first; each filter has an index (its plan is checked in studio-stats.test.ts). */
export function eventsQuery(f: EventFilter): { text: string; values: unknown[] } {
  const { where, params } = whereClause([
    ['status = ?', f.status],
    ['type = ?', f.type],
    ['(user_id = ? OR anonymous_id = ?)', f.userId],
    // Only track events have a name: this way the (type, event, id) index serves the filter alone too.
    ["(type = 'track' AND event = ?)", f.event],
    ['id < ?', f.before],
  ]);
  return { text: `SELECT * FROM events ${where} ORDER BY id DESC LIMIT $${params.length + 1}`, values: [...params, f.limit] };
}

export async function listEvents(pool: Pool, f: EventFilter): Promise<EventRow[]> {
  return (await pool.query<EventRow>(eventsQuery(f))).rows;
}

/**
 * Events received, not counting redeliveries, up to `cap`: counting a whole
 * log of a million events takes ~0.5 s, too slow for a screen that polls.
 */
export async function countEvents(pool: Pool, cap: number): Promise<number> {
  const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM (SELECT FROM events WHERE duplicate_of IS NULL LIMIT $1) e', [cap]);
  return rows[0]!.n;
}
