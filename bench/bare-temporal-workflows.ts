// The baseline's workflow bundle entry: the shape of an email-then-sms run with nothing of Homing in it.
import { condition, proxyActivities } from '@temporalio/workflow';

const { touch } = proxyActivities<{ touch(prefix: string, n: number): Promise<void> }>({ startToCloseTimeout: '1 minute' });

/** One activity (where Homing sends the email), then a 24 h wait that nothing ends. */
export async function bareRun(prefix: string, n: number): Promise<void> {
  await touch(prefix, n);
  await condition(() => false, '24h');
}
