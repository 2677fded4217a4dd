import type { Pool, PoolClient } from 'pg';
import { inTransaction, isUnavailable } from '../db/pool';
import { completeBatch, takeBatch, type OutboxItem } from '../db/outbox';
import { aliasSchema, groupSchema, identifySchema } from '../segment/schemas';
import { applyAlias, applyIdentify } from './profiles';
import { applyGroup } from './groups';
import { metrics } from '../metrics';

export const BATCH_SIZE = 500;

export interface BatchResult {
  applied: number;
  failed: number;
  /** The shard had a full batch, so more may be waiting. */
  more: boolean;
}

async function applyOne(client: PoolClient, item: OutboxItem): Promise<void> {
  switch (item.type) {
    case 'identify':
      await applyIdentify(client, identifySchema.parse(item.payload));
      break;
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
export async function applyShardBatch(pool: Pool, shard: number, limit = BATCH_SIZE): Promise<BatchResult> {
  const end = metrics.applyBatchSeconds.startTimer();
  const run = (isolate: boolean) =>
    inTransaction(pool, async (client) => {
      const items = await takeBatch(client, shard, limit);
      let failed = 0;
      for (const item of items) {
        if (!isolate) {
          await applyOne(client, item);
          continue;
        }
        await client.query('SAVEPOINT item');
        try {
          await applyOne(client, item);
          await client.query('RELEASE SAVEPOINT item');
        } catch (err) {
          if (isTransient(err)) throw err;
          await client.query('ROLLBACK TO SAVEPOINT item');
          await client.query('UPDATE events SET error = $2 WHERE id = $1', [item.eventId, `not applied: ${(err as Error).message}`]);
          failed++;
        }
      }
      await completeBatch(client, items);
      return { applied: items.length - failed, failed, more: items.length === limit };
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
