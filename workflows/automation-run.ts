import { ApplicationFailure, CancellationScope, condition, isCancellation, proxyLocalActivities, sleep, workflowInfo } from '@temporalio/workflow';
import { msToNumber } from '@temporalio/common/lib/time';
import type { Activities } from '../activities';
import { isAutomation, type Automation, type AutomationContext, type Duration, type SentMessage, type TrackEvent, type TriggerEvent } from '../src/sdk/automation';
import { msUntilLocalTime } from './local-time';
import { deliver, runAutomation, trackEngagement } from './messaging';
import { trackRunEvents } from './run-events';
import type { RunInput } from './types';

const reads = proxyLocalActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '1 minute' } });

/** Misuse of `ctx` in a definition fails the run with this type instead of retrying a task that can only fail again. */
const misuse = (message: string) => ApplicationFailure.nonRetryable(message, 'AutomationDefinitionError');

/** A duration from a definition, checked: a bad one fails the run instead of every retry of its task. */
function msOf(duration: Duration, what: string): number {
  let ms: number;
  try {
    ms = msToNumber(duration as Parameters<typeof msToNumber>[0]);
  } catch {
    ms = NaN;
  }
  if (!(ms >= 0)) throw misuse(`${what}: ${JSON.stringify(duration)} is not a duration like "30s", "15m", "24h" or "3d"`);
  return ms;
}

/** The automations this bundle runs, by id: the built-ins and those HOMING_AUTOMATIONS adds (see src/temporal/workflow-source.ts). */
const registry = new Map<string, Automation>();

/** Registers every automation among the modules' exports (at bundle load, before any run). */
export function registerAutomations(modules: ReadonlyArray<Record<string, unknown>>): void {
  for (const mod of modules) {
    for (const value of Object.values(mod)) {
      if (!isAutomation(value)) continue;
      const known = registry.get(value.id);
      if (known && known !== value) throw new Error(`two automations have the id "${value.id}"`);
      registry.set(value.id, value);
    }
  }
}

/**
 * Every run of a defined automation: its workflow type is the automation's
 * id, which this bundle's default export receives. A worker without that
 * automation fails the workflow task, which Temporal retries until a worker
 * that has it takes the run.
 */
export async function automationRun(input: RunInput<Record<string, unknown>>): Promise<unknown> {
  const { workflowType } = workflowInfo();
  const automation = registry.get(workflowType);
  if (!automation) throw new Error(`automation ${workflowType} is not in this worker's bundle (is HOMING_AUTOMATIONS the same for every worker?)`);
  return runDefinition(automation, input);
}

/** Runs a definition's code with the context its primitives work on, and records how the run ended. */
export function runDefinition(automation: Automation, input: RunInput<Record<string, unknown>>): Promise<unknown> {
  const engagement = trackEngagement();
  // An exit event cancels the run's code wherever it waits; the run then ends with outcome goal.
  const exitOn = automation.exitOn ?? [];
  const body = new CancellationScope();
  let goal: string | undefined;
  const events = trackRunEvents((event) => {
    if (goal === undefined && exitOn.includes(event.name)) {
      goal = event.name;
      body.cancel();
    }
  });
  let trigger: Promise<TriggerEvent> | undefined;

  /** The events a wait names: declared ones only (no others are routed to the run). */
  const eventNames = (names: string | readonly string[], what: string): readonly string[] => {
    const wanted: readonly string[] = typeof names === 'string' ? [names] : names;
    const declared = automation.events ?? [];
    if (!Array.isArray(wanted) || wanted.length === 0) throw misuse(`${what}: name at least one event`);
    const undeclared = wanted.filter((n) => !declared.includes(n));
    if (undeclared.length > 0) {
      throw misuse(`${what}: ${undeclared.map((n) => JSON.stringify(n)).join(', ')} not in the automation's events (${declared.join(', ') || 'none declared'}); only declared events reach its runs`);
    }
    return wanted;
  };
  const whereOf = (where: unknown, what: string) => {
    if (where !== undefined && typeof where !== 'function') throw misuse(`${what}: where must be a function (event) => boolean`);
    return where as ((event: TrackEvent) => boolean) | undefined;
  };

  /**
   * Waits up to `ms` (0: only what has come already) for an engagement with
   * the message or one of the events, whichever comes first: one condition,
   * one timer. Each event is taken once.
   */
  async function first(
    ms: number,
    on: { engagement?: { message: SentMessage; kinds: ReadonlyArray<'opened' | 'clicked'> }; events?: readonly string[]; where?: (event: TrackEvent) => boolean },
  ): Promise<{ engaged: SentMessage } | { event: TrackEvent } | null> {
    let thrown: unknown;
    const engaged = () => on.engagement?.message.messageId !== undefined && engagement.has(on.engagement.message.messageId, on.engagement.kinds);
    const matching = () => {
      try {
        return on.events && events.find(on.events, on.where);
      } catch (err) {
        thrown ??= err;
        return undefined;
      }
    };
    const ready = () => engaged() || matching() !== undefined || thrown !== undefined;
    const came = ms === 0 ? ready() : await condition(ready, ms);
    if (thrown !== undefined) throw misuse(`where threw: ${(thrown as Error)?.message ?? String(thrown)}`);
    if (!came) return null;
    if (engaged()) return { engaged: on.engagement!.message };
    return { event: events.take(matching()!) };
  }

  const ctx: AutomationContext<Record<string, unknown>, Record<string, unknown>> = {
    runId: input.runId,
    userId: input.userId,
    params: input.params,
    async send(step, slot, opts = {}): Promise<SentMessage> {
      const channelOf = automation.templates[slot];
      const template = input.templates[slot];
      if (!channelOf || !template) throw misuse(`send("${step}", "${slot}"): "${slot}" is not a template of automation "${automation.id}"`);
      const channel = typeof channelOf === 'function' ? channelOf(input.params) : channelOf;
      const sent = await deliver(input, step, channel, template, msOf(opts.contactWait ?? '5m', `send("${step}") contactWait`));
      return sent.status === 'sent' ? { step, channel, status: 'sent', messageId: sent.messageId } : { step, channel, status: 'undeliverable', reason: sent.reason };
    },
    async waitForEngagement(message, kinds, timeout) {
      const ms = msOf(timeout, 'waitForEngagement timeout');
      // A message that was not sent cannot be opened: no wait at all.
      return message.status === 'sent' && (await first(ms, { engagement: { message, kinds } })) !== null;
    },
    async waitForEvent(names, opts) {
      const what = `waitForEvent(${JSON.stringify(names)})`;
      const found = await first(msOf(opts?.timeout, `${what} timeout`), { events: eventNames(names, what), where: whereOf(opts?.where, what) });
      return found && 'event' in found ? found.event : null;
    },
    async waitForFirst(timeout, { engagement, events: names, where }) {
      const what = 'waitForFirst';
      return first(msOf(timeout, `${what} timeout`), { engagement, events: names === undefined ? undefined : eventNames(names, what), where: whereOf(where, what) });
    },
    sleep: (duration) => sleep(msOf(duration, 'sleep')),
    async sleepUntil({ at, timezone }) {
      const zone = timezone ?? (await ctx.profile()).timezone;
      let ms: number;
      try {
        ms = msUntilLocalTime(Date.now(), at, zone);
      } catch (err) {
        throw misuse(`sleepUntil(${JSON.stringify({ at, timezone: zone })}): ${(err as Error).message}`);
      }
      await sleep(ms);
    },
    profile: () => reads.runProfile(input.runId),
    trigger: () => (trigger ??= reads.runTrigger(input.runId)),
  };
  const run = () => automation.run(ctx, input.params);
  if (exitOn.length === 0) return runAutomation(input, run);
  return runAutomation(input, async () => {
    try {
      return await body.run(run);
    } catch (err) {
      if (goal !== undefined && isCancellation(err)) return { outcome: 'goal', event: goal };
      throw err;
    }
  });
}
