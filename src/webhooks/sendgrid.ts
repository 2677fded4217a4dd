import crypto, { type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { pgText } from '../db/pg-bounds';
import type { StatusChange } from '../db/messages';

export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

/** The custom arg that carries Homing's message id through SendGrid into every event of the message. */
export const MESSAGE_ID_ARG = 'homing_message_id';

/** The verification key as SendGrid shows it (base64 DER SubjectPublicKeyInfo); undefined unless it is a P-256 public key. */
export function sendgridPublicKey(base64: string): KeyObject | undefined {
  try {
    const key = crypto.createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? key : undefined;
  } catch {
    return undefined;
  }
}

/**
 * SendGrid's Signed Event Webhook: an ECDSA P-256 / SHA-256 signature (DER,
 * base64) over the timestamp header followed by the raw body, byte for byte.
 */
export function verifySendGridSignature(key: KeyObject, timestamp: string | undefined, rawBody: Buffer, signature: string | undefined): boolean {
  if (!timestamp || !signature) return false;
  try {
    return crypto.verify('sha256', Buffer.concat([Buffer.from(timestamp, 'utf8'), rawBody]), key, Buffer.from(signature, 'base64'));
  } catch {
    // A signature that is not DER at all.
    return false;
  }
}

/** One event of the Event Webhook's JSON array; custom args (`homing_message_id`) arrive as top-level fields. Its text is stored, so it must be text Postgres can hold. */
export const sendgridEvent = z.object({
  event: pgText().min(1),
  sg_event_id: pgText().min(1),
  sg_message_id: pgText().optional(),
  [MESSAGE_ID_ARG]: pgText().optional(),
  email: pgText().optional(),
  timestamp: z.number().optional(),
  url: pgText().optional(),
  reason: pgText().optional(),
  status: pgText().optional(),
  type: pgText().optional(),
  response: pgText().optional(),
  useragent: pgText().optional(),
  ip: pgText().optional(),
});
export type SendGridEvent = z.infer<typeof sendgridEvent>;

const MEANINGS: Record<string, Pick<StatusChange, 'status' | 'reason'>> = {
  // Before delivery: on the timeline, never moving a message back.
  processed: { status: 'SENT' },
  deferred: { status: 'SENT' },
  delivered: { status: 'DELIVERED' },
  bounce: { status: 'UNDELIVERABLE', reason: 'bounced' },
  dropped: { status: 'UNDELIVERABLE', reason: 'failed' },
  open: { status: 'OPENED' },
  click: { status: 'CLICKED' },
  spamreport: { status: 'UNDELIVERABLE', reason: 'unsubscribed' },
  unsubscribe: { status: 'UNDELIVERABLE', reason: 'unsubscribed' },
  group_unsubscribe: { status: 'UNDELIVERABLE', reason: 'unsubscribed' },
};

/** `sg_message_id` is the send's `X-Message-Id` followed by `.` and SendGrid's own suffix. */
export function sendgridProviderId(e: SendGridEvent): string | undefined {
  return e.sg_message_id?.split('.')[0] || undefined;
}

/** What an event means for its message; undefined for events Homing has no use for (group_resubscribe, account events). */
export function sendgridStatusChange(e: SendGridEvent): StatusChange | undefined {
  const meaning = MEANINGS[e.event];
  if (!meaning) return undefined;
  const { event, sg_event_id, timestamp, url, reason, status, type, response, useragent, ip } = e;
  return {
    ...meaning,
    source: 'sendgrid',
    // SendGrid's own advice: sg_event_id is unique per event, so a redelivered event is recognised by it.
    dedupeKey: `sendgrid:${sg_event_id}`,
    // Kept if this event is what moves the message first (it can arrive before the send is recorded).
    providerMessageId: sendgridProviderId(e),
    detail: { event, sgEventId: sg_event_id, timestamp, url, reason, status, type, response, useragent, ip },
  };
}
