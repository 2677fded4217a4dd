import type { PoolClient } from 'pg';
import { mappingsCanceledBy, mappingsTriggeredBy, type Trigger } from '../db/mappings';
import { resolveProfileId } from '../db/profiles';
import { closeRunRow, insertRun, requestCancel } from '../db/runs';
import { findAutomation } from './catalog';
import { resolveTemplates, runConsent } from './mappings';
import type { RoutedEvent, RunInput } from '../../workflows/types';
import { addEventInterests, routeEvent } from '../db/run-events';

/** Temporal work that a batch of events produced, to be done once the batch is committed. */
export interface RunWork {
  start: string[];
  cancel: string[];
  /** Track events routed to runs that listen to them, in arrival order. */
  events: Array<{ runId: string; event: RoutedEvent }>;
}

export const noRunWork = (): RunWork => ({ start: [], cancel: [], events: [] });

/** Adds `from`'s work to `into`, keeping the order. */
export function addRunWork(into: RunWork, from: RunWork): void {
  into.start.push(...from.start);
  into.cancel.push(...from.cancel);
  into.events.push(...from.events);
}

export interface TriggerContext {
  /** The profile the run is for. */
  userId: string;
  messageId: string;
  /** How the trigger shows in the run list: the track event's name, `identify`, or `audience:<key>`. */
  triggerEvent: string;
  /** Prefix of workflow ids, so several installations can share a Temporal namespace. */
  workflowIdPrefix: string;
}

/** The Temporal workflow id, and Homing's run id, of the run a mapping starts for a triggering event. */
export const runIdFor = (prefix: string, mappingId: string, messageId: string) => `${prefix}run:${mappingId}:${messageId}`;

/**
 * Records a pending run for every published mapping the trigger matches, with
 * the mapping version and template versions of this moment. One run per
 * (mapping, messageId): a redelivered or re-applied event adds nothing.
 */
export async function triggerRuns(client: PoolClient, trigger: Trigger, ctx: TriggerContext, work: RunWork): Promise<void> {
  for (const mapping of await mappingsTriggeredBy(client, trigger)) {
    const runId = runIdFor(ctx.workflowIdPrefix, mapping.id, ctx.messageId);
    const automation = findAutomation(mapping.automation);
    const input: RunInput<Record<string, unknown>> = {
      runId,
      userId: ctx.userId,
      automation: mapping.automation,
      params: mapping.params,
      templates: automation ? await resolveTemplates(client, automation, mapping.params) : {},
      consent: runConsent(mapping, automation),
    };
    const created = await insertRun(client, {
      id: runId,
      mapping_id: mapping.id,
      mapping_version: mapping.version,
      automation: mapping.automation,
      user_id: ctx.userId,
      trigger_message_id: ctx.messageId,
      trigger_event: ctx.triggerEvent,
      input,
    });
    if (!created) continue;
    if (automation) await addEventInterests(client, runId, ctx.userId, [...(automation.events ?? []), ...(automation.exitOn ?? [])]);
    // A mapping of an automation this process did not load (HOMING_AUTOMATIONS differs
    // between processes): the run is recorded as failed, saying why, rather than
    // holding up every other event of the shard.
    if (automation) work.start.push(runId);
    else await closeRunRow(client, runId, 'failed', { error: `automation "${mapping.automation}" is not loaded by this worker (check HOMING_AUTOMATIONS)` });
  }
}

/** A track event: reaches the user's runs that listen to it, cancels those it is a goal of, and starts the runs it is mapped to. */
export async function applyTrack(
  client: PoolClient,
  event: { event: string; messageId: string; userId?: string; anonymousId?: string; properties?: Record<string, unknown> | null; timestamp?: string | null },
  seq: number,
  workflowIdPrefix: string,
  work: RunWork,
): Promise<void> {
  const id = (event.userId ?? event.anonymousId)!;
  const userId = (await resolveProfileId(client, id)) ?? id;
  // To the runs already listening (before this event starts new ones, which it does not reach).
  const routed: RoutedEvent = { name: event.event, properties: event.properties ?? {}, messageId: event.messageId, seq, ...(event.timestamp ? { timestamp: event.timestamp } : {}) };
  for (const runId of await routeEvent(client, userId, routed)) work.events.push({ runId, event: routed });
  const canceled = await mappingsCanceledBy(client, event.event);
  if (canceled.length > 0) work.cancel.push(...(await requestCancel(client, userId, canceled)));
  await triggerRuns(client, { type: 'track', event: event.event }, { userId, messageId: event.messageId, triggerEvent: event.event, workflowIdPrefix }, work);
}
