import type { Pool, PoolClient } from 'pg';
import type { RunInput, RunStatus } from '../../workflows/types';

type Queryable = Pick<PoolClient, 'query'>;

export interface RunRow {
  id: string;
  mapping_id: string;
  mapping_version: number;
  automation: string;
  user_id: string;
  trigger_message_id: string;
  trigger_event: string;
  input: RunInput<Record<string, unknown>>;
  status: 'pending' | 'running' | RunStatus;
  result: unknown;
  cancel_requested_at: Date | null;
  created_at: Date;
  started_at: Date | null;
  closed_at: Date | null;
}

export type NewRun = Pick<RunRow, 'id' | 'mapping_id' | 'mapping_version' | 'automation' | 'user_id' | 'trigger_message_id' | 'trigger_event' | 'input'>;

/** Records a run to start; false if this (mapping, trigger messageId) already has one. */
export async function insertRun(q: Queryable, r: NewRun): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO runs (id, mapping_id, mapping_version, automation, user_id, trigger_message_id, trigger_event, input)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
    [r.id, r.mapping_id, r.mapping_version, r.automation, r.user_id, r.trigger_message_id, r.trigger_event, r.input],
  );
  return rowCount === 1;
}

/**
 * Asks for the user's unfinished runs of these mappings to be canceled. Runs not
 * started yet are canceled here and now; the ids of running ones are returned,
 * for their workflows to be canceled.
 */
export async function requestCancel(q: Queryable, userId: string, mappingIds: string[]): Promise<string[]> {
  const rows = await cancelWhere(q, 'user_id = $1 AND mapping_id = ANY($2)', [userId, mappingIds]);
  return rows.filter((r) => r.status === 'running').map((r) => r.id);
}

/** The same for one run: its status after the request, or undefined if it had already ended. */
export async function requestRunCancel(q: Queryable, id: string): Promise<'canceled' | 'running' | undefined> {
  return (await cancelWhere(q, 'id = $1', [id]))[0]?.status;
}

async function cancelWhere(q: Queryable, where: string, values: unknown[]) {
  const { rows } = await q.query<{ id: string; status: 'canceled' | 'running' }>(
    `UPDATE runs SET cancel_requested_at = COALESCE(cancel_requested_at, now()),
       status = CASE WHEN status = 'pending' THEN 'canceled' ELSE status END,
       closed_at = CASE WHEN status = 'pending' THEN now() ELSE closed_at END
     WHERE ${where} AND status IN ('pending', 'running')
     RETURNING id, status`,
    values,
  );
  return rows;
}

export async function getRun(q: Queryable, id: string): Promise<RunRow | undefined> {
  return (await q.query<RunRow>('SELECT * FROM runs WHERE id = $1', [id])).rows[0];
}

/** Marks a run's workflow started; false when the run was canceled meanwhile (its workflow must be canceled too). */
export async function markStarted(q: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await q.query(`UPDATE runs SET status = 'running', started_at = now() WHERE id = $1 AND status = 'pending'`, [id]);
  return rowCount === 1;
}

/** Records how a run ended; a closed run listens to no more events. */
export async function closeRunRow(q: Queryable, id: string, status: RunStatus, result: unknown): Promise<void> {
  await q.query(
    `WITH interests AS (DELETE FROM run_event_interests WHERE run_id = $1), deliveries AS (DELETE FROM run_event_deliveries WHERE run_id = $1)
     UPDATE runs SET status = $2, result = $3, closed_at = COALESCE(closed_at, now()) WHERE id = $1 AND status IN ('pending', 'running')`,
    [id, status, result === undefined ? null : JSON.stringify(result)],
  );
}

/** Runs the sweep must act on: never started, or asked to cancel while running. */
export async function unfinishedRuns(q: Queryable, olderThanMs: number, limit = 200): Promise<Array<Pick<RunRow, 'id' | 'status'>>> {
  const { rows } = await q.query<Pick<RunRow, 'id' | 'status'>>(
    `SELECT id, status FROM runs
     WHERE (status = 'pending' OR (status = 'running' AND cancel_requested_at IS NOT NULL))
       AND created_at < now() - make_interval(secs => $1)
     ORDER BY created_at LIMIT $2`,
    [olderThanMs / 1000, limit],
  );
  return rows;
}

/** The newest runs matching the filter. */
export async function listRuns(pool: Pool, f: { userId?: string; status?: string; mappingId?: string; limit: number }): Promise<RunRow[]> {
  const { rows } = await pool.query<RunRow>(
    `SELECT * FROM runs
     WHERE ($1::text IS NULL OR user_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR mapping_id = $3)
     ORDER BY created_at DESC, id LIMIT $4`,
    [f.userId ?? null, f.status ?? null, f.mappingId ?? null, f.limit],
  );
  return rows;
}
