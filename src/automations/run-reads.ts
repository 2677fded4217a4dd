import { ApplicationFailure } from '@temporalio/common';
import type { Pool } from 'pg';
import { runRecipient, runTriggerEvent } from '../db/run-reads';
import { contactOf } from '../ingest/traits';
import type { RecipientProfile, TriggerEvent } from '../sdk/automation';
import { isTimeZone } from '../../workflows/local-time';

/** The recipient's time zone: the `timezone` trait, else the trigger's `context.timezone`, else the installation's (unknown zones skipped). */
export function recipientTimeZone(traits: Record<string, unknown>, eventTimezone: unknown, fallback: string): string {
  return [traits.timezone, eventTimezone].find(isTimeZone) ?? fallback;
}

/** A run's recipient as `ctx.profile()` gives it: current traits, contacts, audiences, groups and time zone. */
export async function readRecipient(pool: Pool, runId: string, defaultTimezone: string): Promise<RecipientProfile> {
  const row = await runRecipient(pool, runId);
  if (!row) throw ApplicationFailure.nonRetryable(`run ${runId} is not recorded`, 'UnknownRun');
  const traits = row.traits ?? {};
  const contact = contactOf(traits);
  return {
    userId: row.user_id,
    traits,
    ...(contact.email ? { email: contact.email } : {}),
    ...(contact.phone ? { phone: contact.phone } : {}),
    audiences: Object.entries(row.audiences ?? {})
      .filter(([, a]) => a.member)
      .map(([key]) => key),
    groups: row.groups,
    // A zone that Intl does not know is skipped rather than failing the run's wait.
    timezone: recipientTimeZone(traits, row.event_timezone, defaultTimezone),
  };
}

/** The event that started a run, as `ctx.trigger()` gives it. */
export async function readTrigger(pool: Pool, runId: string): Promise<TriggerEvent> {
  const payload = await runTriggerEvent(pool, runId);
  if (!payload) throw ApplicationFailure.nonRetryable(`the trigger event of run ${runId} is not in the event log`, 'UnknownTrigger');
  const properties = (payload.properties ?? payload.traits ?? {}) as Record<string, unknown>;
  return {
    type: String(payload.type),
    ...(typeof payload.event === 'string' ? { event: payload.event } : {}),
    properties,
    messageId: String(payload.messageId),
    ...(typeof payload.timestamp === 'string' ? { timestamp: payload.timestamp } : {}),
  };
}
