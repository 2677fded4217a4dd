import type { Pool } from 'pg';
import type { RunControl } from '../automations/runs';
import { findByProviderId, getMessageRow, type MessageRow, type StatusChange } from '../db/messages';
import type { Logger } from '../logger';
import { optOutAddress, smsOptIn, smsOptOut, suppressAddress, unsubscribePerson } from '../consent/provider-signals';
import { emailAddress, phoneNumber } from '../messaging/addresses';
import { recordMessageEvent } from '../messaging/engagement';
import type { EngagementPolicy } from '../messaging/engagement-classification';
import { MESSAGE_ID_ARG, sendgridEvent, sendgridProviderId, sendgridSignal, sendgridStatusChange, type SendGridEvent, type SendGridSignal } from './sendgrid';
import { twilioStatusChange, type TwilioStatusCallback } from './twilio';
import { inboundIntent, type TwilioInboundMessage } from './twilio-inbound';

export interface WebhookDeps {
  pool: Pool;
  runs: RunControl;
  log: Logger;
  /** How provider-reported opens and clicks are told apart (ENGAGEMENT_* settings); default policy when unset. */
  engagement?: EngagementPolicy;
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
  const { recorded } = await recordMessageEvent(deps.pool, deps.runs, message, change, deps.engagement);
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

/**
 * A reply to Homing's number: an opt-out or opt-in keyword applies to the
 * number it came from; anything else, and a sender that is not a phone number
 * (`whatsapp:+…`: not an SMS opt-out), is no signal.
 */
export async function applyTwilioInbound(deps: WebhookDeps, m: TwilioInboundMessage): Promise<void> {
  const intent = inboundIntent(m);
  const address = phoneNumber(m.From);
  if (!intent || !address) return;
  const evidence = { messageSid: m.MessageSid, from: m.From, to: m.To, body: m.Body, optOutType: m.OptOutType };
  await (intent === 'opt-out' ? smsOptOut : smsOptIn)(deps.pool, { address, source: 'twilio', evidence });
  // The number is personal data: the sid finds the message in Twilio's console.
  deps.log.info({ provider: 'twilio', messageSid: m.MessageSid, intent }, 'SMS opt-out or opt-in keyword applied');
}

/**
 * Suppresses or unsubscribes as the event says. The address is the message's
 * recipient as the send stored it (what a later send is checked against); for a
 * message Homing does not know, SendGrid's copy: a bounce or complaint is a
 * fact about the address, whoever sent. An unsubscribe needs the message's person.
 */
async function applySendGridSignal(deps: WebhookDeps, e: SendGridEvent, signal: SendGridSignal, message: MessageRow | undefined, detail: Record<string, unknown>): Promise<void> {
  const evidence = { ...detail, email: e.email, messageId: message?.id };
  if (signal.kind === 'unsubscribe') {
    if (message) await unsubscribePerson(deps.pool, { userId: message.user_id, channel: 'email', source: 'sendgrid', evidence });
    return;
  }
  const address = message?.recipient ?? (e.email === undefined ? undefined : emailAddress(e.email));
  if (!address) return;
  await (signal.kind === 'opt-out' ? optOutAddress : suppressAddress)(deps.pool, { channel: 'email', address, reason: signal.reason, source: 'sendgrid', evidence });
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
    if (!change) {
      results.push({ sgEventId: e.sg_event_id, event: e.event, result: 'ignored' });
      continue;
    }
    const message = await findSendGridMessage(deps.pool, e);
    const signal = sendgridSignal(e);
    // Before the timeline entry: a redelivery after a failure in between applies it then (it is idempotent), not never.
    if (signal) await applySendGridSignal(deps, e, signal, message, change.detail ?? {});
    const result = await record(deps, message, change, { provider: 'sendgrid', event: e.event, sgEventId: e.sg_event_id, sgMessageId: e.sg_message_id });
    results.push({ sgEventId: e.sg_event_id, event: e.event, result });
  }
  return results;
}
