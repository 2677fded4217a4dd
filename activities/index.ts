import type { Pool } from 'pg';
import { applyShardBatch } from '../src/ingest/apply';

export interface ActivityDeps {
  pool: Pool;
}

/** The worker's activities, each a small function over injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    /** Applies the next batch of a shard's queued identify/group/alias events. */
    applyProfileBatch: (shard: number) => applyShardBatch(deps.pool, shard),
  };
}

export type Activities = ReturnType<typeof createActivities>;
