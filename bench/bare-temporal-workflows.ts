// The baseline's workflow bundle entry: the shape of an email-then-sms run with nothing of Homing in it.
import { condition, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

type Touch = { touch(prefix: string, n: number): Promise<void> };
const { touch } = proxyActivities<Touch>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<Touch>({ startToCloseTimeout: '1 minute' });

/** The textbook shape: one activity (where Homing sends the email), then a 24 h wait that nothing ends. */
export async function bareRun(prefix: string, n: number): Promise<void> {
  await touch(prefix, n);
  await condition(() => false, '24h');
}

/** Homing's own shape: started eagerly by the worker's client, the send as a local activity, then the wait. */
export async function bareRunLocal(prefix: string, n: number): Promise<void> {
  await local.touch(prefix, n);
  await condition(() => false, '24h');
}
