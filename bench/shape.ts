/**
 * Section 6: one fixed automation workload on each target in turn (the dev
 * server with `homing start`, the real cluster with `homing api` + 2 workers):
 * runs started at once until parked, a steady stream, then Temporal alone in
 * both shapes on the same server. Each target is started, measured and
 * stopped before the next, so they never share the machine.
 */
import fs from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { ADMIN_TOKEN, API_KEY } from '../cluster/homing-deployment';
import type { AutomationLoadResult, AutomationLoadSpec } from './protocol';
import { MAPPED_EVENT, createMapping, type SmtpReceiver } from './automation-setup';
import { parkPhase, trackPhase, type ParkPhase, type PhaseContext, type TrackPhase } from './automation-phases';
import { bareTemporalPhase, type BareTemporalPhase } from './automation-baseline';
import { outboxEmpty } from './automations';
import type { BareShape, BareTemporalReply, BareTemporalRequest } from './bare-temporal';
import { Forked } from './forked';
import { measurer } from './measure';
import type { CpuGroup } from './cpu';
import { tempDir } from './host';
import { clusterToolsMissing, startClusterTarget, startDevTarget, startExternalTarget, type ShapeTarget, type TargetName } from './shape-targets';
import type { WorkerState } from './worker-probe';

export function shapeSettings(scale: number) {
  return {
    /** Runs started at once (batched tracks), each parking in its 24 h wait after its email. */
    parkRuns: Math.max(200, Math.round(2_000 * scale)),
    steadyRate: 20,
    steadyMs: Math.max(5_000, Math.round(20_000 * scale)),
    /** Temporal alone, per shape: this many starts, 100 in flight. */
    bareRuns: Math.max(200, Math.round(600 * scale)),
    bareConcurrency: 100,
    perRequest: 100,
    inFlight: 4,
  };
}
export type ShapeSettings = ReturnType<typeof shapeSettings>;

export interface ShapeResult {
  park: ParkPhase;
  steady: TrackPhase;
  bare: Record<BareShape, BareTemporalPhase>;
  workers: WorkerState[];
  setupMs: number;
}

export interface ShapeTargetRun {
  name: TargetName;
  temporal?: string;
  homing?: string;
  /** Start-up: Postgres, Temporal (schema and namespace on the cluster), Homing's processes. */
  startMs: number;
  totalMs: number;
  result?: ShapeResult;
  /** Why this target did not run (e.g. the real server's binaries are not built). */
  error?: string;
  statementsMeasured: boolean;
}

export interface ShapeReport {
  date: string;
  scale: number;
  settings: ShapeSettings;
  targets: ShapeTargetRun[];
  totalMs: number;
}

export interface ShapeContext {
  receiver: SmtpReceiver;
  /** The bench's own processes (load generator, SMTP receiver): measured, so that they are not taken for outside load. */
  helpers: CpuGroup[];
  load(spec: AutomationLoadSpec): Promise<AutomationLoadResult>;
  scale: number;
  log(msg: string): void;
}

const authorization = `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}`;

async function workload(t: ShapeTarget, ctx: ShapeContext, set: ShapeSettings, temporal: Client): Promise<ShapeResult> {
  const began = Date.now();
  const spec = (prefix: string, count: number, rate: number, type: 'identify' | 'track' = 'track', firstUser = 0): AutomationLoadSpec => ({
    kind: 'automation', url: `${t.homingUrl}/segment`, authorization, type, event: MAPPED_EVENT, prefix: `shape${t.name}-${prefix}`, count,
    userPrefix: 'shape-user-', users: set.parkRuns, firstUser, rate, perRequest: set.perRequest, inFlight: set.inFlight,
  });
  await createMapping(t.homingUrl, ADMIN_TOKEN);
  const ids = await ctx.load(spec('identify', set.parkRuns, 0, 'identify'));
  if (ids.httpErrors > 0) throw new Error(`identifies failed: ${ids.firstError}`);
  if (!(await outboxEmpty(t.pool, 180_000))) throw new Error('identifies were not applied within 180 s');
  const preflight = spec('preflight', 1, 0);
  await ctx.load(preflight);
  if ((await ctx.receiver.waitFor(preflight.prefix, 1, 60_000)) !== 1) throw new Error('preflight: no email accepted within 60 s');
  const setupMs = Date.now() - began;

  const measured = measurer(() => [...t.groups(), ...ctx.helpers], undefined, t.statements);
  const phase: PhaseContext = { pool: t.pool, receiver: ctx.receiver, load: ctx.load, measured, temporalPid: t.temporalPid, temporal, counters: () => t.counters() };
  ctx.log(`shape ${t.name}: park ${set.parkRuns} runs`);
  const park = await parkPhase(phase, spec('park', set.parkRuns, 0), 900_000);
  ctx.log(`shape ${t.name}: ${park.accepted}/${set.parkRuns} emails at ${park.meanRate.toFixed(0)}/s`);
  const steady = await trackPhase(phase, spec('steady', Math.round((set.steadyRate * set.steadyMs) / 1000), set.steadyRate), 180_000, 1);
  ctx.log(`shape ${t.name}: ${set.steadyRate}/s: ${steady.accepted}/${steady.load.sent} emails, p50 ${steady.joined.latency.p50.toFixed(0)} ms`);
  const workers = t.workers();

  const bareWorker = await Forked.start<BareTemporalRequest, BareTemporalReply>('bare-temporal.js', false);
  try {
    const withBare = () => [...t.groups(), ...ctx.helpers, { name: 'bare temporal worker', pid: bareWorker.pid, descendants: false }];
    const base = { bare: bareWorker, temporalAddress: t.temporalAddress, temporal, measured: measurer(withBare, undefined, t.statements) };
    const bare = {} as Record<BareShape, BareTemporalPhase>;
    for (const shape of ['activity', 'local'] as const) {
      bare[shape] = await bareTemporalPhase(base, shape, `shape${t.name}-bare-${shape}`, set.bareRuns, 0, set.bareConcurrency);
      ctx.log(`shape ${t.name}: Temporal alone (${shape}) ${bare[shape].meanRate.toFixed(0)} runs/s, ${bare[shape].eager} eager`);
    }
    return { park, steady, bare, workers, setupMs };
  } finally {
    await bareWorker.stop();
  }
}

const START: Record<TargetName, typeof startDevTarget> = { dev: startDevTarget, cluster: startClusterTarget, external: startExternalTarget };

/** The targets BENCH_TARGET names: both side by side by default, or one alone. */
export function shapeTargets(): TargetName[] {
  const t = process.env.BENCH_TARGET;
  if (t === undefined || t === '') return ['dev', 'cluster'];
  if (t === 'dev' || t === 'cluster' || t === 'external') return [t];
  throw new Error(`BENCH_TARGET=${t}: one of dev, cluster, external (unset: dev and cluster side by side)`);
}

export async function runShape(ctx: ShapeContext): Promise<ShapeReport> {
  const began = Date.now();
  const set = shapeSettings(ctx.scale);
  const targets: ShapeTargetRun[] = [];
  for (const name of shapeTargets()) {
    const t0 = Date.now();
    const run: ShapeTargetRun = { name, startMs: 0, totalMs: 0, statementsMeasured: false };
    targets.push(run);
    if (name === 'cluster' && clusterToolsMissing()) {
      run.error = clusterToolsMissing();
      ctx.log(`shape ${name}: skipped: ${run.error}`);
      continue;
    }
    const dir = tempDir(`homing-bench-${name}-`);
    let target: ShapeTarget | undefined;
    try {
      ctx.log(`shape ${name}: starting`);
      target = await START[name]({ dir, smtpUrl: ctx.receiver.url, log: ctx.log });
      run.startMs = Date.now() - t0;
      run.temporal = target.temporal;
      run.homing = target.homing;
      run.statementsMeasured = target.statements !== undefined;
      const connection = await Connection.connect({ address: target.temporalAddress });
      try {
        run.result = await workload(target, ctx, set, new Client({ connection }));
      } finally {
        await connection.close();
      }
    } catch (err) {
      run.error = String((err as Error)?.message ?? err).slice(0, 2_000);
      ctx.log(`shape ${name}: failed: ${run.error}`);
    } finally {
      await target?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
      run.totalMs = Date.now() - t0;
    }
  }
  return { date: new Date(began).toISOString(), scale: ctx.scale, settings: set, targets, totalMs: Date.now() - began };
}
