import type { Pool } from 'pg';
import type { RunControl } from '../automations/runs';
import { findByProviderId, getMessageRow, type MessageRow, type StatusChange } from '../db/messages';
import type { Logger } from '../logger';
import { recordMessageEvent } from '../messaging/engagement';
import { MESSAGE_ID_ARG, sendgridEvent, sendgridProviderId, sendgridStatusChange, type SendGridEvent } from './sendgrid';
import { twilioStatusChange, type TwilioStatusCallback } from './twilio';

export interface WebhookDeps {
  pool: Pool;
  runs: RunControl;
  log: Logger;
}

/** What became of one provider event. */
export const EVENT_RESULTS = ['recorded', 'duplicate', 'unknown-message', 'ignored', 'invalid'] as const;
export type EventResult = (typeof EVENT_RESULTS)[number];

/**
 * Records the event on its message's timeline (an open or click also reaches
 * the run). An unknown message is logged and answered as handled: providers
 * retry anything but a 2xx for hours, and no retry makes the message known.
 */
async function record(deps: WebhookDeps, message: MessageRow | undefined, change: StatusChange, context: Record<string, unknown>): Promise<EventResult> {
  if (!message) {
    deps.log.info(context, 'provider event for a message Homing does not know; ignored');
    return 'unknown-message';
  }
  const { recorded } = await recordMessageEvent(deps.pool, deps.runs, message, change);
  return recorded ? 'recorded' : 'duplicate';
}

/**
 * By Twilio's MessageSid; else by the message id in the callback URL (signed with
 * it), for a callback that overtakes the recording of the sid after the send.
 */
export async function applyTwilioCallback(deps: WebhookDeps, cb: TwilioStatusCallback, homingMessageId?: string): Promise<EventResult> {
  const byUrl = homingMessageId ? await getMessageRow(deps.pool, homingMessageId) : undefined;
  const message = (await findByProviderId(deps.pool, 'twilio', cb.MessageSid)) ?? (byUrl?.provider === 'twilio' ? byUrl : undefined);
  return record(deps, message, twilioStatusChange(cb), { provider: 'twilio', messageSid: cb.MessageSid, messageStatus: cb.MessageStatus });
}

/** By the message id Homing put in the custom args; else, for an event without them, by SendGrid's id. */
async function findSendGridMessage(pool: Pool, e: SendGridEvent): Promise<MessageRow | undefined> {
  const homingId = e[MESSAGE_ID_ARG];
  if (homingId) {
    const message = await getMessageRow(pool, homingId);
    return message?.provider === 'sendgrid' ? message : undefined;
  }
  const providerId = sendgridProviderId(e);
  return providerId ? findByProviderId(pool, 'sendgrid', providerId) : undefined;
}

export interface SendGridResult {
  sgEventId?: string;
  event?: string;
  result: EventResult;
  error?: string;
}

/**
 * Applies a batch in order. A malformed event is reported and skipped rather
 * than failing the batch: SendGrid would resend the whole batch for a day, and
 * the malformed event would never get better.
 */
export async function applySendGridEvents(deps: WebhookDeps, items: unknown[]): Promise<SendGridResult[]> {
  const results: SendGridResult[] = [];
  for (const item of items) {
    const parsed = sendgridEvent.safeParse(item);
    if (!parsed.success) {
      const error = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      deps.log.warn({ provider: 'sendgrid', error }, 'malformed SendGrid event skipped');
      results.push({ result: 'invalid', error });
      continue;
    }
    const e = parsed.data;
    const change = sendgridStatusChange(e);
    const result = change
      ? await record(deps, await findSendGridMessage(deps.pool, e), change, { provider: 'sendgrid', event: e.event, sgEventId: e.sg_event_id, sgMessageId: e.sg_message_id })
      : 'ignored';
    results.push({ sgEventId: e.sg_event_id, event: e.event, result });
  }
  return results;
}
