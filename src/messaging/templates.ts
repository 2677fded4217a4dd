import { Context, Liquid, toValueSync, type Emitter, type Template } from 'liquidjs';
import type { Channel } from '../../workflows/types';
import { z } from 'zod';

/** Message templates: Liquid over `{ profile, data, group, event }`, one source string per content field. */

export type { Channel };
export const CHANNELS = ['email', 'sms'] as const satisfies readonly Channel[];

export const emailContentSchema = z
  .strictObject({
    subject: z.string().min(1),
    html: z.string().optional(),
    text: z.string().optional(),
  })
  .refine((c) => c.html !== undefined || c.text !== undefined, { message: 'email content needs html or text (or both)' });

export const smsContentSchema = z.strictObject({ text: z.string().min(1) });

export type EmailContent = z.infer<typeof emailContentSchema>;
export type SmsContent = z.infer<typeof smsContentSchema>;
export type TemplateContent = EmailContent | SmsContent;
export type ContentOf<C extends Channel> = { email: EmailContent; sms: SmsContent }[C];

export function contentSchema<C extends Channel>(channel: C): z.ZodType<ContentOf<C>> {
  return (channel === 'email' ? emailContentSchema : smsContentSchema) as unknown as z.ZodType<ContentOf<C>>;
}

export interface TemplateContext {
  profile: Record<string, unknown>;
  data: Record<string, unknown>;
  group: Record<string, unknown> | null;
  event: Record<string, unknown>;
}

/** A template field that does not parse or render; the message names the field and Liquid's problem with its line and column. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';

  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`template field "${field}": ${problem}`);
  }
}

/**
 * The most a rendered field may hold, in UTF-16 code units: an SMS is at most
 * 1,600 characters (Twilio's limit for a concatenated message); an email's
 * html and text are 512 Ki characters each (far above what mail clients show
 * unclipped, well below what providers refuse), its subject one header line.
 */
export const CONTENT_LIMITS = {
  sms: { text: 1_600 },
  email: { subject: 1_000, html: 524_288, text: 524_288 },
} as const satisfies Record<Channel, Record<string, number>>;

function limitOf(channel: Channel, field: string): number {
  return (CONTENT_LIMITS[channel] as Record<string, number>)[field] ?? 0;
}

/** A field whose rendered content is over its limit in CONTENT_LIMITS. */
export class ContentTooLargeError extends TemplateError {
  constructor(
    channel: Channel,
    field: string,
    readonly limit: number,
  ) {
    super(field, `renders to more than ${limit} characters, the most an ${channel} ${field} may have`);
  }
}

/** Throws a ContentTooLargeError for the first field over its limit (for content changed after rendering, e.g. tracked). */
export function checkRenderedSize(channel: Channel, content: Record<string, string | undefined>): void {
  for (const [field, value] of Object.entries(content)) {
    const limit = limitOf(channel, field);
    if (value !== undefined && value.length > limit) throw new ContentTooLargeError(channel, field, limit);
  }
}

/** Collects the output and stops the render as soon as it passes the field's limit, before it takes memory. */
class BoundedEmitter implements Emitter {
  buffer = '';

  constructor(private readonly overflow: () => Error, private readonly limit: number) {}

  write(html: unknown): void {
    this.buffer += typeof html === 'string' ? html : String(html ?? '');
    if (this.buffer.length > this.limit) throw this.overflow();
  }
}

// Bounds so that one template cannot stall the worker, which renders synchronously.
const PARSE_LIMIT = 1_000_000; // characters per field
const RENDER_LIMIT_MS = 500; // per field
const MEMORY_LIMIT = 10_000_000; // liquidjs allocation units (string lengths, array sizes)
const CACHE_BUDGET = 8_000_000; // characters of cached template source per engine

class Engine {
  private readonly liquid: Liquid;
  // Insertion order doubles as recency: a hit is moved to the end, eviction takes the front.
  private readonly cache = new Map<string, Template[]>();
  private cachedChars = 0;

  constructor(escapeOutput: boolean) {
    this.liquid = new Liquid({
      strictVariables: true,
      lenientIf: true,
      strictFilters: true,
      ownPropertyOnly: true,
      // An empty in-memory file system: include/render/layout must never read the host's files.
      templates: {},
      // Dates render the same on every host; a template can still name a zone in the date filter.
      timezoneOffset: 0,
      parseLimit: PARSE_LIMIT,
      renderLimit: RENDER_LIMIT_MS,
      memoryLimit: MEMORY_LIMIT,
      ...(escapeOutput ? { outputEscape: 'escape' as const } : {}),
    });
  }

  parse(source: string): Template[] {
    const hit = this.cache.get(source);
    if (hit) {
      this.cache.delete(source);
      this.cache.set(source, hit);
      return hit;
    }
    const parsed = this.liquid.parse(source);
    this.cache.set(source, parsed);
    this.cachedChars += source.length;
    for (const key of this.cache.keys()) {
      if (this.cachedChars <= CACHE_BUDGET) break;
      this.cache.delete(key);
      this.cachedChars -= key.length;
    }
    return parsed;
  }

  render(source: string, scope: object, emitter: Emitter): string {
    const ctx = new Context(scope, this.liquid.options, { sync: true }, { liquid: this.liquid });
    toValueSync(this.liquid.renderer.renderTemplates(this.parse(source), ctx, emitter));
    return emitter.buffer;
  }
}

const plain = new Engine(false);
const html = new Engine(true);

function eachField(channel: Channel, content: TemplateContent, fn: (source: string, engine: Engine, field: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, source] of Object.entries(content)) {
    if (typeof source !== 'string') continue;
    // Only the email body's HTML is escaped: subject, text and SMS are plain text.
    const engine = channel === 'email' && field === 'html' ? html : plain;
    try {
      out[field] = fn(source, engine, field);
    } catch (err) {
      // Liquid wraps what the emitter throws; its own errors carry the line and column.
      const cause = (err as { originalError?: unknown }).originalError ?? err;
      if (cause instanceof TemplateError) throw cause;
      throw new TemplateError(field, (err as Error).message);
    }
  }
  return out;
}

/** Parses every field of the content; throws a TemplateError for the first one that does not parse. */
export function checkTemplate<C extends Channel>(channel: C, content: ContentOf<C>): void {
  eachField(channel, content, (source, engine) => {
    engine.parse(source);
    return source;
  });
}

/**
 * Renders every field of the content against the context. Unknown variables are errors,
 * except as the condition of an if/unless or before `| default:`.
 */
export function renderTemplate<C extends Channel>(channel: C, content: ContentOf<C>, context: TemplateContext): ContentOf<C> {
  // Liquid reads a property of nil as nil, so a null group would print `{{ group.name }}` as "";
  // leaving it out makes that an unknown variable like any other, while `{% if group %}` still works.
  const { group, ...rest } = context;
  const scope = group === null ? rest : context;
  return eachField(channel, content, (source, engine, field) => {
    const limit = limitOf(channel, field);
    return engine.render(source, scope, new BoundedEmitter(() => new ContentTooLargeError(channel, field, limit), limit));
  }) as ContentOf<C>;
}
