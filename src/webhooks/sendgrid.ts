import crypto, { type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { pgText } from '../db/pg-bounds';
import type { SuppressionReason } from '../db/consent';
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
  /** On opens: fetched by Apple Mail Privacy Protection's proxy, not by a person. */
  sg_machine_open: z.boolean().optional(),
  /** On group (un)subscribes: the unsubscribe group (ASM). */
  asm_group_id: z.number().int().optional(),
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
  // A complaint or an unsubscribe comes from someone who got the message: it was delivered, whatever else it means
  // (the address is suppressed or the person unsubscribed, see sendgridSignal).
  spamreport: { status: 'DELIVERED' },
  unsubscribe: { status: 'DELIVERED' },
  group_unsubscribe: { status: 'DELIVERED' },
};

/** What an event says about the address or the person, beyond the message: see src/consent/provider-signals.ts. */
export type SendGridSignal = { kind: 'suppress' | 'opt-out'; reason: SuppressionReason } | { kind: 'unsubscribe' };

const BOUNCED: SendGridSignal = { kind: 'suppress', reason: 'bounced' };
const COMPLAINED: SendGridSignal = { kind: 'opt-out', reason: 'spam-complaint' };

/** `dropped` because the address is on one of SendGrid's suppression lists (its reason, lower case): Homing suppresses it too. */
const SUPPRESSED_DROPS = new Map<string, SendGridSignal>([
  ['bounced address', BOUNCED],
  ['invalid', BOUNCED],
  ['spam reporting address', COMPLAINED],
  ['unsubscribed address', { kind: 'opt-out', reason: 'opted-out' }],
]);
const suppressedDrop = (e: SendGridEvent) => (e.event === 'dropped' && e.reason !== undefined ? SUPPRESSED_DROPS.get(e.reason.trim().toLowerCase()) : undefined);

/**
 * A hard bounce (`type` bounce; `blocked` is a soft one) or a drop for a
 * suppressed address suppresses it; a spam complaint opts it out; an
 * unsubscribe (global or of a group, which Homing does not map to topics)
 * unsubscribes the message's person from email marketing.
 */
export function sendgridSignal(e: SendGridEvent): SendGridSignal | undefined {
  switch (e.event) {
    case 'bounce':
      return e.type === 'bounce' ? BOUNCED : undefined;
    case 'dropped':
      return suppressedDrop(e);
    case 'spamreport':
      return COMPLAINED;
    case 'unsubscribe':
    case 'group_unsubscribe':
      return { kind: 'unsubscribe' };
    default:
      return undefined;
  }
}

/** `sg_message_id` is the send's `X-Message-Id` followed by `.` and SendGrid's own suffix. */
export function sendgridProviderId(e: SendGridEvent): string | undefined {
  return e.sg_message_id?.split('.')[0] || undefined;
}

/** What an event means for its message; undefined for events Homing has no use for (group_resubscribe, account events). */
export function sendgridStatusChange(e: SendGridEvent): StatusChange | undefined {
  // Own keys only: an event named `constructor` is not one of them.
  const meaning = Object.hasOwn(MEANINGS, e.event) ? MEANINGS[e.event] : undefined;
  if (!meaning) return undefined;
  const { event, sg_event_id, timestamp, url, reason, status, type, response, useragent, ip, sg_machine_open, asm_group_id } = e;
  return {
    ...meaning,
    ...(suppressedDrop(e) ? { reason: 'suppressed' } : {}),
    source: 'sendgrid',
    // SendGrid's own advice: sg_event_id is unique per event, so a redelivered event is recognised by it.
    dedupeKey: `sendgrid:${sg_event_id}`,
    // Kept if this event is what moves the message first (it can arrive before the send is recorded).
    providerMessageId: sendgridProviderId(e),
    detail: { event, sgEventId: sg_event_id, timestamp, url, reason, status, type, response, useragent, ip, sgMachineOpen: sg_machine_open, asmGroupId: asm_group_id },
  };
}
