/**
 * Turns what the automation bench collected (send times from the load
 * generator, DATA-accepted times from the SMTP receiver, timestamps Homing
 * wrote in Postgres) into latencies, a stage breakdown and where a backlog sat.
 * All clocks are this host's wall clock, read by different processes.
 */
import type { Pool } from 'pg';
import { summarize, type Summary } from './stats';

/** Where a run's time went, from the track's send to its email's acceptance. */
export const STAGES = [
  ['send → ingested', 'HTTP send → the ingest transaction (`events.received_at`)'],
  ['ingested → run recorded', 'outbox → shard drain → the apply transaction that records the run (`runs.created_at`)'],
  ['run recorded → start returned', 'commit, then the Temporal start call until `runs.started_at` (written after it returned)'],
  ['start returned → send activity', 'the first workflow task (handed back eagerly or through the task queue) runs the send (a local activity), until its message row (`messages.created_at`)'],
  ['send activity → SMTP begins', 'run, profile, template, render, tracking links (`messages.send_started_at`)'],
  ['SMTP begins → DATA accepted', 'nodemailer pool → the receiver answering 250'],
] as const;

export type StageName = (typeof STAGES)[number][0];

interface RunTimes {
  n: number;
  received: number;
  runCreated: number;
  runStarted: number;
  msgCreated: number;
  sendStarted: number;
}

/** Postgres timestamps of the runs of one phase (tracks `<prefix>-<n>`), ms since the epoch. */
export async function runTimes(pool: Pool, prefix: string): Promise<RunTimes[]> {
  const { rows } = await pool.query<{ message_id: string; received: string; run_created: string; run_started: string | null; msg_created: string | null; send_started: string | null }>(
    `SELECT r.trigger_message_id AS message_id,
       extract(epoch FROM e.received_at) * 1000 AS received, extract(epoch FROM r.created_at) * 1000 AS run_created,
       extract(epoch FROM r.started_at) * 1000 AS run_started, extract(epoch FROM m.created_at) * 1000 AS msg_created,
       extract(epoch FROM m.send_started_at) * 1000 AS send_started
     FROM runs r
     JOIN events e ON e.message_id = r.trigger_message_id AND e.duplicate_of IS NULL
     LEFT JOIN messages m ON m.run_id = r.id AND m.channel = 'email'
     WHERE r.trigger_message_id LIKE $1`,
    [`${prefix}-%`],
  );
  const num = (v: string | null) => (v === null ? NaN : Number(v));
  return rows.map((r) => ({
    n: Number(r.message_id.slice(prefix.length + 1)),
    received: num(r.received),
    runCreated: num(r.run_created),
    runStarted: num(r.run_started),
    msgCreated: num(r.msg_created),
    sendStarted: num(r.send_started),
  }));
}

export interface Joined {
  /** Track send → DATA accepted, per run whose email arrived. */
  latency: Summary;
  /** Tracks sent whose email did not arrive. */
  missing: number;
  stages: Record<StageName, Summary>;
}

export function join(sentAt: number[], accepted: Map<number, number>, times: RunTimes[]): Joined {
  const latency: number[] = [];
  for (const [n, at] of accepted) {
    const sent = sentAt[n];
    if (sent !== undefined && !Number.isNaN(sent)) latency.push(at - sent);
  }
  const parts: number[][] = STAGES.map(() => []);
  for (const t of times) {
    const sent = sentAt[t.n];
    const acc = accepted.get(t.n);
    if (sent === undefined || acc === undefined) continue;
    const points = [sent, t.received, t.runCreated, t.runStarted, t.msgCreated, t.sendStarted, acc];
    for (let i = 0; i < STAGES.length; i++) parts[i]!.push(points[i + 1]! - points[i]!);
  }
  const stages = Object.fromEntries(STAGES.map(([name], i) => [name, summarize(parts[i]!.filter((x) => !Number.isNaN(x)))])) as Record<StageName, Summary>;
  return { latency: summarize(latency), missing: sentAt.filter((t) => !Number.isNaN(t)).length - latency.length, stages };
}

/** Where the runs sent but not yet emailed were at wall-clock time `at`: the stage each had not finished. */
export function backlogAt(at: number, sentAt: number[], accepted: Map<number, number>, times: RunTimes[]): Record<string, number> {
  const where = { 'queued (not yet recorded as a run)': 0, 'recorded, start not returned': 0, 'started, email not accepted': 0 };
  const byN = new Map(times.map((t) => [t.n, t]));
  sentAt.forEach((sent, n) => {
    if (Number.isNaN(sent) || sent > at || (accepted.get(n) ?? Infinity) <= at) return;
    const t = byN.get(n);
    if (!t || !(t.runCreated <= at)) where['queued (not yet recorded as a run)']++;
    else if (!(t.runStarted <= at)) where['recorded, start not returned']++;
    else where['started, email not accepted']++;
  });
  return where;
}

/** The most events (e.g. emails accepted) in any `windowMs` window, per second. */
export function peakRate(times: Iterable<number>, windowMs = 5_000): number {
  const acc = [...times].filter((t) => !Number.isNaN(t)).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < acc.length; j++) {
    while (acc[j]! - acc[i]! > windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best / (windowMs / 1000);
}
