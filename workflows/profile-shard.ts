import { condition, continueAsNew, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities';
import { limitsOf, shouldContinueAsNew, type HistoryLimits } from './history-limits';

/** Sent by the dispatcher when new events are queued for the shard. Carries nothing: the queue is in Postgres. */
export const wakeSignal = defineSignal('wake');

export interface ProfileShardParams extends HistoryLimits {
  shard: number;
  /** How often an idle shard looks at its queue anyway, in case a wake-up was lost. */
  idlePoll?: Duration;
}

const { drainProfileShard } = proxyActivities<Activities>({
  // A drain runs at most a minute and heartbeats at least every few seconds.
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '200 ms', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

/**
 * One long-lived workflow per shard applies the shard's queued profile changes
 * in order. Each activity drains the shard in batches and lingers for more, so
 * Temporal work grows with bursts of traffic, not with events or batches.
 */
export async function profileShard(params: ProfileShardParams): Promise<void> {
  const { shard, idlePoll = '1 minute' } = params;
  let woken = true;
  setHandler(wakeSignal, () => {
    woken = true;
  });
  // Keeps each run's history cheap to replay; a new run picks up where this one left off.
  while (!shouldContinueAsNew(params)) {
    if (!woken) await condition(() => woken, idlePoll);
    woken = false;
    await drainProfileShard(shard);
  }
  await continueAsNew<typeof profileShard>({ shard, idlePoll, ...limitsOf(params) });
}
