/**
 * Section 7 of `npm run bench` (BENCH_ONLY=events): runs parked in
 * `waitForEvent`. Unrelated track ingest (section 1's closed-loop load, event
 * names no automation declares) with none parked, then 10,000 runs of
 * bench/automations/wait-for-event.ts parked (one per user of that load, so
 * every unrelated track probes a user with an interest row), the same ingest
 * again, and last a steady stream of the awaited event to parked users, each
 * timed from `events.received_at` to its run's `closed_at`.
 */
import type { Pool } from 'pg';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { CpuUse } from './cpu';
import type { Measure } from './measure';
import type { StatementCounts } from './pg-statements';
import type { AutomationLoadResult, AutomationLoadSpec } from './protocol';
import type { HomingPhase } from './report-types';
import type { IngestPhases } from './ingest-phases';
import type { MemoryPoint } from './automations';
import { admin } from './automation-setup';
import { CPU_SAMPLE_MS, workerSettled, type LoadSummary } from './automation-phases';
import { homingMemory, treeRssMiB } from './memory';
import { workerState } from './worker-probe';
import { USERS } from './events';
import { sleep } from './host';
import { summarize, type Summary } from './stats';
import { benchWaitForEvent, WAITED_EVENT } from './automations/wait-for-event';

/** The track that starts a waiting run, and the mapping that maps it. */
const TRIGGER_EVENT = 'Bench Wait Started';
const MAPPING_ID = 'bench-waits';
/** Section 1's load sends its events for users `user-0` … `user-9999` (bench/events.ts). */
const USER_PREFIX = 'user-';

export function eventWaitsSettings(scale: number) {
  const parkRuns = Math.min(USERS, Math.max(200, Math.round(10_000 * scale)));
  return {
    parkRuns,
    /** The park phase's triggers go to /segment in batches of this many, this many requests at a time. */
    parkPerRequest: 100,
    parkInFlight: 4,
    parkTimeoutMs: 900_000,
    /** Parked: the first workflow task done in the histories of this many runs started last (tasks go out about in start order). */
    parkedSample: 50,
    /**
     * After parking, nothing is sent until Homing is at rest (below restPercent of a core over a settleMs window,
     * at most restTimeoutMs): the parked runs' steady state, not the aftermath of the burst that parked them.
     */
    settleMs: 3_000,
    restPercent: 20,
    restTimeoutMs: 180_000,
    /** Awaited events, one per /segment request, open loop, each to a different parked user. */
    matchRate: 20,
    matches: Math.max(100, Math.round(600 * scale)),
    resumeTimeoutMs: 120_000,
  };
}
export type EventWaitsSettings = ReturnType<typeof eventWaitsSettings>;

export interface EventWaitsContext {
  homingUrl: string;
  adminToken: string;
  authorization: string;
  pool: Pool;
  /** Reads the runs' histories. */
  temporal: Client;
  ingest: IngestPhases;
  load(spec: AutomationLoadSpec): Promise<AutomationLoadResult>;
  measured: Measure;
  temporalPid: number | undefined;
  scale: number;
  log(msg: string): void;
}

/** Unrelated ingest, /v1/batch and /segment. */
export interface IngestPair {
  batch: HomingPhase;
  single: HomingPhase;
}

export interface ParkedRuns {
  runs: number;
  mapped: number;
  /** First send → every run `running`; → the sampled runs' first workflow task done and the worker idle. */
  runningMs: number;
  parkedMs: number;
  runStatuses: Record<string, number>;
  /** run_event_interests rows for the awaited event once parked. */
  interests: number;
  peakHomingRssMiB: number;
  peakTemporalRssMiB: number;
  cpu: CpuUse;
  statements?: StatementCounts;
  /** Parked → Homing at rest (or restTimeoutMs), nothing sent; and the last settleMs window of it. */
  restMs: number;
  idle: CpuUse;
}

export interface MatchPhase {
  rate: number;
  load: LoadSummary;
  /** Runs of the matched users closed within the timeout, by how they ended. */
  outcomes: Record<string, number>;
  notClosed: number;
  /**
   * Per event, ms: load generator send → ingest; ingest → the shard apply that routed it; that apply → the
   * signal in the run's history; signal → the workflow task that resumes the run handed to the worker; that
   * task → run closed (replay, the run's code, its closeRun local activity starting); ingest → run closed.
   */
  sendToReceived: Summary;
  receivedToApplied: Summary;
  appliedToSignaled: Summary;
  signaledToTask: Summary;
  taskToClosed: Summary;
  receivedToTask: Summary;
  receivedToClosed: Summary;
  cpu: CpuUse;
  statements?: StatementCounts;
}

export interface EventWaitsReport {
  date: string;
  scale: number;
  settings: EventWaitsSettings;
  automation: string;
  setupMs: number;
  without: IngestPair;
  park: ParkedRuns;
  memory: MemoryPoint[];
  withParked: IngestPair;
  match: MatchPhase;
  totalMs: number;
}

async function runStatuses(pool: Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: string }>('SELECT status, count(*) AS n FROM runs WHERE mapping_id = $1 GROUP BY status', [MAPPING_ID]);
  return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
}

const EventType = temporal.api.enums.v1.EventType;
const tsMs = (t: temporal.api.history.v1.IHistoryEvent['eventTime']) => Number(t?.seconds ?? NaN) * 1000 + (t?.nanos ?? 0) / 1e6;

/** From a run's history (server clock, same host): when the event's signal was recorded, and when the next workflow task went to the worker. */
async function resumeTimes(client: Client, runIds: string[], parallel = 8): Promise<Map<string, { signaled: number; task: number }>> {
  const times = new Map<string, { signaled: number; task: number }>();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < runIds.length) {
        const id = runIds[next++]!;
        const events = (await client.workflow.getHandle(id).fetchHistory().catch(() => undefined))?.events ?? [];
        const s = events.findIndex((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED);
        const t = events.findIndex((e, i) => i > s && e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED);
        if (s >= 0 && t >= 0) times.set(id, { signaled: tsMs(events[s]!.eventTime), task: tsMs(events[t]!.eventTime) });
      }
    }),
  );
  return times;
}

const countOf = async (pool: Pool, sql: string, params: unknown[]) => Number((await pool.query<{ n: string }>(sql, params)).rows[0]!.n);

/** Whether the first workflow task of each of the `sample` runs started last is done (its history has a completed task). */
async function lastStartedParked(ctx: EventWaitsContext, sample: number): Promise<boolean> {
  const { rows } = await ctx.pool.query<{ id: string }>('SELECT id FROM runs WHERE mapping_id = $1 ORDER BY started_at DESC NULLS FIRST LIMIT $2', [MAPPING_ID, sample]);
  for (const { id } of rows) {
    const events = (await ctx.temporal.workflow.getHandle(id).fetchHistory().catch(() => undefined))?.events ?? [];
    if (!events.some((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)) return false;
  }
  return true;
}

/** Tracks for `spec.count` users in batched requests, then until every run is running and parked, and the worker idle. */
async function parkRuns(ctx: EventWaitsContext, spec: AutomationLoadSpec, set: EventWaitsSettings): Promise<ParkedRuns> {
  let peakHomingRss = 0;
  let peakTemporalRss = 0;
  const begin = Date.now();
  let runningMs = NaN;
  const until = Date.now() + set.parkTimeoutMs;
  const peaks = () => {
    peakHomingRss = Math.max(peakHomingRss, process.memoryUsage.rss() / 1024 ** 2);
    peakTemporalRss = Math.max(peakTemporalRss, treeRssMiB(ctx.temporalPid));
  };
  const { result, cpu, statements } = await ctx.measured(async () => {
    const sent = await ctx.load(spec);
    const mapped = sent.statuses.mapped ?? 0;
    for (; Date.now() < until; await sleep(1_000)) {
      peaks();
      if (((await runStatuses(ctx.pool)).running ?? 0) >= mapped) break;
    }
    runningMs = Date.now() - begin;
    // Running means the start call returned; the run is parked once its first workflow task is done too,
    // which for a start the server did not hand back eagerly waits in the task queue.
    for (; Date.now() < until && !(await lastStartedParked(ctx, set.parkedSample)); await sleep(1_000)) peaks();
    await workerSettled(60_000);
    return sent;
  }, CPU_SAMPLE_MS);
  const parkedMs = Date.now() - begin;
  let idle: CpuUse;
  const restUntil = Date.now() + set.restTimeoutMs;
  do idle = (await ctx.measured(() => sleep(set.settleMs))).cpu;
  while ((idle.groups.homing ?? 0) >= set.restPercent && Date.now() < restUntil);
  return {
    restMs: Date.now() - begin - parkedMs,
    runs: spec.count,
    mapped: result.statuses.mapped ?? 0,
    runningMs,
    parkedMs,
    idle,
    runStatuses: await runStatuses(ctx.pool),
    interests: await countOf(ctx.pool, 'SELECT count(*) AS n FROM run_event_interests WHERE event = $1', [WAITED_EVENT]),
    peakHomingRssMiB: peakHomingRss,
    peakTemporalRssMiB: peakTemporalRss,
    cpu,
    statements,
  };
}

/** The awaited event for `spec.count` parked users at `spec.rate`/s, until their runs closed (at most `timeoutMs`). */
async function matchEvents(ctx: EventWaitsContext, spec: AutomationLoadSpec, timeoutMs: number): Promise<MatchPhase> {
  const closedSql = `SELECT count(*) AS n FROM runs r JOIN events e ON e.user_id = r.user_id
    WHERE r.mapping_id = $1 AND r.closed_at IS NOT NULL AND e.message_id LIKE $2 AND e.duplicate_of IS NULL`;
  const { result, cpu, statements } = await ctx.measured(async () => {
    const sent = await ctx.load(spec);
    for (const until = Date.now() + timeoutMs; Date.now() < until; await sleep(250)) {
      if ((await countOf(ctx.pool, closedSql, [MAPPING_ID, `${spec.prefix}-%`])) >= sent.sent) break;
    }
    return sent;
  }, CPU_SAMPLE_MS);
  const { rows } = await ctx.pool.query<{ run_id: string; message_id: string; received_ms: string; applied_ms: string | null; closed_ms: string | null; outcome: string | null }>(
    `SELECT r.id AS run_id, e.message_id, extract(epoch FROM e.received_at) * 1000 AS received_ms, extract(epoch FROM e.applied_at) * 1000 AS applied_ms,
       extract(epoch FROM r.closed_at) * 1000 AS closed_ms, r.result->>'outcome' AS outcome
     FROM events e JOIN runs r ON r.user_id = e.user_id AND r.mapping_id = $2
     WHERE e.message_id LIKE $1 AND e.duplicate_of IS NULL`,
    [`${spec.prefix}-%`, MAPPING_ID],
  );
  const history = await resumeTimes(ctx.temporal, rows.map((r) => r.run_id));
  const outcomes: Record<string, number> = {};
  const stages = ['sendToReceived', 'receivedToApplied', 'appliedToSignaled', 'signaledToTask', 'taskToClosed', 'receivedToTask', 'receivedToClosed'] as const;
  const stage = Object.fromEntries(stages.map((s) => [s, [] as number[]])) as Record<(typeof stages)[number], number[]>;
  let notClosed = 0;
  for (const row of rows) {
    const received = Number(row.received_ms);
    const sentAt = result.sentAt[Number(row.message_id.slice(spec.prefix.length + 1))];
    if (sentAt !== undefined && !Number.isNaN(sentAt)) stage.sendToReceived.push(received - sentAt);
    if (row.closed_ms === null) {
      notClosed++;
      continue;
    }
    outcomes[row.outcome ?? 'none'] = (outcomes[row.outcome ?? 'none'] ?? 0) + 1;
    const closed = Number(row.closed_ms);
    stage.receivedToClosed.push(closed - received);
    const h = history.get(row.run_id);
    if (h) {
      stage.receivedToTask.push(h.task - received);
      stage.signaledToTask.push(h.task - h.signaled);
      stage.taskToClosed.push(closed - h.task);
    }
    if (row.applied_ms !== null) {
      stage.receivedToApplied.push(Number(row.applied_ms) - received);
      if (h) stage.appliedToSignaled.push(h.signaled - Number(row.applied_ms));
    }
  }
  const { sentAt: _omit, ...load } = result;
  const summaries = Object.fromEntries(stages.map((s) => [s, summarize(stage[s])])) as Record<(typeof stages)[number], Summary>;
  return { rate: spec.rate, load, outcomes, notClosed, cpu, statements, ...summaries };
}

export async function runEventWaits(ctx: EventWaitsContext): Promise<EventWaitsReport> {
  const began = Date.now();
  const set = eventWaitsSettings(ctx.scale);
  const { log } = ctx;
  const tracks = (prefix: string, event: string, count: number, rate: number): AutomationLoadSpec => ({
    kind: 'automation', url: `${ctx.homingUrl}/segment`, authorization: ctx.authorization, type: 'track', event, prefix, count,
    userPrefix: USER_PREFIX, users: set.parkRuns, firstUser: 0, rate, perRequest: set.parkPerRequest, inFlight: set.parkInFlight,
  });
  const unrelated = async (label: string, prefix: string): Promise<IngestPair> => ({
    batch: await ctx.ingest.homing(`${label} /v1/batch`, `${ctx.homingUrl}/v1/batch`, 'batch', `${prefix}-batch`),
    single: await ctx.ingest.homing(`${label} /segment`, `${ctx.homingUrl}/segment`, 'single', `${prefix}-single`),
  });
  const memory: MemoryPoint[] = [];
  const remember = (label: string, parked: number) => memory.push({ label, parked, homing: homingMemory(), temporalRssMiB: treeRssMiB(ctx.temporalPid), worker: workerState() });

  await admin(ctx.homingUrl, ctx.adminToken, '/api/mappings', {
    id: MAPPING_ID, name: 'Bench: wait for an event', status: 'published', trigger: { type: 'track', event: TRIGGER_EVENT }, automation: benchWaitForEvent.id, params: {},
  }, 201);
  const setupMs = Date.now() - began;

  log(`events: unrelated ingest, no runs parked`);
  const without = await unrelated('events, none parked:', 'waits-none');
  remember('none parked', 0);

  log(`events: park ${set.parkRuns} runs in waitForEvent('${WAITED_EVENT}')`);
  const park = await parkRuns(ctx, tracks('waits-park', TRIGGER_EVENT, set.parkRuns, 0), set);
  const parked = park.runStatuses.running ?? 0;
  log(`events: ${parked}/${park.runs} running after ${(park.runningMs / 1000).toFixed(1)} s, parked after ${(park.parkedMs / 1000).toFixed(1)} s; ${park.interests} interest rows; Homing at rest ${(park.restMs / 1000).toFixed(1)} s later (${park.idle.groups.homing?.toFixed(0)} % of a core)`);
  remember(`${parked} parked`, parked);

  log(`events: unrelated ingest, ${parked} runs parked`);
  const withParked = await unrelated(`events, ${parked} parked:`, 'waits-parked');

  log(`events: ${set.matches} '${WAITED_EVENT}' at ${set.matchRate}/s to parked users`);
  const match = await matchEvents(ctx, tracks('waits-match', WAITED_EVENT, set.matches, set.matchRate), set.resumeTimeoutMs);
  const l = match.receivedToClosed;
  log(`events: received → run closed p50 ${l.p50.toFixed(0)} ms, p90 ${l.p90.toFixed(0)} ms, p99 ${l.p99.toFixed(0)} ms; outcomes ${JSON.stringify(match.outcomes)}, not closed ${match.notClosed}`);

  return {
    date: new Date(began).toISOString(), scale: ctx.scale, settings: set, automation: benchWaitForEvent.id, setupMs,
    without, park, memory, withParked, match, totalMs: Date.now() - began,
  };
}
