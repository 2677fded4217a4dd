import type { PoolClient } from 'pg';

export const OUTBOX_CHANNEL = 'homing_outbox';

export interface OutboxItem {
  outboxId: string;
  eventId: string;
  type: string;
  payload: Record<string, unknown>;
}

/**
 * Locks a shard for this transaction and reads its oldest queued events. The
 * lock (not SKIP LOCKED) keeps a shard strictly ordered even if a retried
 * activity overlaps a slow earlier attempt.
 */
export async function takeBatch(client: PoolClient, shard: number, limit: number): Promise<OutboxItem[]> {
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1), $2::int)', ['homing.outbox', shard]);
  const { rows } = await client.query<OutboxItem>(
    `SELECT o.id AS "outboxId", e.id AS "eventId", e.type, e.payload
     FROM outbox o JOIN events e ON e.id = o.event_id
     WHERE o.shard = $1 ORDER BY o.id LIMIT $2`,
    [shard, limit],
  );
  return rows;
}

/** Marks a batch done: its outbox rows go, its events get `applied_at`. */
export async function completeBatch(client: PoolClient, items: OutboxItem[]): Promise<void> {
  await client.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [items.map((i) => i.outboxId)]);
  // An event that failed (and was marked with its error) is done but not applied.
  await client.query('UPDATE events SET applied_at = now() WHERE id = ANY($1::bigint[]) AND error IS NULL', [items.map((i) => i.eventId)]);
}

export async function pendingShards(client: { query: PoolClient['query'] }): Promise<number[]> {
  const { rows } = await client.query<{ shard: number }>('SELECT DISTINCT shard FROM outbox');
  return rows.map((r) => r.shard);
}

/** True while an event of this id (as userId or anonymousId) is queued and not yet applied. */
export async function hasQueuedEvents(client: { query: PoolClient['query'] }, id: string): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM outbox o JOIN events e ON e.id = o.event_id
     WHERE e.user_id = $1 OR e.anonymous_id = $1 LIMIT 1`,
    [id],
  );
  return rows.length > 0;
}

export async function queuedEventCount(client: { query: PoolClient['query'] }): Promise<number> {
  const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox');
  return rows[0]!.n;
}
