import type { Pool } from 'pg';

/** A period [from, to). */
export interface Period {
  from: Date;
  to: Date;
}

/**
 * Events received (redeliveries not counted) and runs started in the period.
 * Events are numbered in the order they are received (ingest transactions
 * running at once can straddle a bound by a few), so the period is an id
 * range, found by walking the primary key back from the newest event to the
 * first one before each bound: no index on received_at, which every ingested
 * event would pay for.
 */
export async function overview(pool: Pool, p: Period): Promise<{ eventsReceived: number; runsStarted: number }> {
  const { rows } = await pool.query<{ events: string; runs: string }>(
    `WITH bounds AS (
       SELECT COALESCE((SELECT id FROM events WHERE received_at < $1 ORDER BY id DESC LIMIT 1), 0) AS after,
              COALESCE((SELECT id FROM events WHERE received_at < $2 ORDER BY id DESC LIMIT 1), 0) AS upto)
     SELECT (SELECT count(*) FROM events, bounds WHERE id > after AND id <= upto AND duplicate_of IS NULL) AS events,
            (SELECT count(*) FROM runs WHERE created_at >= $1 AND created_at < $2) AS runs`,
    [p.from, p.to],
  );
  return { eventsReceived: Number(rows[0]!.events), runsStarted: Number(rows[0]!.runs) };
}

export interface FunnelRow {
  automation: string;
  mapping: string;
  template: string;
  channel: string;
  sent: number;
  delivered: number;
  opened: number;
  clicked: number;
  undeliverable: number;
}

/**
 * The outcome funnel of the messages created in the period, from the statuses
 * each one reached (messages.status_times). A stage counts the messages that
 * reached it or a later one: a click is an open, an open proves delivery, even
 * when the provider never reported it (SMTP and the mailbox report no delivery).
 */
export function funnelQuery(p: Period): { text: string; values: unknown[] } {
  const reached = (...statuses: string[]) => `count(*) FILTER (WHERE m.status_times ?| ARRAY[${statuses.map((s) => `'${s}'`).join(', ')}])::int`;
  return {
    text: `SELECT r.automation, r.mapping_id AS mapping, m.template_id AS template, m.channel,
              ${reached('SENT', 'DELIVERED', 'OPENED', 'CLICKED')} AS sent,
              ${reached('DELIVERED', 'OPENED', 'CLICKED')} AS delivered,
              ${reached('OPENED', 'CLICKED')} AS opened,
              ${reached('CLICKED')} AS clicked,
              ${reached('UNDELIVERABLE')} AS undeliverable
           FROM messages m JOIN runs r ON r.id = m.run_id
           WHERE m.created_at >= $1 AND m.created_at < $2
           GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`,
    values: [p.from, p.to],
  };
}

export async function funnel(pool: Pool, p: Period): Promise<FunnelRow[]> {
  return (await pool.query<FunnelRow>(funnelQuery(p))).rows;
}
