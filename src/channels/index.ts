import type { z } from 'zod';
import { CHANNEL_NAMES, type Channel } from './names';
import { email } from './email';
import { slack } from './slack';
import { sms } from './sms';
import type { ChannelDefinition } from './types';
import { whatsapp } from './whatsapp';

/**
 * Every channel Homing sends on. A channel is one file (content schema,
 * field rules, address, providers); adding one is adding it here and its
 * name to names.ts. Workflow code sees only the names (workflows/types.ts).
 */
export const CHANNEL_REGISTRY = { email, sms, slack, whatsapp } satisfies { [C in Channel]: ChannelDefinition };

export type { Channel };
export const CHANNELS: readonly [Channel, ...Channel[]] = CHANNEL_NAMES;

export type ContentOf<C extends Channel> = z.infer<(typeof CHANNEL_REGISTRY)[C]['content']>;
export type ProviderOf<C extends Channel> = ReturnType<(typeof CHANNEL_REGISTRY)[C]['createProvider']>;

export const isChannel = (c: unknown): c is Channel => typeof c === 'string' && Object.hasOwn(CHANNEL_REGISTRY, c);

/** The definition, without its provider's type (each channel is only ever given its own provider). */
export function channelDefinition(channel: Channel): ChannelDefinition {
  return CHANNEL_REGISTRY[channel];
}
