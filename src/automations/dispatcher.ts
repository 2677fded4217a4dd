import type { Pool } from 'pg';
import type { Client } from '@temporalio/client';
import { OUTBOX_CHANNEL, pendingShards } from '../db/outbox';
import { OUTCOMES_CHANNEL } from '../db/outcomes';
import { SHARD_COUNT } from '../ingest/shards';
import type { ShardWakeups } from '../ingest/shard-wakeups';
import type { Logger } from '../logger';
import type { RunControl } from './runs';
import { OutboxListener } from './outbox-listener';

/** Workflow ids include the task queue, so deployments that share a namespace keep their own shards and runs. */
export const workflowIdPrefix = (taskQueue: string) => `homing:${taskQueue}:`;
export const shardWorkflowId = (taskQueue: string, shard: number) => `${workflowIdPrefix(taskQueue)}profile-shard-${shard}`;
export const outcomeExportWorkflowId = (taskQueue: string) => `${workflowIdPrefix(taskQueue)}outcome-export`;

/** A long-lived workflow the dispatcher wakes with a `wake` signal (starting it if needed). */
interface Sleeper {
  workflowType: 'profileShard' | 'outcomeExport';
  workflowId: string;
  args: unknown[];
}

export interface DispatcherDeps {
  databaseUrl: string;
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  /** Drains running in this process take notifications directly. */
  wakeups: ShardWakeups;
  /** Its sweep also retries run starts, cancels and engagement signals that failed. */
  runs: RunControl;
  log: Logger;
  /** How often to look for queued work regardless of notifications. */
  sweepMs?: number;
}

type WakeState = 'idle' | 'signalling' | 'again';

/**
 * Turns outbox notifications into work for the per-shard workflows: handed
 * in-process to a drain already running here, or else sent as a wake-up signal
 * (which starts the shard's workflow if needed). Signals for a shard are
 * coalesced (one in flight at a time) and a failed one is retried with
 * backoff, so ingest never waits on Temporal and a Temporal outage only delays
 * the backlog. Several dispatchers may run at once: an extra wake-up costs one
 * empty batch. Queued outcomes wake the outcome exporter the same way.
 */
export class Dispatcher {
  private readonly state = new Map<string, WakeState>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly listener: OutboxListener;
  private sweepTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly deps: DispatcherDeps) {
    deps.wakeups.onMissed = (shard) => this.wake(shard);
    this.listener = new OutboxListener({
      databaseUrl: deps.databaseUrl,
      channels: [OUTBOX_CHANNEL, OUTCOMES_CHANNEL],
      onNotification: (channel, payload) => this.notified(channel, payload),
      onReconnect: () => {
        void this.sweep();
        this.wakeExporter();
      },
      log: deps.log,
    });
  }

  async start(): Promise<void> {
    await this.listener.start();
    this.sweepTimer = setInterval(() => void this.sweep(), this.deps.sweepMs ?? 30_000);
    // Anything queued while no dispatcher was running.
    for (let shard = 0; shard < SHARD_COUNT; shard++) this.wake(shard);
    this.wakeExporter();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    await this.listener.stop();
    // The Temporal connection is closed after this; no call may still be retrying on it.
    await Promise.all(this.inFlight);
  }

  wake(shard: number): void {
    this.wakeWorkflow({ workflowType: 'profileShard', workflowId: shardWorkflowId(this.deps.taskQueue, shard), args: [{ shard }] });
  }

  /** Wakes the outcome exporter (outcomes are queued in Postgres). */
  wakeExporter(): void {
    this.wakeWorkflow({ workflowType: 'outcomeExport', workflowId: outcomeExportWorkflowId(this.deps.taskQueue), args: [] });
  }

  private wakeWorkflow(target: Sleeper): void {
    const state = this.state.get(target.workflowId) ?? 'idle';
    if (state !== 'idle') {
      this.state.set(target.workflowId, 'again');
      return;
    }
    const signalling = this.signal(target).finally(() => this.inFlight.delete(signalling));
    this.inFlight.add(signalling);
  }

  private async signal(target: Sleeper): Promise<void> {
    const id = target.workflowId;
    this.state.set(id, 'signalling');
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.deps.temporal.connection.withDeadline(Date.now() + 5_000, () =>
          this.deps.temporal.workflow.signalWithStart(target.workflowType, { workflowId: id, taskQueue: this.deps.taskQueue, args: target.args, signal: 'wake' }),
        );
        if (this.state.get(id) !== 'again') break;
        this.state.set(id, 'signalling');
        attempt = -1;
      } catch (err) {
        if (attempt === 0) this.deps.log.warn({ err, workflowId: id }, 'cannot reach Temporal to wake a workflow; retrying');
        if (!this.stopped) await new Promise((r) => setTimeout(r, Math.min(5_000, 100 * 2 ** attempt)));
      }
    }
    this.state.set(id, 'idle');
  }

  private async sweep(): Promise<void> {
    try {
      for (const shard of await pendingShards(this.deps.pool)) this.wake(shard);
      await this.deps.runs.sweep();
    } catch (err) {
      this.deps.log.warn({ err }, 'outbox sweep failed');
    }
  }

  private notified(channel: string, payload: string): void {
    if (channel === OUTCOMES_CHANNEL) return this.wakeExporter();
    for (const part of payload.split(',')) {
      const shard = Number(part);
      if (part !== '' && !this.deps.wakeups.deliver(shard)) this.wake(shard);
    }
  }
}
