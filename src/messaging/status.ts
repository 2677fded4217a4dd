/** Message statuses. Engagement only moves forward; UNDELIVERABLE ends a message not engaged with, CANCELED one not sent. */
export const MESSAGE_STATUSES = ['ENQUEUED', 'SENT', 'DELIVERED', 'OPENED', 'CLICKED', 'UNDELIVERABLE', 'CANCELED'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

const PROGRESS: MessageStatus[] = ['ENQUEUED', 'SENT', 'DELIVERED', 'OPENED', 'CLICKED'];

/**
 * The statuses a message may be in for `to` to replace them: a late `delivered` after `opened` changes nothing.
 * A bounce may still end a sent message; a cancel only one not sent yet (what was sent stays sent).
 */
export function statusesBefore(to: MessageStatus): MessageStatus[] {
  const rank = PROGRESS.indexOf(to);
  if (rank >= 0) return PROGRESS.slice(0, rank);
  return to === 'CANCELED' ? ['ENQUEUED'] : ['ENQUEUED', 'SENT', 'DELIVERED'];
}

/**
 * `invalid-address`: the profile's address is not exactly one valid address of the channel (see its AddressRule in src/channels).
 * `unsubscribed`, `suppressed`, `frequency-capped`: a send that consent stopped (src/consent/send-check.ts).
 */
export type UndeliverableReason = 'bounced' | 'failed' | 'invalid-address' | 'no-contact' | 'provider-error' | 'unsubscribed' | 'suppressed' | 'frequency-capped';

/** Status changes reported to Segment as outcomes (CANCELED is Homing's own business). */
export const REPORTED_STATUSES: MessageStatus[] = ['SENT', 'DELIVERED', 'OPENED', 'CLICKED', 'UNDELIVERABLE'];

/** What the export setting can name: the reported statuses, and subscription changes (src/db/consent.ts). */
export const EXPORTABLE_OUTCOMES = [...REPORTED_STATUSES, 'SUBSCRIPTION_CHANGED'] as const;
