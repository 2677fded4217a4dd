import type { PoolClient, Pool } from 'pg';
import type { LogEntry } from '../ingest/entries';

/** For each entry, in order: its new log row, or `duplicate` when its messageId was already logged. */
export type StoredEvent = { duplicate: false; eventId: string } | { duplicate: true };

const COLUMNS = ['message_id', 'type', 'event', 'user_id', 'anonymous_id', 'status', 'error', 'note', 'payload'] as const;

function columnArrays(entries: LogEntry[]): unknown[][] {
  return [
    entries.map((e) => e.messageId),
    entries.map((e) => e.type),
    entries.map((e) => e.event),
    entries.map((e) => e.userId),
    entries.map((e) => e.anonymousId),
    entries.map((e) => e.status),
    entries.map((e) => e.error),
    entries.map((e) => e.note),
    entries.map((e) => e.payload),
  ];
}

const UNNEST = `unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[])
  AS t(${COLUMNS.join(', ')})`;

/**
 * Writes entries to the log in one statement per kind. The first entry for a
 * messageId not yet logged becomes its row; every other one (a redelivery, or
 * a repeat within the same batch) is logged as `duplicate` of that row.
 */
export async function insertEvents(client: PoolClient, entries: LogEntry[]): Promise<StoredEvent[]> {
  const first = new Map<string, number>();
  entries.forEach((e, i) => {
    if (!first.has(e.messageId)) first.set(e.messageId, i);
  });
  const candidates = [...first.values()].map((i) => entries[i]!);
  const inserted = await client.query<{ id: string; message_id: string }>(
    `INSERT INTO events (${COLUMNS.join(', ')}) SELECT * FROM ${UNNEST}
     ON CONFLICT (message_id) WHERE duplicate_of IS NULL DO NOTHING
     RETURNING id, message_id`,
    columnArrays(candidates),
  );
  const ids = new Map(inserted.rows.map((r) => [r.message_id, r.id]));
  const stored: StoredEvent[] = entries.map((e, i) => {
    const id = first.get(e.messageId) === i ? ids.get(e.messageId) : undefined;
    return id ? { duplicate: false, eventId: id } : { duplicate: true };
  });
  const repeats = entries.filter((_, i) => stored[i]!.duplicate);
  if (repeats.length > 0) {
    await client.query(
      `INSERT INTO events (${COLUMNS.join(', ')}, duplicate_of)
       SELECT t.message_id, t.type, t.event, t.user_id, t.anonymous_id, 'duplicate', NULL, NULL, t.payload, o.id
       FROM ${UNNEST}
       JOIN events o ON o.message_id = t.message_id AND o.duplicate_of IS NULL`,
      columnArrays(repeats),
    );
  }
  return stored;
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
