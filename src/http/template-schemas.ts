import { z } from 'zod';
import { INT4_MAX } from '../db/pg-bounds';
import { CHANNEL_REGISTRY, CHANNELS } from '../channels';

/** Request and response shapes of /api/templates (validation and OpenAPI alike). */

const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'id must be 1-128 letters, digits, "_", "." or "-", starting with a letter or digit');
const name = z.string().min(1).max(200);
const record = z.record(z.string(), z.unknown());
const contents = CHANNELS.map((c) => CHANNEL_REGISTRY[c].content);
const content = z.union(contents as [(typeof contents)[number], ...(typeof contents)[number][]]);

/** One option per registered channel: an unknown channel is refused naming the known ones. */
const createOptions = CHANNELS.map((channel) => z.object({ id: id.optional(), name, channel: z.literal(channel), content: CHANNEL_REGISTRY[channel].content }));
export const createTemplateBody = z.discriminatedUnion('channel', createOptions as [(typeof createOptions)[number], ...(typeof createOptions)[number][]]);

export const updateTemplateBody = z
  .object({
    name: name.optional(),
    channel: z.enum(CHANNELS).optional().describe("may be sent, but must equal the template's channel"),
    content: record.optional().describe("the content of the template's channel (see the create body)"),
  })
  .refine((b) => b.name !== undefined || b.content !== undefined || b.channel !== undefined, { message: 'nothing to change: send name or content' })
  .meta({ anyOf: [{ required: ['name'] }, { required: ['content'] }, { required: ['channel'] }] });

export const previewBody = z.object({
  profile: record.default({}),
  data: record.default({}).describe("the track event's properties"),
  group: record.nullable().default(null),
  event: record.default({}),
  version: z.number().int().min(1).max(INT4_MAX).optional().describe('a published version; the draft when absent'),
  content: record.optional().describe("unsaved content to render instead (in the template's channel), e.g. an editor's"),
});

const summary = {
  id: z.string(),
  name: z.string(),
  channel: z.enum(CHANNELS),
  publishedVersion: z.number().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
};

export const templateList = z.object({ templates: z.array(z.object(summary)) });

export const template = z.object({
  ...summary,
  draft: content,
  published: content.nullable().describe('the content of publishedVersion'),
  versions: z.array(z.object({ version: z.number(), publishedAt: z.string() })),
});

export const published = z.object({ version: z.number() });

export const version = z.object({ version: z.number(), channel: z.enum(CHANNELS), content });

export const preview = z.object({ channel: z.enum(CHANNELS), rendered: content });
