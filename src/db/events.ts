import type { Pool } from 'pg';
import type { LogEntry } from '../ingest/entries';
import { OUTBOX_CHANNEL } from './outbox';

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
firsts AS (SELECT DISTINCT ON (message_id) * FROM input ORDER BY message_id, ord),
ins AS (
  INSERT INTO events (message_id, type, event, user_id, anonymous_id, status, error, note, payload)
  SELECT message_id, type, event, user_id, anonymous_id, status, error, note, payload FROM firsts ORDER BY ord
  ON CONFLICT (message_id) WHERE duplicate_of IS NULL DO NOTHING
  RETURNING id, message_id
),
logged AS (SELECT f.ord, f.message_id, f.shard, ins.id FROM firsts f JOIN ins USING (message_id)),
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
SELECT (SELECT coalesce(json_agg(json_build_array(ord, id::text)), '[]') FROM logged) AS logged,
       (SELECT count(*) FROM dups) AS duplicates,
       (SELECT count(*) FROM notified) AS notified`;

/** For each entry, in order: the id of its new log row, or undefined when it was logged as a duplicate. */
export async function storeEvents(pool: Pool, entries: LogEntry[]): Promise<Array<string | undefined>> {
  const column = <K extends keyof LogEntry>(key: K) => entries.map((e) => e[key]);
  const params = [
    column('messageId'), column('type'), column('event'), column('userId'), column('anonymousId'),
    column('status'), column('error'), column('note'), column('payload'), column('shard'), OUTBOX_CHANNEL,
  ];
  for (let attempt = 1; ; attempt++) {
    try {
      // Named, so each connection parses and plans this statement once, not per request.
      const { rows } = await pool.query<{ logged: Array<[number, string]> }>({ name: 'homing.store-events', text: STORE_SQL, values: params });
      const ids: Array<string | undefined> = new Array(entries.length).fill(undefined);
      for (const [ord, id] of rows[0]!.logged) ids[ord - 1] = id;
      return ids;
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

export async function listEvents(pool: Pool, f: EventFilter): Promise<EventRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replaceAll('?', `$${params.length}`));
  };
  if (f.status) add('status = ?', f.status);
  if (f.type) add('type = ?', f.type);
  if (f.userId) add('(user_id = ? OR anonymous_id = ?)', f.userId);
  if (f.event) add('event = ?', f.event);
  if (f.before) add('id < ?', f.before);
  params.push(f.limit);
  const sql = `SELECT * FROM events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`;
  return (await pool.query<EventRow>(sql, params)).rows;
}
