import type { Pool, PoolClient } from 'pg';
import { inTransaction, isUnavailable } from '../db/pool';
import { completeBatch, takeBatch, type OutboxItem } from '../db/outbox';
import { aliasSchema, groupSchema, identifySchema, trackSchema } from '../segment/schemas';
import { addRunWork, applyTrack, noRunWork, triggerRuns, type RunWork } from '../automations/triggers';
import { applyAlias, applyIdentify } from './profiles';
import { identifyPreferences } from '../consent/identify-preferences';
import type { ConsentTrait } from '../consent/settings';
import { changePreference } from '../db/consent';
import { applyGroup } from './groups';
import { metrics } from '../metrics';

export const BATCH_SIZE = 500;

export interface BatchResult {
  applied: number;
  failed: number;
  /** The shard had a full batch, so more may be waiting. */
  more: boolean;
  /** Runs to start and to cancel in Temporal, now that the batch is committed. */
  runs: RunWork;
}

export interface ApplyOptions {
  /** Prefix of the workflow ids of the runs that events start. */
  workflowIdPrefix: string;
  /** CONSENT_TRAITS: identify traits that carry a subscription. */
  consentTraits?: readonly ConsentTrait[];
  limit?: number;
}

async function applyOne(client: PoolClient, item: OutboxItem, opts: ApplyOptions, work: RunWork): Promise<void> {
  const prefix = opts.workflowIdPrefix;
  switch (item.type) {
    case 'identify': {
      const event = identifySchema.parse(item.payload);
      const outcome = await applyIdentify(client, event);
      // Before its runs start: a person who opts out in the identify that triggers a run gets nothing from it.
      for (const change of identifyPreferences(event, opts.consentTraits ?? [])) await changePreference(client, { userId: outcome.userId, ...change });
      const ctx = { userId: outcome.userId, messageId: event.messageId!, workflowIdPrefix: prefix };
      if (outcome.created) await triggerRuns(client, { type: 'identify' }, { ...ctx, triggerEvent: 'identify' }, work);
      for (const audience of outcome.enteredAudiences) {
        await triggerRuns(client, { type: 'audience', audience }, { ...ctx, triggerEvent: `audience:${audience}` }, work);
      }
      break;
    }
    case 'track': {
      const event = trackSchema.parse(item.payload);
      await applyTrack(client, { ...event, messageId: event.messageId! }, Number(item.eventId), prefix, work);
      break;
    }
    case 'group':
      await applyGroup(client, groupSchema.parse(item.payload));
      break;
    case 'alias':
      await applyAlias(client, aliasSchema.parse(item.payload));
      break;
    default:
      throw new Error(`no profile change for event type ${item.type}`);
  }
  metrics.appliedEvents.inc({ type: item.type });
}

/** Deadlocks, serialization failures and lost connections are worth retrying whole. */
function isTransient(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return isUnavailable(err) || code === '40P01' || code === '40001';
}

/**
 * Applies the oldest queued profile changes of one shard, in order, in one
 * transaction together with their removal from the outbox: a retry after a
 * crash finds them either all applied and gone or all still queued.
 *
 * An event that cannot be applied (which validation should make impossible)
 * must not block its shard forever: the batch is then redone with a savepoint
 * per event, and the failing one is marked with its error and skipped.
 */
export async function applyShardBatch(pool: Pool, shard: number, opts: ApplyOptions): Promise<BatchResult> {
  const limit = opts.limit ?? BATCH_SIZE;
  const end = metrics.applyBatchSeconds.startTimer();
  const run = (isolate: boolean) =>
    inTransaction(pool, async (client) => {
      const items = await takeBatch(client, shard, limit);
      const runs = noRunWork();
      let failed = 0;
      for (const item of items) {
        if (!isolate) {
          await applyOne(client, item, opts, runs);
          continue;
        }
        await client.query('SAVEPOINT item');
        // Run work of an event rolled back to its savepoint must be forgotten with it.
        const own = noRunWork();
        try {
          await applyOne(client, item, opts, own);
          await client.query('RELEASE SAVEPOINT item');
          addRunWork(runs, own);
        } catch (err) {
          if (isTransient(err)) throw err;
          await client.query('ROLLBACK TO SAVEPOINT item');
          await client.query('UPDATE events SET error = $2 WHERE id = $1', [item.eventId, `not applied: ${(err as Error).message}`]);
          failed++;
        }
      }
      await completeBatch(client, items);
      return { applied: items.length - failed, failed, more: items.length === limit, runs };
    });
  try {
    return await run(false).catch((err: unknown) => {
      if (isTransient(err)) throw err;
      return run(true);
    });
  } finally {
    end();
  }
}
