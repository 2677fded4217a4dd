import { z } from 'zod';
import { pgBigintId } from '../db/pg-bounds';

/** Request and response shapes of the management API (validation and OpenAPI alike). */

export const EVENT_STATUSES = ['accepted', 'mapped', 'unmapped', 'duplicate', 'invalid', 'canceled-run'] as const;

/** Paging by id, newest first: the `nextCursor` of the page before. */
export const cursor = pgBigintId('cursor must be the nextCursor of an earlier page').optional();

export const eventsQuery = z.object({
  status: z.enum(EVENT_STATUSES).optional(),
  type: z.string().min(1).optional().describe('identify, track, page, screen, group, alias or unknown'),
  userId: z.string().min(1).optional().describe('matches userId or anonymousId'),
  event: z.string().min(1).optional().describe('track event name, or page/screen name'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor,
});

export const loggedEvent = z.object({
  id: z.string(),
  messageId: z.string(),
  type: z.string(),
  name: z.string().describe('e.g. identify, track/Order Completed'),
  event: z.string().nullable(),
  userId: z.string().nullable(),
  anonymousId: z.string().nullable(),
  status: z.string(),
  error: z.string().nullable(),
  note: z.string().nullable(),
  receivedAt: z.string(),
  appliedAt: z.string().nullable().describe('when its profile or group change was applied'),
  duplicateOf: z.string().nullable(),
  payload: z.record(z.string(), z.unknown()),
});

export const eventsPage = z.object({
  events: z.array(loggedEvent),
  nextCursor: z.string().nullable(),
});

const traits = z.record(z.string(), z.unknown());

export const profile = z.object({
  userId: z.string(),
  anonymous: z.boolean(),
  traits,
  contact: z.object({ email: z.string().optional(), phone: z.string().optional(), tokens: traits }),
  audiences: z.record(z.string(), z.object({ member: z.boolean(), since: z.string() })),
  aliases: z.array(z.string()),
  groups: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const profileSearch = z.object({
  query: z.string().trim().min(1, 'query is required: a userId, an alias or an email').max(500).describe('a userId, an alias or an email (any case)'),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
export const profileList = z.object({ profiles: z.array(profile) });

export const traitsBody = z.object({ traits });

export const group = z.object({
  groupId: z.string(),
  traits,
  members: z.array(z.object({ userId: z.string(), joinedAt: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const deleted = z.object({ deleted: z.literal(true) });
