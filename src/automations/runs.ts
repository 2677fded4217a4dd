import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { getRun, markStarted, requestRunCancel, unfinishedRuns } from '../db/runs';
import { pendingSignals, signalDelivered } from '../db/messages';
import type { Logger } from '../logger';
import { metrics } from '../metrics';
import { runSearchAttributes } from '../temporal/search-attributes';
import { engagementSignal, runEventSignal } from '../../workflows/signals';
import type { Engagement, RoutedEvent } from '../../workflows/types';
import { eventDelivered, pendingEventDeliveries } from '../db/run-events';
import type { RunWork } from './triggers';

export interface RunControlDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
  log: Logger;
  /**
   * Ask Temporal to hand a run's first workflow task straight back to this
   * process's worker (eager start), skipping the task queue; only when
   * `temporal` shares that worker's NativeConnection.
   */
  eagerStart?: boolean;
}

const MAX_CALLS_IN_FLIGHT = 32;

/** Calls on a workflow that has closed (or never existed) have nothing left to do. */
const isGone = (err: unknown) => err instanceof WorkflowNotFoundError;

/**
 * Everything Homing asks of run workflows in Temporal: start, cancel, deliver
 * engagement. Each call is idempotent, and whatever fails stays recorded in
 * Postgres (a pending run, a cancel request, an undelivered signal) for the
 * sweep to do again, so a Temporal outage delays runs but loses none.
 */
export class RunControl {
  private callsInFlight = 0;
  private readonly waitingCalls: Array<() => void> = [];

  constructor(private readonly deps: RunControlDeps) {}

  /**
   * Does the Temporal part of what a committed batch of events decided. Failures
   * are left to the sweep.
   */
  async apply(work: RunWork): Promise<void> {
    const deferred = (err: unknown) => this.deps.log.warn({ err }, 'run start, cancel or event deferred to the sweep');
    // Starts first: an event routed to a run started in the same batch needs its workflow.
    await Promise.all(work.start.map((id) => this.limited(() => this.start(id)).catch(deferred)));
    // A run's events one after another, in arrival order; different runs side by side.
    const byRun = new Map<string, RoutedEvent[]>();
    for (const { runId, event } of work.events) byRun.set(runId, [...(byRun.get(runId) ?? []), event]);
    await Promise.all([
      ...work.cancel.map((id) => this.limited(() => this.cancelWorkflow(id)).catch(deferred)),
      ...[...byRun].map(([runId, events]) =>
        this.limited(async () => {
          for (const event of events) await this.deliverEvent(runId, event);
        }).catch(deferred),
      ),
    ]);
  }

  /**
   * A few calls at a time across every batch in this process: thousands at once only
   * queue inside Temporal, keep runs pending long enough for the sweep to start them
   * again, and hold the worker's task slots that eager starts need.
   */
  private async limited(call: () => Promise<void>): Promise<void> {
    if (this.callsInFlight < MAX_CALLS_IN_FLIGHT) this.callsInFlight++;
    else await new Promise<void>((resolve) => this.waitingCalls.push(resolve));
    try {
      await call();
    } finally {
      // Hand the slot straight to the next waiting call, or give it back.
      const next = this.waitingCalls.shift();
      if (next) next();
      else this.callsInFlight--;
    }
  }

  async start(id: string): Promise<void> {
    const run = await getRun(this.deps.pool, id);
    if (run?.status !== 'pending') return;
    try {
      // The workflow type is the automation's id (workflows/automation-run.ts).
      const handle = await this.deps.temporal.workflow.start(run.automation, {
        workflowId: id,
        taskQueue: this.deps.taskQueue,
        args: [{ ...run.input, localActivities: true }],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: runSearchAttributes({ userId: run.user_id, mapping: run.mapping_id, automation: run.automation }),
        requestEagerStart: this.deps.eagerStart,
      });
      metrics.runStarts.inc({ eager: String(handle.eagerlyStarted) });
    } catch (err) {
      // Started before (this is a retry): one run per id, whatever happens.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    // No longer pending: another starter got there first (nothing to do), or the run was
    // canceled while it was being started (cancel what was just started).
    if (!(await markStarted(this.deps.pool, id)) && (await getRun(this.deps.pool, id))?.cancel_requested_at) await this.cancelWorkflow(id);
  }

  /** Cancels a run: at once if it has not started, through its workflow otherwise. False if it had already ended. */
  async cancel(id: string): Promise<boolean> {
    const status = await requestRunCancel(this.deps.pool, id);
    if (status === 'running') await this.cancelWorkflow(id);
    return status !== undefined;
  }

  private async cancelWorkflow(id: string): Promise<void> {
    await this.deps.temporal.workflow
      .getHandle(id)
      .cancel()
      .catch((err: unknown) => {
        if (!isGone(err)) throw err;
      });
  }

  /** Delivers an open or click to the run that owns the message; false when it could not be delivered now. */
  async signal(runId: string, engagement: Engagement, timelineEventId: string): Promise<boolean> {
    try {
      await this.deps.temporal.workflow.getHandle(runId).signal(engagementSignal, engagement);
    } catch (err) {
      if (!isGone(err)) {
        this.deps.log.warn({ err, runId, messageId: engagement.messageId }, 'engagement signal deferred to the sweep');
        return false;
      }
    }
    await signalDelivered(this.deps.pool, timelineEventId);
    return true;
  }

  /**
   * Hands a routed track event to its run. A workflow that is not there (not
   * started yet, or closed) leaves the delivery for the sweep, which only
   * retries runs still running.
   */
  async deliverEvent(runId: string, event: RoutedEvent): Promise<void> {
    try {
      await this.deps.temporal.workflow.getHandle(runId).signal(runEventSignal, event);
    } catch (err) {
      if (isGone(err)) return;
      throw err;
    }
    await eventDelivered(this.deps.pool, runId, event.messageId);
  }

  /** Retries what earlier attempts left undone. */
  async sweep(): Promise<void> {
    for (const run of await unfinishedRuns(this.deps.pool, 5_000)) {
      await (run.status === 'pending' ? this.start(run.id) : this.cancelWorkflow(run.id));
    }
    for (const s of await pendingSignals(this.deps.pool, 5_000)) {
      await this.signal(s.run_id, { messageId: s.message_id, kind: s.kind === 'CLICKED' ? 'clicked' : 'opened' }, s.id);
    }
    for (const d of await pendingEventDeliveries(this.deps.pool, 5_000)) await this.deliverEvent(d.run_id, d.event);
  }
}
