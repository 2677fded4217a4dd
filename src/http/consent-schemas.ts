import { z } from 'zod';
import { CHANNELS } from '../channels';

/** Request and response shapes of the consent routes: topics, preferences, suppressions. */

export const topicId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'topic ids are 1–100 letters, digits, ".", "_" or "-"');
const period = z.string().regex(/^[1-9]\d*[hdw]$/, 'a period like "12h", "1d", "7d" or "1w"');

const cap = z.object({
  channel: z.enum(CHANNELS),
  limit: z.number().int().min(1).max(10_000).describe('at most this many of the topic’s messages per person'),
  period,
});

export const topicBody = z.object({
  name: z.string().min(1).max(200),
  description: z.string().max(2_000).default(''),
  defaultStatus: z
    .enum(['opted-in', 'opted-out', 'required'])
    .describe('what a person who never chose gets: opted-in, opted-out (needs an explicit opt-in), or required (opt-outs do not apply; suppressions do)'),
  frequencyCaps: z.array(cap).max(20).default([]),
});
export const topic = topicBody.extend({ id: z.string(), createdAt: z.string(), updatedAt: z.string() });
export const topicList = z.object({ topics: z.array(topic) });

const channelOrAll = z.union([z.enum(CHANNELS), z.literal('*')]).describe('a channel, or * for every channel');

export const preferenceBody = z.object({
  preferences: z
    .array(
      z.object({
        channel: channelOrAll,
        topic: topicId.optional().describe('unset: the channel’s marketing as a whole'),
        subscribed: z.boolean(),
      }),
    )
    .min(1)
    .max(100),
});

const preference = z.object({ channel: z.string(), topic: z.string().nullable(), subscribed: z.boolean(), source: z.string(), updatedAt: z.string() });
export const preferences = z.object({
  userId: z.string(),
  preferences: z.array(preference),
  history: z
    .array(z.object({ channel: z.string(), topic: z.string().nullable(), subscribed: z.boolean(), source: z.string(), evidence: z.record(z.string(), z.unknown()), at: z.string() }))
    .describe('consent records, newest first (the last 100)'),
});

export const suppressionsQuery = z.object({
  channel: z.enum(CHANNELS).optional(),
  address: z.string().min(1).max(320).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const suppression = z.object({
  channel: z.string(),
  address: z.string(),
  reason: z.string(),
  source: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export const suppressionList = z.object({ suppressions: z.array(suppression) });
export const suppressionBody = z.object({ note: z.string().max(2_000).optional() });
export const lifted = z.object({ lifted: z.literal(true) });
