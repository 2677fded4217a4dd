/** The figures one run of the bench records (dist/bench/last-run.json), which BENCHMARKS.md is rendered from. */
import type { CpuUse } from './cpu';
import type { ClosedLoopResult, OpenLoopResult } from './protocol';
import type { ProbeCounters } from './probes';
import type { ProfileSummary } from './profile';
import type { Summary } from './stats';
import type { StatementCounts } from './pg-statements';

export interface DrainResult {
  /** Outbox rows (identifies not yet applied) when the load stopped. */
  backlog: number;
  ms: number;
  drained: boolean;
  left: number;
  cpu: CpuUse;
  probes: ProbeCounters;
}

export interface HomingPhase {
  load: ClosedLoopResult;
  cpu: CpuUse;
  probes: ProbeCounters;
  drain: DrainResult;
  /** Events of the phase found in the log. */
  stored: number;
  /** Distinct received_at among them: each ingest transaction stamps its events with its own now(). */
  ingestTransactions: number;
  statuses: Record<string, number>;
  /** pg_stat_database.xact_commit, pg_stat_wal deltas over the phase (stats reach the views up to ~1 s late). */
  commits: number;
  walSyncs: number;
  walBytes: number;
  /** pg_stat_statements calls per database over the phase (absent in runs recorded before they were counted). */
  statements?: StatementCounts;
}

export interface BarePhase {
  load: ClosedLoopResult;
  cpu: CpuUse;
  probes?: ProbeCounters;
}

export interface LatencyPhase {
  rate: number;
  durationMs: number;
  result: OpenLoopResult;
  cpu: CpuUse;
  probes: ProbeCounters;
}

export interface BenchReport {
  date: string;
  machine: {
    cpuModel: string;
    cores: number;
    memoryGiB: number;
    node: string;
    kernel: string;
    platform: string;
    loadavgStart: number[];
    loadavgEnd: number[];
    /** Machine busy (% of all cores) just before the bench started anything, and how long it waited for that. */
    busyBefore: number;
    quietWaitMs: number;
    fsync: Summary;
  };
  versions: { postgres: string; temporal: string; homing: string };
  pgSettings: Record<string, string>;
  settings: {
    concurrency: number;
    batchSize: number;
    identifyEvery: number;
    warmupMs: number;
    homingPhaseMs: number;
    bareWarmupMs: number;
    barePhaseMs: number;
    latencyRate: number;
    latencyMs: number;
    lightLatencyRate: number;
    lightLatencyMs: number;
    apiOnlyMs: number;
    profileMs: number;
    pollMs: number;
    latencyTailMs: number;
    drainTimeoutMs: number;
  };
  scale: number;
  probesInstalled: { signals: boolean; batches: boolean };
  startupMs: number;
  batch: { homing: HomingPhase; bare: BarePhase };
  single: { homing: HomingPhase; bare: BarePhase };
  /** The same loads with the worker and dispatcher stopped, then the backlog they left, applied after a restart. */
  apiOnly: { batch: BarePhase; single: BarePhase; restartMs: number; drain: DrainResult; profile: ProfileSummary; profiledLoad: ClosedLoopResult };
  latency: LatencyPhase;
  lightLatency: LatencyPhase;
  totalMs: number;
}
