/**
 * Counters around two calls inside the running Homing process, installed
 * without touching src/: the dispatcher's signalWithStart to Temporal, and the
 * activity that applies a shard's batch. Wrapping keeps behaviour; it only
 * counts and times. If a wrap cannot be installed, its counters stay undefined.
 */
import { WorkflowClient } from '@temporalio/client';

export interface ProbeCounters {
  /** signalWithStart calls (the dispatcher waking a shard workflow), and their total duration. */
  signals: number;
  signalMs: number;
  /** applyShardBatch runs (one activity each), the events they applied, their total duration. */
  batches: number;
  applied: number;
  applyMs: number;
}

const counters: ProbeCounters = { signals: 0, signalMs: 0, batches: 0, applied: 0, applyMs: 0 };
const installed = { signals: false, batches: false };

export function installProbes(): typeof installed {
  const proto = WorkflowClient.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const signalWithStart = proto.signalWithStart;
  if (typeof signalWithStart === 'function') {
    proto.signalWithStart = async function (this: unknown, ...args: unknown[]) {
      const t0 = performance.now();
      try {
        return await signalWithStart.apply(this, args);
      } finally {
        counters.signals++;
        counters.signalMs += performance.now() - t0;
      }
    };
    installed.signals = true;
  }
  // activities/index.ts calls applyShardBatch through the CommonJS exports object, so replacing the export is seen.
  const apply = require('../src/ingest/apply') as Record<string, unknown>;
  const applyShardBatch = apply.applyShardBatch as ((...args: unknown[]) => Promise<{ applied: number }>) | undefined;
  const descriptor = Object.getOwnPropertyDescriptor(apply, 'applyShardBatch');
  if (typeof applyShardBatch === 'function' && descriptor?.writable) {
    apply.applyShardBatch = async (...args: unknown[]) => {
      const t0 = performance.now();
      const result = await applyShardBatch(...args);
      counters.batches++;
      counters.applied += result.applied;
      counters.applyMs += performance.now() - t0;
      return result;
    };
    installed.batches = true;
  }
  return installed;
}

export function readProbes(): ProbeCounters {
  return { ...counters };
}

export function probeDelta(a: ProbeCounters, b: ProbeCounters): ProbeCounters {
  return {
    signals: b.signals - a.signals,
    signalMs: b.signalMs - a.signalMs,
    batches: b.batches - a.batches,
    applied: b.applied - a.applied,
    applyMs: b.applyMs - a.applyMs,
  };
}

export function probesInstalled(): typeof installed {
  return installed;
}

