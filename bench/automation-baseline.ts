/**
 * The automation part's baseline: what the Temporal dev server gives with
 * nothing of Homing around it — the same workflow shape (start with search
 * attributes, one activity, a 24 h wait) started by a plain client, run by a
 * plain worker in another process (bench/bare-temporal.ts). Like the bare
 * Node server for ingest, it is the ceiling Homing works under.
 */
import type { Client } from '@temporalio/client';
import type { CpuUse } from './cpu';
import type { BareShape, BareTemporalReply, BareTemporalRequest } from './bare-temporal';
import type { StatementCounts } from './pg-statements';
import { runWork, type RunWork } from './run-work';
import type { Measure } from './measure';
import type { Forked } from './forked';
import { CPU_SAMPLE_MS } from './automation-phases';
import { peakRate } from './automation-analysis';
import { summarize, type Summary } from './stats';

export interface BareTemporalPhase {
  shape: BareShape;
  runs: number;
  /** Starts per second offered (open loop), or 0 for `concurrency` start calls in flight. */
  rate: number;
  concurrency: number;
  /** Runs whose activity ran. */
  done: number;
  /** First start → last activity. */
  spanMs: number;
  meanRate: number;
  peakRate5s: number;
  /** Start call made → activity ran. */
  latency: Summary;
  startCall: Summary;
  /** Starts that came back eagerly started. */
  eager: number;
  cpu: CpuUse;
  /** Per run, from a sample of the phase's histories. */
  work?: RunWork;
  /** Postgres statements per database over the phase (where counted). */
  statements?: StatementCounts;
}

export interface BaselineContext {
  bare: Forked<BareTemporalRequest, BareTemporalReply>;
  temporalAddress: string;
  /** Reads the runs' histories. */
  temporal: Client;
  measured: Measure;
}

export async function bareTemporalPhase(ctx: BaselineContext, shape: BareShape, prefix: string, runs: number, rate: number, concurrency: number): Promise<BareTemporalPhase> {
  const { result, cpu, statements } = await ctx.measured(() =>
    ctx.bare.ask({ shape, address: ctx.temporalAddress, taskQueue: 'bench-bare-temporal', prefix, runs, rate, concurrency, timeoutMs: 300_000 }),
    CPU_SAMPLE_MS,
  );
  if (result.error !== undefined || !result.startedAt || !result.activityAt || !result.startCallMs) throw new Error(`bare Temporal: ${result.error}`);
  const started = result.startedAt;
  const latency = result.activityAt.map((t, n) => t - started[n]!).filter((x) => !Number.isNaN(x));
  const first = started.reduce((a, b) => Math.min(a, b), Infinity);
  const last = result.activityAt.filter((t) => !Number.isNaN(t)).reduce((a, b) => Math.max(a, b), first);
  // The last runs' timers are started by a workflow task just after their activity: let those land before reading histories.
  await new Promise((r) => setTimeout(r, 2_000));
  return {
    shape,
    runs,
    rate,
    concurrency,
    done: latency.length,
    spanMs: last - first,
    meanRate: latency.length / Math.max(0.001, (last - first) / 1000),
    peakRate5s: peakRate(result.activityAt),
    latency: summarize(latency),
    startCall: summarize(result.startCallMs.filter((x) => !Number.isNaN(x))),
    eager: result.eager ?? 0,
    cpu,
    work: await runWork(ctx.temporal, Array.from({ length: runs }, (_, n) => `${prefix}-${n}`)),
    statements,
  };
}
