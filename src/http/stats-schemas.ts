import { z } from 'zod';
import { loggedEvent } from './api-schemas';

/** Request and response shapes of the Studio's read models (validation and OpenAPI alike). */

const instant = (name: string) =>
  z.iso
    .datetime({ offset: true, message: `${name} must be an ISO 8601 date-time, e.g. 2026-11-30T00:00:00Z` })
    .transform((s) => new Date(s))
    .refine((d) => d.getUTCFullYear() >= 1970 && d.getUTCFullYear() <= 9999, `${name} must be between 1970 and 9999`);

const DAY_MS = 24 * 3600_000;

/** A period [from, to): the last 7 days when absent. */
export const periodQuery = z
  .object({
    from: instant('from').optional().describe('start (inclusive); default: 7 days before `to`'),
    to: instant('to').optional().describe('end (exclusive); default: now'),
  })
  .transform(({ from, to }) => {
    const end = to ?? new Date();
    return { from: from ?? new Date(end.getTime() - 7 * DAY_MS), to: end };
  })
  .refine((p) => p.from.getTime() <= p.to.getTime(), 'from must be before to');

/** The connection screen only needs to know that events arrive; past this many it says "at least". */
export const EVENT_COUNT_CAP = 10_000;

export const segmentConnection = z.object({
  endpoint: z.string().describe('PUBLIC_URL: the Segment destination and the libraries\' host'),
  batchUrl: z.string().describe('the HTTP Tracking API batch endpoint'),
  apiKey: z.string().describe('the first HOMING_API_KEY: the destination\'s API Key, the libraries\' write key'),
  eventCount: z.number().int().describe(`events received, redeliveries not counted, counted up to ${EVENT_COUNT_CAP} (a larger log answers ${EVENT_COUNT_CAP})`),
  lastEvent: loggedEvent.nullable().describe('the newest event in the log'),
});

export const overview = z.object({
  eventsReceived: z.number().int().describe('redeliveries not counted'),
  runsStarted: z.number().int(),
});

const count = z.number().int();

export const funnel = z.object({
  rows: z.array(
    z.object({
      automation: z.string(),
      mapping: z.string(),
      template: z.string(),
      channel: z.string(),
      sent: count,
      delivered: count.describe('delivered, or engaged with (which proves delivery)'),
      opened: count.describe('opened or clicked'),
      clicked: count,
      undeliverable: count,
    }),
  ).describe('messages created in the period, per automation, mapping, template and channel'),
});
