import type { Pool } from 'pg';
import { changePreference, liftSuppression, recipientsAt, suppress, type ConsentSource, type SuppressionReason } from '../db/consent';
import { inTransaction, type PoolClient } from '../db/pool';

/**
 * What providers say about addresses and people (an SMS STOP or START, a hard
 * bounce, a spam complaint, an unsubscribe), applied to suppressions and
 * preferences. The evidence (the provider's event) is kept with each change.
 */
export interface ProviderSignal {
  source: ConsentSource;
  evidence: Record<string, unknown>;
}

interface AddressSignal extends ProviderSignal {
  channel: string;
  /** As sends store it in messages.recipient (src/messaging/addresses.ts), so a send's check finds it. */
  address: string;
}

/** Sets the channel's marketing as a whole for each person; each change is kept and reported to Segment (changePreference). */
async function setChannelMarketing(q: PoolClient, userIds: string[], subscribed: boolean, s: AddressSignal): Promise<void> {
  for (const userId of userIds) {
    await changePreference(q, { userId, channel: s.channel, topic: '', subscribed, source: s.source, evidence: { ...s.evidence, address: s.address } });
  }
}

/**
 * The owner of an address said no (an SMS STOP, a spam complaint, an address
 * on the provider's unsubscribe list): the address is suppressed, for every
 * message, transactional too (the provider refuses or drops them anyway), and
 * each person Homing sent to at it is unsubscribed from the channel's
 * marketing, so it holds if they get another address. One transaction.
 */
export async function optOutAddress(pool: Pool, s: AddressSignal & { reason: SuppressionReason }): Promise<void> {
  await inTransaction(pool, async (q) => {
    await suppress(q, { channel: s.channel, address: s.address, reason: s.reason, source: s.source, evidence: s.evidence });
    await setChannelMarketing(q, await recipientsAt(q, s.channel, s.address), false, s);
  });
}

/** An SMS opt-out: a STOP reply, or Twilio refusing a send with error 21610. */
export async function smsOptOut(pool: Pool, s: { address: string; source: 'twilio'; evidence: Record<string, unknown> }): Promise<void> {
  await optOutAddress(pool, { ...s, channel: 'sms', reason: 'opted-out' });
}

/**
 * START / UNSTOP: lifts the number's opt-out (never a bounce or a manual
 * suppression) and subscribes its people to SMS marketing again.
 */
export async function smsOptIn(pool: Pool, s: { address: string; source: 'twilio'; evidence: Record<string, unknown> }): Promise<void> {
  await inTransaction(pool, async (q) => {
    await liftSuppression(q, 'sms', s.address, s.source, 'opted-out');
    await setChannelMarketing(q, await recipientsAt(q, 'sms', s.address), true, { ...s, channel: 'sms' });
  });
}

/** An address that cannot receive (a hard bounce, an invalid address): suppressed; nobody's choices change. */
export async function suppressAddress(pool: Pool, s: AddressSignal & { reason: SuppressionReason }): Promise<void> {
  await suppress(pool, { channel: s.channel, address: s.address, reason: s.reason, source: s.source, evidence: s.evidence });
}

/** A person unsubscribed through the provider (SendGrid's unsubscribe link): out of the channel's marketing; their address stays usable for transactional messages. */
export async function unsubscribePerson(pool: Pool, s: ProviderSignal & { userId: string; channel: string }): Promise<void> {
  await changePreference(pool, { userId: s.userId, channel: s.channel, topic: '', subscribed: false, source: s.source, evidence: s.evidence });
}
