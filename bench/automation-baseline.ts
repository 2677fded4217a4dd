/**
 * The automation part's baseline: what the Temporal dev server gives with
 * nothing of Homing around it — the same workflow shape (start with search
 * attributes, one activity, a 24 h wait) started by a plain client, run by a
 * plain worker in another process (bench/bare-temporal.ts). Like the bare
 * Node server for ingest, it is the ceiling Homing works under.
 */
import type { CpuUse } from './cpu';
import type { BareTemporalReply, BareTemporalRequest } from './bare-temporal';
import type { Forked } from './forked';
import { CPU_SAMPLE_MS } from './automation-phases';
import { peakRate } from './automation-analysis';
import { summarize, type Summary } from './stats';

export interface BareTemporalPhase {
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
  cpu: CpuUse;
}

export interface BaselineContext {
  bare: Forked<BareTemporalRequest, BareTemporalReply>;
  temporalAddress: string;
  measured<T>(fn: () => Promise<T>, sampleMs?: number): Promise<{ result: T; cpu: CpuUse }>;
}

export async function bareTemporalPhase(ctx: BaselineContext, prefix: string, runs: number, rate: number, concurrency: number): Promise<BareTemporalPhase> {
  const { result, cpu } = await ctx.measured(() =>
    ctx.bare.ask({ address: ctx.temporalAddress, taskQueue: 'bench-bare-temporal', prefix, runs, rate, concurrency, timeoutMs: 300_000 }),
    CPU_SAMPLE_MS,
  );
  if (result.error !== undefined || !result.startedAt || !result.activityAt || !result.startCallMs) throw new Error(`bare Temporal: ${result.error}`);
  const started = result.startedAt;
  const latency = result.activityAt.map((t, n) => t - started[n]!).filter((x) => !Number.isNaN(x));
  const first = started.reduce((a, b) => Math.min(a, b), Infinity);
  const last = result.activityAt.filter((t) => !Number.isNaN(t)).reduce((a, b) => Math.max(a, b), first);
  return {
    runs,
    rate,
    concurrency,
    done: latency.length,
    spanMs: last - first,
    meanRate: latency.length / Math.max(0.001, (last - first) / 1000),
    peakRate5s: peakRate(result.activityAt),
    latency: summarize(latency),
    startCall: summarize(result.startCallMs.filter((x) => !Number.isNaN(x))),
    cpu,
  };
}
