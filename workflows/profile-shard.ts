import { condition, continueAsNew, defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { Activities } from '../activities';

/** Sent by the dispatcher when new events are queued for the shard. Carries nothing: the queue is in Postgres. */
export const wakeSignal = defineSignal('wake');

export interface ProfileShardParams {
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

/** Keeps each run's history short; a new run picks up where this one left off. */
const MAX_HISTORY_EVENTS = 5_000;

/**
 * One long-lived workflow per shard applies the shard's queued profile changes
 * in order. Each activity drains the shard in batches and lingers for more, so
 * Temporal work grows with bursts of traffic, not with events or batches.
 */
export async function profileShard({ shard, idlePoll = '1 minute' }: ProfileShardParams): Promise<void> {
  let woken = true;
  setHandler(wakeSignal, () => {
    woken = true;
  });
  while (!workflowInfo().continueAsNewSuggested && workflowInfo().historyLength < MAX_HISTORY_EVENTS) {
    if (!woken) await condition(() => woken, idlePoll);
    woken = false;
    await drainProfileShard(shard);
  }
  await continueAsNew<typeof profileShard>({ shard, idlePoll });
}
