/** The bench's knobs: phase lengths and loads, from BENCH_SCALE / BENCH_ONLY. */

/** Shortens every phase, for trying the bench out (BENCH_SCALE=0.2); the published run uses 1. */
export const SCALE = Number(process.env.BENCH_SCALE ?? '1') || 1;
/** BENCH_ONLY=automations (section 5), shape (section 6), events (section 7) or studio (section 8): only that part, which rewrites only its section of BENCHMARKS.md. */
export const ONLY = process.env.BENCH_ONLY;
if (ONLY !== undefined && !['automations', 'shape', 'events', 'studio'].includes(ONLY)) throw new Error(`BENCH_ONLY=${ONLY}: the partial runs are "automations", "shape", "events" and "studio"`);
const ms = (base: number) => Math.max(500, Math.round(base * SCALE));

export const SETTINGS = {
  concurrency: 32,
  batchSize: 100,
  /** Every 5th event is an identify (goes to the outbox and a profile shard), the rest are tracks. */
  identifyEvery: 5,
  warmupMs: ms(3_000),
  homingPhaseMs: ms(15_000),
  bareWarmupMs: ms(2_000),
  barePhaseMs: ms(8_000),
  latencyRate: 200,
  latencyMs: ms(20_000),
  /** A light load first: the pipeline's own delay when nothing else competes. */
  lightLatencyRate: 20,
  lightLatencyMs: ms(10_000),
  /** Ingest with the worker stopped (the API alone), to show what the worker costs it. */
  apiOnlyMs: ms(6_000),
  /** The API-only single-event load once more, under the V8 profiler. */
  profileMs: ms(4_000),
  pollMs: 10,
  latencyTailMs: 30_000,
  drainTimeoutMs: 60_000,
};

export const API_KEY = 'bench-api-key';
export const basic = `Basic ${Buffer.from(`${API_KEY}:`).toString('base64')}`;
