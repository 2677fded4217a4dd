import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../activities';
import { engagementSignal } from './signals';
import type { Channel, Engagement, RunInput, SendOutcome, TemplateRef } from './types';

const { sendMessage } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  // The send heartbeats while the provider works, so a worker that died mid-send is noticed quickly.
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 20 },
});

const { closeRun } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute' },
});

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
    /** Waits up to `timeout` for one of `kinds` on `messageId`; true if it came. */
    waitFor: (messageId: string, kinds: Array<Engagement['kind']>, timeout: Duration) =>
      condition(() => kinds.some((k) => seen.get(messageId)?.has(k)), timeout),
  };
}

/**
 * Sends one message. A recipient without an address for the channel is asked
 * again with growing pauses until `contactWait` has passed (Segment does not
 * guarantee that the identify with the address arrives first). A send is never
 * interrupted by cancellation halfway: the run stops at its next wait.
 */
export async function deliver(runId: string, step: string, channel: Channel, template: TemplateRef, contactWait: Duration): Promise<SendOutcome> {
  const deadline = Date.now() + msToNumber(contactWait);
  for (let pause = 5_000; ; pause = Math.min(pause * 2, 60_000)) {
    const finalContactCheck = Date.now() >= deadline;
    try {
      const outcome = await CancellationScope.nonCancellable(() => sendMessage({ runId, step, channel, template, finalContactCheck }));
      if (outcome.status !== 'no-contact') return outcome;
    } catch (err) {
      // A non-retryable failure (a template that does not render, a provider's 4xx): the
      // activity has marked the message UNDELIVERABLE; the automation goes on without it.
      if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable) {
        return { status: 'undeliverable', reason: err.cause.type ?? 'failed' };
      }
      throw err;
    }
    await sleep(Math.min(pause, Math.max(deadline - Date.now(), 0)));
  }
}

/** Runs an automation's body and records how the run ended (a canceled run marks its unsent messages CANCELED). */
export async function runAutomation<P, R>(input: RunInput<P>, body: () => Promise<R>): Promise<R> {
  try {
    const result = await body();
    await closeRun({ runId: input.runId, status: 'completed', result });
    return result;
  } catch (err) {
    const status = isCancellation(err) ? 'canceled' : 'failed';
    await CancellationScope.nonCancellable(() => closeRun({ runId: input.runId, status, error: String((err as Error).message ?? err) }));
    throw err;
  }
}
