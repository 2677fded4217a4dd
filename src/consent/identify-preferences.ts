import type { Channel } from '../channels/names';
import type { PreferenceChange } from '../db/consent';
import type { IdentifyEvent } from '../segment/schemas';
import type { ConsentTrait } from './settings';

/** Segment's subscription types that name a channel Homing sends on. */
const SEGMENT_TYPES: Record<string, Channel> = { EMAIL: 'email', SMS: 'sms', WHATSAPP: 'whatsapp' };

/**
 * A Segment subscription status as a choice. `did-not-subscribe` (contact
 * given, no choice made) is no consent for texts, which the TCPA requires
 * before marketing SMS, but leaves email (opt-out under CAN-SPAM) as it was.
 */
function segmentStatus(status: unknown, channel: Channel): boolean | undefined {
  const s = typeof status === 'string' ? status.toUpperCase().replaceAll('-', '_') : undefined;
  if (s === 'SUBSCRIBED') return true;
  if (s === 'UNSUBSCRIBED') return false;
  if (s === 'DID_NOT_SUBSCRIBE' && channel !== 'email') return false;
  return undefined;
}

const TRAIT_VALUES: Record<string, boolean> = { true: true, false: false, subscribed: true, unsubscribed: false, 'opted-in': true, 'opted-out': false, yes: true, no: false };

/** A consent trait's value as a choice: booleans, or the words in TRAIT_VALUES; anything else is no choice. */
function traitValue(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  return typeof value === 'string' ? TRAIT_VALUES[value.trim().toLowerCase()] : undefined;
}

type Change = Omit<PreferenceChange, 'userId'>;

/**
 * The preference changes an identify carries: Segment's own subscription
 * states (`context.messaging_subscriptions`: one per email address or phone
 * number, optionally with subscription `groups` named like Homing's topics),
 * and the traits CONSENT_TRAITS names. Repeats of the current choice are
 * dropped by changePreference.
 */
export function identifyPreferences(event: IdentifyEvent, consentTraits: readonly ConsentTrait[]): Change[] {
  const changes: Change[] = [];
  const evidence = { messageId: event.messageId ?? null };
  const subscriptions = event.context?.messaging_subscriptions;
  for (const sub of Array.isArray(subscriptions) ? subscriptions : []) {
    if (typeof sub !== 'object' || sub === null) continue;
    const { key, type, status, groups } = sub as Record<string, unknown>;
    const channel = typeof type === 'string' ? SEGMENT_TYPES[type.toUpperCase()] : undefined;
    if (!channel) continue;
    const subscribed = segmentStatus(status, channel);
    if (subscribed !== undefined) changes.push({ channel, topic: '', subscribed, source: 'segment', evidence: { ...evidence, key } });
    for (const group of Array.isArray(groups) ? groups : []) {
      const { name, status: groupStatus } = (group ?? {}) as Record<string, unknown>;
      const choice = segmentStatus(groupStatus, channel);
      if (typeof name === 'string' && name && choice !== undefined) changes.push({ channel, topic: name, subscribed: choice, source: 'segment', evidence: { ...evidence, key, group: name } });
    }
  }
  for (const { trait, channel, topic } of consentTraits) {
    const subscribed = traitValue(event.traits?.[trait]);
    if (subscribed !== undefined) changes.push({ channel, topic, subscribed, source: 'trait', evidence: { ...evidence, trait } });
  }
  return changes;
}
