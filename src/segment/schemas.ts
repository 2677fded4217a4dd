import { z } from 'zod';

/**
 * The Segment Spec (https://segment.com/docs/connections/spec/) as zod schemas.
 * Objects are loose: real Segment traffic carries fields beyond the Spec
 * (e.g. `projectId`, `writeKey`, `_metadata`), and those are kept.
 */

/**
 * Ids and names are indexed columns of the event log, and Postgres cannot
 * index a value over about 2.7 KB: longer ones make an event invalid.
 */
export const MAX_ID_CHARS = 512;
const idString = z.string().max(MAX_ID_CHARS);
/** Segment ids are strings, but some libraries send numbers. */
const id = z.union([idString.trim().min(1), z.number()]).transform(String);
/** An optional id: libraries send "" or null for "none". */
const optionalId = z
  .union([idString, z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined || String(v).trim() === '' ? undefined : String(v).trim()));
const dict = z.record(z.string(), z.unknown());
const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/i;
const isoDate = z.string().refine((v) => ISO_8601.test(v) && !Number.isNaN(Date.parse(v)), { message: 'must be an ISO-8601 date' });

const common = {
  messageId: z.string().min(1).max(256).optional(),
  userId: optionalId,
  anonymousId: optionalId,
  timestamp: isoDate.nullish(),
  originalTimestamp: isoDate.nullish(),
  sentAt: isoDate.nullish(),
  context: dict.nullish(),
  integrations: dict.nullish(),
};

export const identifySchema = z.looseObject({
  ...common,
  type: z.literal('identify'),
  traits: dict.nullish(),
  /** Sent at the top level by Segment's Event Tester; used when traits.email is absent. */
  email: z.string().nullish(),
});

export const trackSchema = z.looseObject({
  ...common,
  type: z.literal('track'),
  event: idString.min(1, 'track needs an event name'),
  properties: dict.nullish(),
});

export const pageSchema = z.looseObject({
  ...common,
  type: z.literal('page'),
  name: idString.nullish(),
  category: z.string().nullish(),
  properties: dict.nullish(),
});

export const screenSchema = z.looseObject({
  ...common,
  type: z.literal('screen'),
  name: idString.nullish(),
  properties: dict.nullish(),
});

export const groupSchema = z.looseObject({
  ...common,
  type: z.literal('group'),
  groupId: id,
  traits: dict.nullish(),
});

export const aliasSchema = z.looseObject({
  ...common,
  type: z.literal('alias'),
  userId: id,
  previousId: id,
});

export const EVENT_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const segmentEventSchema = z
  .discriminatedUnion('type', [identifySchema, trackSchema, pageSchema, screenSchema, groupSchema, aliasSchema], {
    error: (issue) =>
      issue.code === 'invalid_union' ? `type must be one of ${EVENT_TYPES.join(', ')}` : undefined,
  })
  .refine((e) => e.type === 'alias' || Boolean(e.userId ?? e.anonymousId), {
    message: 'userId or anonymousId is required',
    path: ['userId'],
  });

export type SegmentEvent = z.infer<typeof segmentEventSchema>;
export type IdentifyEvent = z.infer<typeof identifySchema>;
export type GroupEvent = z.infer<typeof groupSchema>;
export type AliasEvent = z.infer<typeof aliasSchema>;
