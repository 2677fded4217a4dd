import type { PoolClient } from 'pg';
import type { RoutedEvent } from '../../workflows/types';

type Queryable = Pick<PoolClient, 'query'>;

/** Records which track events a new run listens to (in the transaction that records the run). */
export async function addEventInterests(q: Queryable, runId: string, userId: string, events: readonly string[]): Promise<void> {
  if (events.length === 0) return;
  await q.query(
    `INSERT INTO run_event_interests (user_id, event, run_id) SELECT $1, unnest($2::text[]), $3 ON CONFLICT DO NOTHING`,
    [userId, [...new Set(events)], runId],
  );
}

/**
 * Routes a track event to the user's unfinished runs that listen to it: a
 * delivery row each (none again for a redelivered event). Returns the runs it
 * was routed to, for their signals once the batch is committed.
 */
export async function routeEvent(q: Queryable, userId: string, event: RoutedEvent): Promise<string[]> {
  const { rows } = await q.query<{ run_id: string }>(
    `INSERT INTO run_event_deliveries (run_id, message_id, seq, event)
     SELECT i.run_id, $3, $4, $5 FROM run_event_interests i JOIN runs r ON r.id = i.run_id AND r.status IN ('pending', 'running')
     WHERE i.user_id = $1 AND i.event = $2
     ON CONFLICT DO NOTHING RETURNING run_id`,
    [userId, event.name, event.messageId, event.seq, event],
  );
  return rows.map((r) => r.run_id);
}

export async function eventDelivered(q: Queryable, runId: string, messageId: string): Promise<void> {
  await q.query('UPDATE run_event_deliveries SET delivered_at = now() WHERE run_id = $1 AND message_id = $2', [runId, messageId]);
}

/** Routed events not yet delivered to running runs, oldest first (for the sweep). */
export async function pendingEventDeliveries(q: Queryable, olderThanMs: number, limit = 200): Promise<Array<{ run_id: string; event: RoutedEvent }>> {
  const { rows } = await q.query<{ run_id: string; event: RoutedEvent }>(
    `SELECT d.run_id, d.event FROM run_event_deliveries d JOIN runs r ON r.id = d.run_id AND r.status = 'running'
     WHERE d.delivered_at IS NULL AND d.created_at < now() - make_interval(secs => $1)
     ORDER BY d.seq LIMIT $2`,
    [olderThanMs / 1000, limit],
  );
  return rows;
}
