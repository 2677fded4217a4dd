import { z } from 'zod';
import { CHANNEL_NAMES, type Channel } from '../channels/names';
import type { FrequencyCap } from '../db/consent';
import type { SendingHours } from '../../workflows/types';
import { isTimeOfDay } from '../../workflows/local-time';

/** The installation's consent settings (SENDING_HOURS, FREQUENCY_CAPS, CONSENT_TRAITS). */
export interface ConsentSettings {
  /** Per channel, the hours marketing may be sent in the recipient's time zone; a channel not named has none. */
  sendingHours: Partial<Record<Channel, SendingHours>>;
  /** Caps on marketing messages per person, across automations. */
  frequencyCaps: FrequencyCap[];
  /** Identify traits that carry a subscription: true/false (or "subscribed"/"unsubscribed"). */
  traits: ConsentTrait[];
}

export interface ConsentTrait {
  trait: string;
  channel: Channel;
  /** '' for the channel's marketing as a whole. */
  topic: string;
}

/** SMS before 08:00 or after 21:00 recipient-local is what the TCPA forbids for marketing texts. */
export const DEFAULT_SENDING_HOURS = 'sms=08:00-21:00';

const isChannelName = (c: string): c is Channel => (CHANNEL_NAMES as readonly string[]).includes(c);

const PERIOD_SECONDS: Record<string, number> = { h: 3_600, d: 86_400, w: 604_800 };

/** A cap of `limit` per `period` ("12h", "1d", "7d", "1w"); undefined unless both are whole and positive. */
export function frequencyCap(channel: Channel, limit: string | number, period: string): FrequencyCap | undefined {
  const m = /^(\d+)([hdw])$/.exec(period);
  if (!/^\d+$/.test(String(limit)) || !m || Number(limit) < 1 || Number(m[1]) < 1) return undefined;
  return { channel, limit: Number(limit), period, seconds: Number(m[1]) * PERIOD_SECONDS[m[2]!]! };
}

/** A comma-separated list of `key=value` items, each parsed by `item`, or `none`; the message says what one item looks like. */
function list<T>(item: (key: string, value: string) => T | undefined, example: string) {
  return z.string().transform((raw, ctx) => {
    const out: T[] = [];
    for (const part of raw === 'none' ? [] : raw.split(',').map((p) => p.trim()).filter(Boolean)) {
      const eq = part.indexOf('=');
      const parsed = eq > 0 ? item(part.slice(0, eq).trim(), part.slice(eq + 1).trim()) : undefined;
      if (parsed === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not like ${example} (channels: ${CHANNEL_NAMES.join(', ')})` });
        return z.NEVER;
      }
      out.push(parsed);
    }
    return out;
  });
}

export const sendingHoursSetting = list<[Channel, SendingHours]>((channel, value) => {
  const [from, until] = value.split('-');
  return isChannelName(channel) && isTimeOfDay(from) && isTimeOfDay(until) && from !== until ? [channel, { from, until }] : undefined;
}, 'sms=08:00-21:00').transform((pairs) => Object.fromEntries(pairs) as ConsentSettings['sendingHours']);

export const frequencyCapsSetting = list<FrequencyCap>((channel, value) => {
  const [limit = '', period = ''] = value.split('/');
  return isChannelName(channel) ? frequencyCap(channel, limit, period) : undefined;
}, 'email=3/7d (at most 3 per 7 days; periods in h, d or w)');

export const consentTraitsSetting = list<ConsentTrait>((key, trait) => {
  const [channel = '', topic = ''] = key.split('/');
  return isChannelName(channel) && trait ? { trait, channel, topic } : undefined;
}, 'email=marketing_opt_in or email/product-updates=updates_opt_in');
