import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { applyShardBatch } from '../src/ingest/apply';
import type { ShardWakeups } from '../src/ingest/shard-wakeups';
import type { RunControl } from '../src/automations/runs';
import { cancelRunMessages } from '../src/db/messages';
import { closeRunRow } from '../src/db/runs';
import { recordIgnored } from '../src/db/outcomes';
import { exportOutcomes, type ExporterConfig } from '../src/outcomes/exporter';
import { inTransaction } from '../src/db/pool';
import { sendMessage, type SendDeps } from '../src/messaging/send';
import type { RunStatus, SendRequest } from '../workflows/types';
import { readRecipient, readTrigger } from '../src/automations/run-reads';
import type { RecipientProfile, TriggerEvent } from '../src/sdk/automation';

export interface ActivityDeps {
  pool: Pool;
  wakeups: ShardWakeups;
  runs: RunControl;
  send: SendDeps;
  outcomes: ExporterConfig;
  /** Prefix of the workflow ids of runs (includes the task queue). */
  workflowIdPrefix: string;
  /** HOMING_DEFAULT_TIMEZONE, for recipients without one. */
  defaultTimezone: string;
}

/**
 * An ignored run's result: `{outcome: 'ignored'}`, or `{opened: false}` as
 * email-then-sms returned it before automations were definitions (a closeRun
 * activity task scheduled by that code may still run after an upgrade).
 */
const isIgnored = (result: unknown) => {
  const r = result as { outcome?: unknown; opened?: unknown } | undefined;
  return r?.outcome === 'ignored' || r?.opened === false;
};

/** How long a drain waits for more work after its shard ran dry, and how long it may run at most. */
export const DRAIN_LINGER_MS = 2_000;
export const DRAIN_MAX_MS = 60_000;

/** The worker's activities, each a small function over injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    /**
     * Applies a shard's queued events (profile changes, mapped tracks) batch
     * after batch, starting and canceling the runs they call for, then lingers
     * briefly for more (woken in-process by the outbox listener), so steady
     * traffic does not cost a Temporal round trip per batch.
     */
    async drainProfileShard(shard: number): Promise<{ applied: number }> {
      const ctx = Context.current();
      const until = Date.now() + DRAIN_MAX_MS;
      return deps.wakeups.hold(shard, async () => {
        let applied = 0;
        do {
          for (let more = true; more && !ctx.cancellationSignal.aborted; ) {
            const batch = await applyShardBatch(deps.pool, shard, { workflowIdPrefix: deps.workflowIdPrefix, consentTraits: deps.send.consent.traits });
            await deps.runs.apply(batch.runs);
            applied += batch.applied;
            more = batch.more;
            ctx.heartbeat({ applied });
          }
        } while (Date.now() < until && !ctx.cancellationSignal.aborted && (await deps.wakeups.waitForWork(shard, DRAIN_LINGER_MS, ctx.cancellationSignal)));
        return { applied };
      });
    },

    /** Renders and sends one message of a run (see messaging/send.ts for why a retry never sends twice). */
    async sendMessage(req: SendRequest) {
      const ctx = Context.current();
      const maxAttempts = ctx.info.retryPolicy?.maximumAttempts ?? 0;
      // A local activity cannot heartbeat: the SDK keeps its workflow task alive instead.
      const heartbeat = ctx.info.isLocal ? () => undefined : () => ctx.heartbeat();
      return sendMessage(deps.send, req, { last: maxAttempts > 0 && ctx.info.attempt >= maxAttempts, heartbeat });
    },

    /** `ctx.profile()`: the run's recipient as stored now. */
    async runProfile(runId: string): Promise<RecipientProfile> {
      return readRecipient(deps.pool, runId, deps.defaultTimezone);
    },

    /** `ctx.trigger()`: the event that started the run. */
    async runTrigger(runId: string): Promise<TriggerEvent> {
      return readTrigger(deps.pool, runId);
    },

    /**
     * Records how a run ended. A canceled run's messages not sent yet become
     * CANCELED (sent ones stay sent); a run whose outcome is `ignored` reports
     * its ignored escalation to Segment.
     */
    async closeRun(close: { runId: string; status: RunStatus; result?: unknown; error?: string }): Promise<void> {
      await inTransaction(deps.pool, async (client) => {
        await closeRunRow(client, close.runId, close.status, close.result ?? (close.error ? { error: close.error } : undefined));
        if (close.status === 'canceled') await cancelRunMessages(client, close.runId);
        if (isIgnored(close.result)) await recordIgnored(client, close.runId);
      });
    },

    /** Sends queued outcomes to Segment; completes only when Segment accepted them (see outcomes/exporter.ts). */
    async exportOutcomes(): Promise<{ exported: number }> {
      const ctx = Context.current();
      return { exported: await exportOutcomes(deps.pool, deps.outcomes, () => ctx.heartbeat()) };
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
