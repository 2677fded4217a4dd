/**
 * What the automation bench reads from inside Homing's process without
 * touching src/: the Temporal Worker that startWorker creates (to read its
 * sticky cache size and status), and counters around the workflow starts that
 * RunControl makes and the Postgres queries Homing sends. Installed before the
 * worker starts.
 */
import { WorkflowClient } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { Client as PgClient } from 'pg';

/** bench/waits.ts's application_name: its samples are the bench's, not Homing's. */
const WAIT_SAMPLER = 'homing-bench-waits';

let latest: Worker | undefined;
const counters = { calls: 0, ms: 0, inFlight: 0, maxInFlight: 0, pgQueries: 0, eager: 0 };

export interface RunCounters {
  /** `WorkflowClient.start` calls (run starts, retries included) and their total duration. */
  calls: number;
  ms: number;
  /** Most starts awaiting Temporal at once since the last read. */
  maxInFlight: number;
  /** Queries sent to Postgres from this process (the bench's wait sampler left out). */
  pgQueries: number;
  /** Starts the server handed straight back to this process's worker (`eagerlyStarted` on the handle). */
  eager: number;
}

export function installWorkerProbe(): void {
  const create = Worker.create.bind(Worker);
  Worker.create = async (options) => {
    latest = await create(options);
    return latest;
  };
  const proto = WorkflowClient.prototype as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const start = proto.start!;
  proto.start = async function (this: unknown, ...args: unknown[]) {
    const t0 = performance.now();
    counters.inFlight++;
    counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight);
    try {
      const handle = (await start.apply(this, args)) as { eagerlyStarted?: boolean };
      if (handle?.eagerlyStarted) counters.eager++;
      return handle;
    } finally {
      counters.inFlight--;
      counters.calls++;
      counters.ms += performance.now() - t0;
    }
  };
  const pg = PgClient.prototype as unknown as { query: (...args: unknown[]) => unknown; connectionParameters?: { application_name?: string } };
  const query = pg.query;
  pg.query = function (this: typeof pg, ...args: unknown[]) {
    if (this.connectionParameters?.application_name !== WAIT_SAMPLER) counters.pgQueries++;
    return query.apply(this, args);
  };
}

/** Counters so far; resets the in-flight high-water mark. */
export function readCounters(): RunCounters {
  const read = { calls: counters.calls, ms: counters.ms, maxInFlight: counters.maxInFlight, pgQueries: counters.pgQueries, eager: counters.eager };
  counters.maxInFlight = counters.inFlight;
  return read;
}

export function countersDelta(a: RunCounters, b: RunCounters): RunCounters {
  return { calls: b.calls - a.calls, ms: b.ms - a.ms, maxInFlight: b.maxInFlight, pgQueries: b.pgQueries - a.pgQueries, eager: b.eager - a.eager };
}

export interface WorkerState {
  /** The sticky cache: at most this many workflows are kept in the worker's memory between their tasks. */
  maxCachedWorkflows: number;
  workflowTaskSlots?: number;
  activityTaskSlots?: number;
  numCachedWorkflows: number;
  numInFlightWorkflowActivations: number;
  numInFlightActivities: number;
}

type Slots = { workflowTaskSlotSupplier?: { numSlots?: number }; activityTaskSlotSupplier?: { numSlots?: number } };

export function workerState(): WorkerState | undefined {
  if (!latest) return undefined;
  const s = latest.getStatus();
  const tuner = latest.options.tuner as Slots;
  return {
    maxCachedWorkflows: latest.options.maxCachedWorkflows,
    workflowTaskSlots: tuner.workflowTaskSlotSupplier?.numSlots,
    activityTaskSlots: tuner.activityTaskSlotSupplier?.numSlots,
    numCachedWorkflows: s.numCachedWorkflows,
    numInFlightWorkflowActivations: s.numInFlightWorkflowActivations,
    numInFlightActivities: s.numInFlightActivities,
  };
}
