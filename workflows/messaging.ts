import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../activities';
import { engagementSignal } from './signals';
import type { Channel, Engagement, RunInput, SendOutcome, TemplateRef } from './types';

const SEND_RETRY = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 };
const CLOSE_RETRY = { initialInterval: '1 second', maximumInterval: '1 minute' };

// Runs started without `localActivities` in their input (by earlier builds) replay these.
const remote = {
  sendMessage: proxyActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    // The send heartbeats while the provider works, so a worker that died mid-send is noticed quickly.
    heartbeatTimeout: '10 seconds',
    retry: SEND_RETRY,
  }).sendMessage,
  closeRun: proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: CLOSE_RETRY }).closeRun,
};

/**
 * Sends and closes run inside the workflow task as local activities: no
 * activity task to schedule, match, start and complete, and a run parks after
 * one workflow task. A worker that dies mid-send lets the workflow task time
 * out (10 s) and another worker runs the send again, which the message row
 * makes safe (see messaging/send.ts), as an activity's retry would.
 */
const local = {
  sendMessage: proxyLocalActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: SEND_RETRY }).sendMessage,
  closeRun: proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: CLOSE_RETRY }).closeRun,
};

/**
 * Which kind a run uses is fixed by its input, so each run's history stays
 * consistent across deploys (a patched() marker would also upsert a search
 * attribute on every run, one more visibility write each).
 */
const activitiesOf = (input: RunInput<unknown>) => (input.localActivities ? local : remote);

/**
 * Records every engagement signal from the start of the run, so an open that
 * arrives before the workflow waits for it is not lost.
 */
export function trackEngagement() {
  const seen = new Map<string, Set<Engagement['kind']>>();
  setHandler(engagementSignal, ({ messageId, kind }) => {
    seen.set(messageId, (seen.get(messageId) ?? new Set()).add(kind));
  });
  return {
    /** Whether one of `kinds` on `messageId` has come. */
    has: (messageId: string, kinds: ReadonlyArray<Engagement['kind']>) => kinds.some((k) => seen.get(messageId)?.has(k)),
  };
}

/**
 * Sends one message. A recipient without an address for the channel is asked
 * again with growing pauses until `contactWait` has passed (Segment does not
 * guarantee that the identify with the address arrives first). A send is never
 * interrupted by cancellation halfway: the run stops at its next wait.
 */
export async function deliver(
  input: RunInput<unknown>,
  step: string,
  channel: Channel,
  template: TemplateRef,
  contactWait: Duration,
): Promise<Exclude<SendOutcome, { status: 'no-contact' | 'held' }>> {
  let deadline = Date.now() + msToNumber(contactWait);
  for (let pause = 5_000; ; pause = Math.min(pause * 2, 60_000)) {
    const finalContactCheck = Date.now() >= deadline;
    try {
      const outcome = await CancellationScope.nonCancellable(() =>
        activitiesOf(input).sendMessage({ runId: input.runId, step, channel, template, finalContactCheck, at: Date.now() }),
      );
      if (outcome.status === 'held') {
        // Quiet hours: a durable timer to the window's opening, then every check again (the
        // person may have opted out meanwhile). The wait for an address starts over after it.
        await sleep(Math.max(outcome.until - Date.now(), 0));
        deadline = Date.now() + msToNumber(contactWait);
        continue;
      }
      if (outcome.status !== 'no-contact') return outcome;
    } catch (err) {
      // A non-retryable failure (a template that does not render, a provider's 4xx): the
      // activity has marked the message UNDELIVERABLE; the automation goes on without it.
      // (An activity's failure arrives wrapped in an ActivityFailure, a local activity's as it was thrown.)
      const cause = err instanceof ActivityFailure ? err.cause : err;
      if (cause instanceof ApplicationFailure && cause.nonRetryable) return { status: 'undeliverable', reason: cause.type ?? 'failed' };
      throw err;
    }
    await sleep(Math.min(pause, Math.max(deadline - Date.now(), 0)));
  }
}

/** Runs an automation's body and records how the run ended (a canceled run marks its unsent messages CANCELED). */
export async function runAutomation<P, R>(input: RunInput<P>, body: () => Promise<R>): Promise<R> {
  try {
    const result = await body();
    await activitiesOf(input).closeRun({ runId: input.runId, status: 'completed', result });
    return result;
  } catch (err) {
    const status = isCancellation(err) ? 'canceled' : 'failed';
    await CancellationScope.nonCancellable(() => activitiesOf(input).closeRun({ runId: input.runId, status, error: String((err as Error).message ?? err) }));
    throw err;
  }
}
