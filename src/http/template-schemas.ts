import { z } from 'zod';
import { INT4_MAX } from '../db/pg-bounds';
import { CHANNELS, emailContentSchema, smsContentSchema } from '../messaging/templates';

/** Request and response shapes of /api/templates (validation and OpenAPI alike). */

const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'id must be 1-128 letters, digits, "_", "." or "-", starting with a letter or digit');
const name = z.string().min(1).max(200);
// The refinement that asks for html or text, in terms JSON Schema (and so OpenAPI clients) understand.
const emailContent = emailContentSchema.meta({ anyOf: [{ required: ['html'] }, { required: ['text'] }] });
const content = z.union([emailContent, smsContentSchema]);
const record = z.record(z.string(), z.unknown());

export const createTemplateBody = z.discriminatedUnion('channel', [
  z.object({ id: id.optional(), name, channel: z.literal('email'), content: emailContent }),
  z.object({ id: id.optional(), name, channel: z.literal('sms'), content: smsContentSchema }),
]);

export const updateTemplateBody = z
  .object({
    name: name.optional(),
    channel: z.enum(CHANNELS).optional().describe("may be sent, but must equal the template's channel"),
    content: record.optional().describe("email {subject, html?, text?} or sms {text}, per the template's channel"),
  })
  .refine((b) => b.name !== undefined || b.content !== undefined || b.channel !== undefined, { message: 'nothing to change: send name or content' })
  .meta({ anyOf: [{ required: ['name'] }, { required: ['content'] }, { required: ['channel'] }] });

export const previewBody = z.object({
  profile: record.default({}),
  data: record.default({}).describe("the track event's properties"),
  group: record.nullable().default(null),
  event: record.default({}),
  version: z.number().int().min(1).max(INT4_MAX).optional().describe('a published version; the draft when absent'),
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

export const preview = z.object({ channel: z.enum(CHANNELS), rendered: content });
