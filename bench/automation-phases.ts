/**
 * The automation part's measured phases against Homing: a burst of runs that
 * park in their 24 h wait, and open-loop streams of mapped tracks.
 */
import type { Pool } from 'pg';
import type { Client } from '@temporalio/client';
import type { CpuUse } from './cpu';
import type { Measure } from './measure';
import type { StatementCounts } from './pg-statements';
import { runWork, type RunWork } from './run-work';
import type { AutomationLoadResult, AutomationLoadSpec } from './protocol';
import type { SmtpReceiver } from './automation-setup';
import { backlogAt, join, peakRate, runTimes, type Joined } from './automation-analysis';
import { treeRssMiB } from './memory';
import { countersDelta, workerState, type RunCounters } from './worker-probe';

export interface PhaseContext {
  pool: Pool;
  receiver: SmtpReceiver;
  load(spec: AutomationLoadSpec): Promise<AutomationLoadResult>;
  /** CPU of the bench's process groups (and Homing's event-loop delay) while fn runs. */
  measured: Measure;
  temporalPid: number | undefined;
  /** Reads the runs' histories. */
  temporal: Client;
  /** Homing's counters so far, wherever its processes run. */
  counters(): Promise<HomingCounters>;
}

/** Homing's start calls (and eager starts) and the dispatcher's shard wake-ups (signalWithStart). */
export type HomingCounters = RunCounters & { wakeUps: number };

const delta = (a: HomingCounters, b: HomingCounters): HomingCounters => ({ ...countersDelta(a, b), wakeUps: b.wakeUps - a.wakeUps });

/** What Temporal and Postgres did per run in a phase: histories of a sample, wake-ups, statements. */
export interface PhaseWork {
  work?: RunWork;
  /** The dispatcher's signalWithStart calls (shard wake-ups) during the phase. */
  wakeUps: number;
  statements?: StatementCounts;
}

/** The workflow ids (run ids) of a phase's runs. */
export async function runIds(pool: Pool, prefix: string): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>('SELECT id FROM runs WHERE trigger_message_id LIKE $1 ORDER BY created_at', [`${prefix}-%`]);
  return rows.map((r) => r.id);
}

/** CPU snapshots during a phase this often (see cpuUseOver). */
export const CPU_SAMPLE_MS = 1_000;

export type LoadSummary = Omit<AutomationLoadResult, 'sentAt'>;
const summary = ({ sentAt: _omit, ...rest }: AutomationLoadResult): LoadSummary => rest;
const sleep = (t: number) => new Promise((r) => setTimeout(r, t));
const min = (xs: number[]) => xs.reduce((a, b) => Math.min(a, b), Infinity);
const max = (xs: number[]) => xs.reduce((a, b) => Math.max(a, b), -Infinity);

async function statusCounts(pool: Pool, sql: string, prefix: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: string }>(sql, [`${prefix}-%`]);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

/**
 * Until the worker has no workflow task or send in hand (the shard drains' activities aside); at once when
 * the worker runs in other processes (the bench cannot see inside them).
 */
export async function workerSettled(timeoutMs: number): Promise<void> {
  if (!workerState()) return;
  const until = Date.now() + timeoutMs;
  for (let quiet = 0; quiet < 3 && Date.now() < until; await sleep(500)) {
    const w = workerState();
    quiet = w && w.numInFlightWorkflowActivations === 0 && w.numInFlightActivities <= 8 ? quiet + 1 : 0;
  }
}

export interface ParkPhase {
  runs: number;
  load: LoadSummary;
  accepted: number;
  duplicates: number;
  /** First send → last email accepted. */
  allAcceptedMs: number;
  /** First send → the worker idle (every run's workflow task after its send done: it waits in its timer). */
  parkedMs: number;
  meanRate: number;
  peakRate5s: number;
  runStatuses: Record<string, number>;
  messageStatuses: Record<string, number>;
  peakHomingRssMiB: number;
  peakTemporalRssMiB: number;
  cpu: CpuUse;
  counters: HomingCounters;
  work: PhaseWork;
}

/** Tracks for `runs` runs in a few batched requests, then until every email is accepted and the worker is idle. */
export async function parkPhase(ctx: PhaseContext, spec: AutomationLoadSpec, timeoutMs: number): Promise<ParkPhase> {
  const { pool, receiver } = ctx;
  let peakHomingRss = 0;
  let peakTemporalRss = 0;
  const begin = Date.now();
  const s0 = await ctx.counters();
  const { result, cpu, statements } = await ctx.measured(async () => {
    // Until the load generator reports, every track is expected to be mapped; then the ones it saw mapped.
    let expected = spec.count;
    const sending = ctx.load(spec).then((r) => {
      expected = r.statuses.mapped ?? 0;
      return r;
    });
    const until = Date.now() + timeoutMs;
    for (let count = 0; count < expected && Date.now() < until; await sleep(1_000)) {
      count = (await receiver.count(spec.prefix)).count;
      peakHomingRss = Math.max(peakHomingRss, process.memoryUsage.rss() / 1024 ** 2);
      peakTemporalRss = Math.max(peakTemporalRss, treeRssMiB(ctx.temporalPid));
    }
    return sending;
  }, CPU_SAMPLE_MS);
  const collected = await receiver.collect(spec.prefix);
  const accepted = (collected.accepted ?? []).map(([, at]) => at);
  await workerSettled(60_000);
  const parkedMs = Date.now() - begin;
  const counters = delta(s0, await ctx.counters());
  const allAcceptedMs = max(accepted) - min(result.sentAt);
  return {
    runs: spec.count,
    load: summary(result),
    accepted: accepted.length,
    duplicates: collected.duplicates,
    allAcceptedMs,
    parkedMs,
    meanRate: accepted.length / Math.max(0.001, allAcceptedMs / 1000),
    peakRate5s: peakRate(accepted),
    runStatuses: await statusCounts(pool, `SELECT status, count(*) AS n FROM runs WHERE trigger_message_id LIKE $1 GROUP BY status`, spec.prefix),
    messageStatuses: await statusCounts(
      pool,
      `SELECT m.status, count(*) AS n FROM messages m JOIN runs r ON r.id = m.run_id WHERE r.trigger_message_id LIKE $1 GROUP BY m.status`,
      spec.prefix,
    ),
    peakHomingRssMiB: peakHomingRss,
    peakTemporalRssMiB: peakTemporalRss,
    cpu,
    counters,
    work: { work: await runWork(ctx.temporal, await runIds(pool, spec.prefix)), wakeUps: counters.wakeUps, statements },
  };
}

/** One open-loop stream of mapped tracks and the emails it produced. */
export interface TrackPhase {
  rate: number;
  load: LoadSummary;
  accepted: number;
  duplicates: number;
  /** Last send → last acceptance. */
  tailMs: number;
  joined: Joined;
  /** At the last send: tracks sent whose email was not accepted yet, and where they were. */
  backlogAtEnd: number;
  backlogWhere: Record<string, number>;
  /** Emails accepted per second over the second half of the sending (the steady state, if there is one). */
  acceptedRate: number;
  keptUp: boolean;
  cpu: CpuUse;
  counters: HomingCounters;
  work: PhaseWork;
}

/**
 * Tracks at `spec.rate` per second, then until their emails are accepted (at
 * most `drainTimeoutMs`). Kept up: every email arrived, and at the last send at
 * most `keptUpSeconds` of offered tracks were still without theirs.
 */
export async function trackPhase(ctx: PhaseContext, spec: AutomationLoadSpec, drainTimeoutMs: number, keptUpSeconds: number): Promise<TrackPhase> {
  const { receiver } = ctx;
  const s0 = await ctx.counters();
  const { result, cpu, statements } = await ctx.measured(() => ctx.load(spec), CPU_SAMPLE_MS);
  await receiver.waitFor(spec.prefix, result.statuses.mapped ?? 0, drainTimeoutMs, 250);
  const collected = await receiver.collect(spec.prefix);
  const accepted = new Map(collected.accepted);
  await workerSettled(30_000);
  const counters = delta(s0, await ctx.counters());
  const times = await runTimes(ctx.pool, spec.prefix);
  const sent = result.sentAt.filter((t) => !Number.isNaN(t));
  const firstSent = min(sent);
  const lastSent = max(sent);
  const middle = (firstSent + lastSent) / 2;
  const acceptedLate = [...accepted.values()].filter((t) => t > middle && t <= lastSent).length;
  const where = backlogAt(lastSent, result.sentAt, accepted, times);
  const backlogAtEnd = Object.values(where).reduce((a, b) => a + b, 0);
  return {
    rate: spec.rate,
    load: summary(result),
    accepted: accepted.size,
    duplicates: collected.duplicates,
    tailMs: Math.max(lastSent, max([...accepted.values()])) - lastSent,
    joined: join(result.sentAt, accepted, times),
    backlogAtEnd,
    backlogWhere: where,
    acceptedRate: acceptedLate / Math.max(0.001, (lastSent - middle) / 1000),
    keptUp: result.sent > 0 && accepted.size >= result.sent && backlogAtEnd <= spec.rate * keptUpSeconds,
    cpu,
    counters,
    work: { work: await runWork(ctx.temporal, await runIds(ctx.pool, spec.prefix)), wakeUps: counters.wakeUps, statements },
  };
}
