import { z } from 'zod';
import { CHANNELS } from '../channels';
import { EXPORTABLE_OUTCOMES, MESSAGE_STATUSES } from '../messaging/status';
import { cursor } from './api-schemas';

/** Request and response shapes of the automation routes: catalog, mappings, runs, messages, mailbox. */

const name = z.string().min(1).max(200);
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'ids are 1–100 letters, digits, ".", "_" or "-"');

export const automationList = z.object({
  automations: z.array(z.object({ id: z.string(), description: z.string(), parameters: z.record(z.string(), z.unknown()).describe('JSON Schema') })),
});

export const templateSlotsBody = z.object({ params: z.record(z.string(), z.unknown()).default({}).describe('the parameters chosen so far') });
export const templateSlotList = z.object({
  slots: z.array(
    z.object({
      param: z.string().describe('the parameter that takes the template id'),
      channel: z.enum(CHANNELS).nullable().describe('the channel its template must have; null while the parameters that choose it do not fit the schema yet'),
    }),
  ),
});

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day like "08:00" (24 h, HH:MM)');
export const sendingHours = z
  .object({ from: timeOfDay, until: timeOfDay })
  .refine((h) => h.from !== h.until, 'from and until must differ')
  .describe('recipient-local; a window that wraps midnight has from later than until');

export const trigger = z.discriminatedUnion('type', [
  z.object({ type: z.literal('track'), event: name.describe('the track event name') }),
  z.object({ type: z.literal('identify').describe("a user's first identify") }),
  z.object({ type: z.literal('audience'), audience: name.describe('the Engage audience key; triggers on entry') }),
]);

export const mappingBody = z.object({
  name,
  status: z.enum(['draft', 'published']).default('draft').describe('only published mappings start runs'),
  trigger,
  automation: z.string().min(1).describe('an automation id from GET /api/automations'),
  params: z.record(z.string(), z.unknown()).default({}),
  cancelOn: z.array(name).default([]).describe('track event names that cancel the user’s running runs of this mapping'),
  category: z
    .enum(['marketing', 'transactional'])
    .optional()
    .describe('marketing messages check subscriptions, sending hours and frequency caps and carry one-click unsubscribe; unset: the automation’s, else marketing when a topic is named, else transactional'),
  topic: id.optional().describe('the subscription topic of its messages (PUT /api/topics/:id)'),
  sendingHours: z
    .partialRecord(z.enum(CHANNELS), sendingHours.nullable())
    .optional()
    .describe('per channel, the recipient-local hours marketing may be sent in, over SENDING_HOURS; null: none for that channel'),
});
export const newMappingBody = mappingBody.extend({ id: id.optional() });

export const mapping = mappingBody.extend({ id: z.string(), version: z.number().int(), createdAt: z.string(), updatedAt: z.string() });
export const mappingList = z.object({ mappings: z.array(mapping) });
export const mappingVersions = z.object({
  versions: z.array(z.object({ version: z.number().int(), definition: mappingBody.describe('the mapping as saved in this version'), createdAt: z.string() })).describe('newest first'),
});

export const RUN_STATUSES = ['pending', 'running', 'completed', 'canceled', 'failed'] as const;
export const runsQuery = z.object({
  userId: z.string().min(1).optional(),
  status: z.enum(RUN_STATUSES).optional(),
  mappingId: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const message = z.object({
  id: z.string(),
  runId: z.string(),
  step: z.string(),
  userId: z.string(),
  channel: z.enum(CHANNELS),
  provider: z.string(),
  template: z.object({ id: z.string(), version: z.number().int() }),
  recipient: z.string().nullable(),
  status: z.enum(MESSAGE_STATUSES),
  reason: z.string().nullable(),
  providerMessageId: z.string().nullable(),
  statusTimes: z.record(z.string(), z.string()).describe('when each status was reached'),
  createdAt: z.string(),
});
export const messageDetail = message.extend({
  content: z.record(z.string(), z.string()).nullable().describe('what was sent, with tracking'),
  links: z.array(z.string()).describe('the original URLs behind the click links, by index'),
  timeline: z.array(z.object({ kind: z.string(), source: z.string(), detail: z.record(z.string(), z.unknown()), at: z.string() })),
  outcomes: z
    .array(z.object({ status: z.string(), segmentMessageId: z.string(), state: z.enum(['pending', 'exported', 'not-exported', 'skipped']), exportedAt: z.string().nullable() }))
    .describe('what Segment is told about this message; IGNORED is `Message Opened` with opened: false'),
});
export type MessageJson = z.output<typeof message>;

export const run = z.object({
  id: z.string().describe('also the Temporal workflow id'),
  mapping: z.object({ id: z.string(), version: z.number().int() }),
  automation: z.string(),
  userId: z.string(),
  trigger: z.object({ event: z.string(), messageId: z.string() }),
  status: z.enum(RUN_STATUSES),
  result: z.unknown(),
  cancelRequestedAt: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  closedAt: z.string().nullable(),
  temporalUiUrl: z.string().nullable().describe('the run in the Temporal UI'),
});
export const runList = z.object({ runs: z.array(run) });
export const runDetail = run.extend({ input: z.record(z.string(), z.unknown()), messages: z.array(message) });

export const messagesQuery = z.object({ userId: z.string().min(1).optional(), runId: z.string().min(1).optional(), limit: z.coerce.number().int().min(1).max(1000).default(100) });
export const messageList = z.object({ messages: z.array(message) });

export const mailboxQuery = z.object({
  channel: z.enum(CHANNELS).optional(),
  to: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor,
});

export const exportSettings = z.object({
  statuses: z.array(z.enum(EXPORTABLE_OUTCOMES)).describe('outcomes sent to Segment (OPENED includes opened: false; SUBSCRIPTION_CHANGED is a person\'s subscription change)'),
});
