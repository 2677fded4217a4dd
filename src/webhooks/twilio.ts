import crypto from 'node:crypto';
import { z } from 'zod';
import { pgText } from '../db/pg-bounds';
import type { StatusChange } from '../db/messages';

export const TWILIO_SIGNATURE_HEADER = 'x-twilio-signature';

const byNameThenValue = ([a, av]: [string, string], [b, bv]: [string, string]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0);

/**
 * Twilio's request signature: base64 HMAC-SHA1, keyed with the auth token, of
 * the URL Twilio called followed by each POST parameter's name and value,
 * sorted by name (https://www.twilio.com/docs/usage/security).
 */
export function twilioSignature(authToken: string, url: string, params: Array<[string, string]>): string {
  const hmac = crypto.createHmac('sha1', authToken).update(url, 'utf8');
  for (const [name, value] of [...params].sort(byNameThenValue)) hmac.update(name + value, 'utf8');
  return hmac.digest('base64');
}

/** Compares in constant time, so a forger learns nothing from how long a wrong guess took. */
export function verifyTwilioSignature(authToken: string, url: string, params: Array<[string, string]>, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(twilioSignature(authToken, url, params));
  const given = Buffer.from(header);
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

/** The fields of a Messaging status callback that Homing reads (Twilio posts more: AccountSid, To, From, SmsSid, SmsStatus, ApiVersion, RawDlrDoneDate…). */
export const twilioStatusCallback = z.object({
  MessageSid: pgText().min(1),
  MessageStatus: pgText().min(1),
  ErrorCode: z
    .string()
    .regex(/^\d+$/, 'must be a Twilio error code')
    .transform(Number)
    .optional(),
});
export type TwilioStatusCallback = z.infer<typeof twilioStatusCallback>;

/**
 * What a callback means for the message. Statuses before delivery (queued,
 * accepted, sending, sent…) map to SENT: they go on the timeline and can never
 * move a DELIVERED message back. `read` (RCS and WhatsApp read receipts) is an open.
 */
export function twilioStatusChange(cb: TwilioStatusCallback): StatusChange {
  const change = {
    source: 'twilio',
    providerMessageId: cb.MessageSid,
    // Twilio reports each status of a message once; a repeat is a retry of the same report.
    dedupeKey: `twilio:${cb.MessageSid}:${cb.MessageStatus}`,
    detail: { messageStatus: cb.MessageStatus, ...(cb.ErrorCode === undefined ? {} : { errorCode: cb.ErrorCode }) },
  };
  switch (cb.MessageStatus) {
    case 'delivered':
      return { ...change, status: 'DELIVERED' };
    case 'undelivered':
    case 'failed':
      return { ...change, status: 'UNDELIVERABLE', reason: 'failed' };
    case 'read':
      return { ...change, status: 'OPENED' };
    default:
      return { ...change, status: 'SENT' };
  }
}

/** Where Twilio posts a message's status callbacks; the message id in it finds a message whose sid is not recorded yet. */
export function twilioCallbackUrl(publicUrl: string, messageId: string): string {
  return `${publicUrl}/webhooks/twilio?message=${messageId}`;
}
