import { Context } from '@temporalio/activity';
import type { Pool } from 'pg';
import { applyShardBatch } from '../src/ingest/apply';
import type { ShardWakeups } from '../src/ingest/shard-wakeups';

export interface ActivityDeps {
  pool: Pool;
  wakeups: ShardWakeups;
}

/** How long a drain waits for more work after its shard ran dry, and how long it may run at most. */
export const DRAIN_LINGER_MS = 2_000;
export const DRAIN_MAX_MS = 60_000;

/** The worker's activities, each a small function over injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    /**
     * Applies a shard's queued identify/group/alias events, batch after batch,
     * then lingers briefly for more (woken in-process by the outbox listener),
     * so steady traffic does not cost a Temporal round trip per batch.
     */
    async drainProfileShard(shard: number): Promise<{ applied: number }> {
      const ctx = Context.current();
      const until = Date.now() + DRAIN_MAX_MS;
      return deps.wakeups.hold(shard, async () => {
        let applied = 0;
        do {
          for (let more = true; more && !ctx.cancellationSignal.aborted; ) {
            const batch = await applyShardBatch(deps.pool, shard);
            applied += batch.applied;
            more = batch.more;
            ctx.heartbeat({ applied });
          }
        } while (Date.now() < until && !ctx.cancellationSignal.aborted && (await deps.wakeups.waitForWork(shard, DRAIN_LINGER_MS, ctx.cancellationSignal)));
        return { applied };
      });
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
