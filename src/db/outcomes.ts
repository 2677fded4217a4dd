import type { Pool, PoolClient } from 'pg';

type Queryable = Pick<PoolClient, 'query'>;

/** NOTIFY channel that wakes the outcome exporter. */
export const OUTCOMES_CHANNEL = 'homing_outcomes';

/** An outcome with everything its Segment event says. */
export interface OutcomeRow {
  id: string;
  status: string;
  segment_message_id: string;
  happened_at: Date;
  /** What the outcome adds to its event (a subscription change's channel, topic and source). */
  properties: Record<string, unknown>;
  user_id: string;
  anonymous: boolean | null;
  /** The message and its run; null for an outcome about the person (a subscription change). */
  message: MessageOutcomeFields | null;
}

export interface MessageOutcomeFields {
  message_id: string;
  channel: string;
  provider: string;
  template_id: string;
  template_version: number;
  reason: string | null;
  run_id: string;
  automation: string;
  mapping_id: string;
  trigger_event: string;
  trigger_message_id: string;
}

/**
 * Claims the oldest pending outcomes that nobody else holds, for `leaseMs`, in
 * one statement (no transaction stays open while they are sent): concurrent
 * exporters take different ones, and outcomes of an exporter that died before
 * marking them are claimed again once the lease ran out.
 */
export async function claimPendingOutcomes(q: Queryable, limit: number, leaseMs: number): Promise<OutcomeRow[]> {
  const { rows } = await q.query<OutcomeRow>(
    `WITH claimed AS (
       UPDATE outcomes SET claimed_until = now() + make_interval(secs => $2::float8 / 1000)
       WHERE id IN (
         SELECT id FROM outcomes WHERE state = 'pending' AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id, status, segment_message_id, happened_at, message_id, user_id, properties)
     SELECT o.id, o.status, o.segment_message_id, o.happened_at, o.properties, COALESCE(r.user_id, o.user_id) AS user_id, p.anonymous,
       CASE WHEN m.id IS NOT NULL THEN jsonb_build_object('message_id', m.id, 'channel', m.channel, 'provider', m.provider,
         'template_id', m.template_id, 'template_version', m.template_version, 'reason', m.reason, 'run_id', r.id, 'automation', r.automation,
         'mapping_id', r.mapping_id, 'trigger_event', r.trigger_event, 'trigger_message_id', r.trigger_message_id) END AS message
     FROM claimed o LEFT JOIN messages m ON m.id = o.message_id LEFT JOIN runs r ON r.id = m.run_id
       LEFT JOIN profiles p ON p.user_id = COALESCE(r.user_id, o.user_id)
     ORDER BY o.id`,
    [limit, leaseMs],
  );
  return rows;
}

/** Settles claimed outcomes (once: an outcome already settled by an exporter whose lease ran out stays as it is). */
export async function markOutcomes(q: Queryable, ids: string[], state: 'exported' | 'not-exported' | 'skipped'): Promise<void> {
  if (ids.length === 0) return;
  await q.query(
    `UPDATE outcomes SET state = $2, attempts = attempts + 1, claimed_until = NULL, last_error = NULL, exported_at = CASE WHEN $2 = 'exported' THEN now() END
     WHERE id = ANY($1) AND state = 'pending'`,
    [ids, state],
  );
}

/** Gives claimed outcomes back after a failed send, so the retry need not wait for the lease. */
export async function releaseOutcomes(q: Queryable, ids: string[], error: string): Promise<void> {
  if (ids.length === 0) return;
  await q.query(`UPDATE outcomes SET claimed_until = NULL, attempts = attempts + 1, last_error = $2 WHERE id = ANY($1) AND state = 'pending'`, [ids, error]);
}

/** Reports that a run's escalation was ignored end to end, on the run's last message sent. */
export async function recordIgnored(q: Queryable, runId: string): Promise<void> {
  await q.query(
    `WITH last AS (SELECT id FROM messages WHERE run_id = $1 AND status_times ? 'SENT' ORDER BY created_at DESC, id DESC LIMIT 1),
     reported AS (
       INSERT INTO outcomes (message_id, status, segment_message_id)
       SELECT id, 'IGNORED', outcome_segment_id(id, 'IGNORED') FROM last ON CONFLICT DO NOTHING RETURNING 1)
     SELECT pg_notify('${OUTCOMES_CHANNEL}', '') FROM reported`,
    [runId],
  );
}

export interface OutcomeView {
  status: string;
  segmentMessageId: string;
  state: 'pending' | 'exported' | 'not-exported' | 'skipped';
  exportedAt: Date | null;
}

export async function outcomesOf(pool: Pool, messageId: string): Promise<OutcomeView[]> {
  const { rows } = await pool.query<OutcomeView>(
    `SELECT status, segment_message_id AS "segmentMessageId", state, exported_at AS "exportedAt" FROM outcomes WHERE message_id = $1 ORDER BY id`,
    [messageId],
  );
  return rows;
}

const EXPORT_KEY = 'export';

export async function pendingOutcomeCount(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: number }>("SELECT count(*)::int AS n FROM outcomes WHERE state = 'pending'");
  return rows[0]!.n;
}

/** Which outcome statuses go to Segment (all by default). */
export async function exportedStatuses(q: Queryable, all: readonly string[]): Promise<string[]> {
  const { rows } = await q.query<{ value: { statuses: string[] } }>('SELECT value FROM settings WHERE key = $1', [EXPORT_KEY]);
  return rows[0]?.value.statuses ?? [...all];
}

export async function saveExportedStatuses(q: Queryable, statuses: string[]): Promise<void> {
  await q.query(
    `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
    [EXPORT_KEY, { statuses }],
  );
}
