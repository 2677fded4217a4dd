import { condition, continueAsNew, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { wakeSignal } from './profile-shard';
import { limitsOf, shouldContinueAsNew, type HistoryLimits } from './history-limits';

const { exportOutcomes } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  // Segment down: keep trying, never give up (outcomes wait in Postgres meanwhile).
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * The one long-lived workflow that reports message outcomes to Segment: woken
 * when outcomes are queued (and every minute regardless), it exports them
 * through an activity that completes only once Segment accepted them.
 */
export async function outcomeExport(limits: HistoryLimits = {}): Promise<void> {
  let woken = true;
  setHandler(wakeSignal, () => {
    woken = true;
  });
  while (!shouldContinueAsNew(limits)) {
    if (!woken) await condition(() => woken, '1 minute');
    woken = false;
    await exportOutcomes();
  }
  await continueAsNew<typeof outcomeExport>(limitsOf(limits));
}
