/**
 * The automation part of `npm run bench`: mapped Segment tracks → runs of the
 * `email-then-sms` automation → emails accepted by a real SMTP server. In this
 * order: 10,000 runs started as fast as Homing takes them and left parked in
 * their 24 h wait (worker memory); a light and a steady 50/s stream of tracks
 * (event → email latency); open-loop steps of rising rate (the highest
 * started-run rate that keeps up); last, the same workflow shape on the same
 * Temporal dev server without Homing (the ceiling). bench/index.ts starts
 * everything and calls runAutomations.
 */
import type { Pool } from 'pg';
import type { CpuUse } from './cpu';
import type { AutomationLoadSpec } from './protocol';
import { MAPPED_EVENT, createMapping } from './automation-setup';
import { bareTemporalPhase, type BareTemporalPhase, type BaselineContext } from './automation-baseline';
import type { BareShape } from './bare-temporal';
import { parkPhase, trackPhase, workerSettled, type ParkPhase, type PhaseContext, type TrackPhase } from './automation-phases';
import { homingMemory, treeRssMiB, type HomingMemory } from './memory';
import { workerState, type WorkerState } from './worker-probe';
import { resumeLatency, type ResumeLatency } from './resume-latency';

export function automationSettings(scale: number) {
  const ms = (base: number) => Math.max(1_000, Math.round(base * scale));
  const parkRuns = Math.max(200, Math.round(10_000 * scale));
  return {
    /** Users identified first (with an email address); tracks are spread over them. */
    users: parkRuns,
    parkRuns,
    /** The park phase sends its tracks in /segment batches of this many, this many requests at a time. */
    parkPerRequest: 100,
    parkInFlight: 4,
    /** The pipeline's own delay, far from saturation, then at the 50/s. */
    lightRate: 10,
    lightMs: ms(10_000),
    latencyRate: 50,
    latencyMs: ms(20_000),
    stepRates: [20, 30, 40, 50, 60, 80, 100, 150, 200, 300],
    stepMs: ms(15_000),
    /** Kept up: at a step's last send, at most this many seconds of offered tracks still without their email. */
    keptUpBacklogSeconds: 1,
    /** How long to wait for a phase's last emails (a step that fell behind may need long). */
    drainTimeoutMs: 180_000,
    parkTimeoutMs: 900_000,
    /** The baseline: a burst with this many start calls in flight, and a steady stream at latencyRate. */
    bareRuns: Math.max(200, Math.round(3_000 * scale)),
    bareConcurrency: 100,
    /** Parked runs opened per group (the last parked, the first parked) to time their resume. */
    resumeRuns: 50,
    /** Nothing sent: what the processes use on their own (Temporal catches up on its queues after a burst). */
    idleMs: 5_000,
  };
}
export type AutomationSettings = ReturnType<typeof automationSettings>;

export interface AutomationContext extends PhaseContext, BaselineContext {
  homingUrl: string;
  adminToken: string;
  /** Homing's TRACKING_SECRET: the bench signs the open pixel URL its emails carry. */
  trackingSecret: string;
  /** The API key, as Segment sends it. */
  authorization: string;
  scale: number;
  log(msg: string): void;
}

export interface MemoryPoint {
  label: string;
  parked: number;
  homing: HomingMemory;
  temporalRssMiB: number;
  worker?: WorkerState;
}

export interface AutomationReport {
  date: string;
  scale: number;
  settings: AutomationSettings;
  setupMs: number;
  memory: MemoryPoint[];
  park: ParkPhase;
  /** Parked runs resumed by an open, in the sticky cache or not; absent in runs recorded before it existed. */
  resume?: ResumeLatency;
  light: TrackPhase;
  latency: TrackPhase;
  steps: TrackPhase[];
  /** Temporal alone, the textbook shape (start, activity task, wait) and Homing's (eager start, local activity, wait). */
  bare: { burst: BareTemporalPhase; steady: BareTemporalPhase };
  bareLocal?: { burst: BareTemporalPhase; steady: BareTemporalPhase };
  /** Nothing sent for idleMs: after the setup, after the park phase, after the steps. */
  idle: Array<{ label: string; cpu: CpuUse }>;
  totalMs: number;
}

/** Until every identify is applied (the outbox empty), at most `timeoutMs`. */
export async function outboxEmpty(pool: Pool, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM outbox')).rows[0]!.n) === 0) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

export async function runAutomations(ctx: AutomationContext): Promise<AutomationReport> {
  const began = Date.now();
  const set = automationSettings(ctx.scale);
  const { receiver, log } = ctx;
  let nextUser = 0;
  /** Events for the next users in turn, so consecutive phases spread over all of them. */
  const spec = (prefix: string, count: number, rate: number, type: 'identify' | 'track' = 'track'): AutomationLoadSpec => {
    const s: AutomationLoadSpec = {
      kind: 'automation', url: `${ctx.homingUrl}/segment`, authorization: ctx.authorization, type, event: MAPPED_EVENT, prefix, count,
      userPrefix: 'bench-user-', users: set.users, firstUser: nextUser, rate, perRequest: set.parkPerRequest, inFlight: set.parkInFlight,
    };
    nextUser = (nextUser + count) % set.users;
    return s;
  };
  const memory: MemoryPoint[] = [];
  let parked = 0;
  const remember = (label: string) => {
    memory.push({ label, parked, homing: homingMemory(), temporalRssMiB: treeRssMiB(ctx.temporalPid), worker: workerState() });
  };

  // --- Setup: the mapping, then every user identified (with an email) and applied, and one run end to end.
  await createMapping(ctx.homingUrl, ctx.adminToken);
  const ids = await ctx.load(spec('bench-identify', set.users, 0, 'identify'));
  if (ids.httpErrors > 0) throw new Error(`identifies failed: ${ids.firstError}`);
  if (!(await outboxEmpty(ctx.pool, 120_000))) throw new Error('identifies were not applied within 120 s');
  const preflight = await ctx.load(spec('bench-preflight', 1, 0));
  if (preflight.statuses.mapped !== 1) throw new Error(`preflight track not mapped: ${JSON.stringify(preflight.statuses)} ${preflight.firstError ?? ''}`);
  if ((await receiver.waitFor('bench-preflight', 1, 30_000)) !== 1) throw new Error('preflight: no email accepted within 30 s');
  parked++;
  await workerSettled(10_000);
  const setupMs = Date.now() - began;
  log(`automations: mapping published, ${set.users} users identified, preflight email accepted (${setupMs} ms)`);
  const idle: AutomationReport['idle'] = [];
  const rest = async (label: string) => {
    idle.push({ label, cpu: (await ctx.measured(() => new Promise((r) => setTimeout(r, set.idleMs)))).cpu });
  };
  await rest('idle after the setup');
  remember('before the park phase');

  log(`automations: park ${set.parkRuns} runs`);
  const park = await parkPhase(ctx, spec('bench-park', set.parkRuns, 0), set.parkTimeoutMs);
  parked += park.accepted;
  log(`automations: ${park.accepted}/${set.parkRuns} emails in ${(park.allAcceptedMs / 1000).toFixed(1)} s (${park.meanRate.toFixed(0)}/s, best 5 s ${park.peakRate5s.toFixed(0)}/s)`);
  remember('after the park phase');
  await rest('idle after the park phase');
  log(`automations: open ${set.resumeRuns} of the runs parked last and ${set.resumeRuns} of the first through their open pixel`);
  const resume = await resumeLatency(ctx.pool, ctx.homingUrl, ctx.trackingSecret, 'bench-park', set.resumeRuns);
  log(`automations: request → run closed p50 ${resume.recent.p50.toFixed(0)} ms (parked last) vs ${resume.oldest.p50.toFixed(0)} ms (parked first); cache ${resume.cacheMax ?? '?'}`);

  const stream = async (prefix: string, rate: number, durationMs: number) => {
    const p = await trackPhase(ctx, spec(prefix, Math.round((rate * durationMs) / 1000), rate), set.drainTimeoutMs, set.keptUpBacklogSeconds);
    parked += p.accepted;
    const l = p.joined.latency;
    log(`automations ${prefix}: ${rate}/s offered, ${p.accepted}/${p.load.sent} emails, ${p.acceptedRate.toFixed(0)}/s; p50 ${l.p50.toFixed(0)} ms, p99 ${l.p99.toFixed(0)} ms; backlog at the last send ${p.backlogAtEnd}${p.keptUp ? ' (kept up)' : ' (fell behind)'}`);
    return p;
  };
  const light = await stream('bench-light', set.lightRate, set.lightMs);
  const latency = await stream('bench-latency', set.latencyRate, set.latencyMs);
  remember('after the latency phases');

  const steps: TrackPhase[] = [];
  for (const rate of set.stepRates) {
    const step = await stream(`bench-step${rate}`, rate, set.stepMs);
    steps.push(step);
    if (!step.keptUp) break;
  }
  remember('after the steps');

  await rest('idle after the steps');
  log(`automations: baseline, the same workflow shape on the dev server without Homing`);
  const bare = async (shape: BareShape) => {
    const burst = await bareTemporalPhase(ctx, shape, `bare-${shape}-burst`, set.bareRuns, 0, set.bareConcurrency);
    log(`bare Temporal (${shape}) burst: ${burst.done}/${burst.runs} in ${(burst.spanMs / 1000).toFixed(1)} s (${burst.meanRate.toFixed(0)}/s, ${burst.eager} eager)`);
    const steady = await bareTemporalPhase(ctx, shape, `bare-${shape}-steady`, Math.round((set.latencyRate * set.latencyMs) / 1000), set.latencyRate, 1);
    log(`bare Temporal (${shape}) at ${set.latencyRate}/s: start → activity p50 ${steady.latency.p50.toFixed(0)} ms, p99 ${steady.latency.p99.toFixed(0)} ms`);
    return { burst, steady };
  };
  const { burst, steady } = await bare('activity');
  const bareLocal = await bare('local');

  return {
    date: new Date(began).toISOString(), scale: ctx.scale, settings: set, setupMs, memory, park, resume, light, latency, steps, bare: { burst, steady }, bareLocal,
    idle, totalMs: Date.now() - began,
  };
}
