import { Context, Liquid, toValueSync, type Emitter, type Template } from 'liquidjs';
import type { z } from 'zod';
import { CHANNEL_REGISTRY, CHANNELS, channelDefinition, type Channel, type ContentOf } from '../channels';

/** Message templates: Liquid over `{ profile, data, group, event }`, one source string per content field; the channel registry says which fields a channel has. */

export { CHANNELS };
export type { Channel, ContentOf };
export type TemplateContent = ContentOf<Channel>;

export function contentSchema<C extends Channel>(channel: C): z.ZodType<ContentOf<C>> {
  return CHANNEL_REGISTRY[channel].content as z.ZodType<ContentOf<C>>;
}

export interface TemplateContext {
  profile: Record<string, unknown>;
  data: Record<string, unknown>;
  group: Record<string, unknown> | null;
  event: Record<string, unknown>;
  /** The message's unsubscribe and preference pages; a preview (no message yet) shows PREVIEW_LINK. */
  unsubscribe_url?: string;
  preferences_url?: string;
}

/** What `{{ unsubscribe_url }}` and `{{ preferences_url }}` render as in a preview. */
export const PREVIEW_LINK = 'https://example.invalid/unsubscribe-preview';

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

/** The most each rendered field may hold, in UTF-16 code units, per channel (each channel's file says why). */
export const CONTENT_LIMITS = Object.fromEntries(
  CHANNELS.map((c) => [c, Object.fromEntries(Object.entries(channelDefinition(c).fields).map(([field, rule]) => [field, rule.limit]))]),
) as Record<Channel, Record<string, number>>;

function limitOf(channel: Channel, field: string): number {
  return channelDefinition(channel).fields[field]?.limit ?? 0;
}

/** A field whose rendered content is over its limit in CONTENT_LIMITS. */
export class ContentTooLargeError extends TemplateError {
  constructor(
    channel: Channel,
    field: string,
    readonly limit: number,
  ) {
    super(field, `renders to more than ${limit} characters, the most ${channelDefinition(channel).noun} ${field} may have`);
  }
}

/** Throws a ContentTooLargeError for the first field over its limit (for content changed after rendering, e.g. tracked). */
export function checkRenderedSize(channel: Channel, content: Record<string, string | undefined>): void {
  for (const [field, value] of Object.entries(content)) {
    const limit = limitOf(channel, field);
    if (value !== undefined && value.length > limit) throw new ContentTooLargeError(channel, field, limit);
  }
}

/** Throws a TemplateError for rendered content the channel cannot send (e.g. Slack blocks that are not a JSON array). */
function checkRendered(channel: Channel, content: Record<string, string>): void {
  const problem = channelDefinition(channel).checkRendered?.(content);
  if (problem) throw new TemplateError(problem.field, problem.problem);
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
  const { fields } = channelDefinition(channel);
  for (const [field, source] of Object.entries(content)) {
    if (typeof source !== 'string') continue;
    // Only HTML fields (an email's body) are escaped: subjects, texts and JSON are not HTML.
    const engine = fields[field]?.kind === 'html' ? html : plain;
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
  const { group, ...rest } = { unsubscribe_url: PREVIEW_LINK, preferences_url: PREVIEW_LINK, ...context };
  const scope = group === null ? rest : { ...rest, group };
  const rendered = eachField(channel, content, (source, engine, field) => {
    const limit = limitOf(channel, field);
    return engine.render(source, scope, new BoundedEmitter(() => new ContentTooLargeError(channel, field, limit), limit));
  });
  checkRendered(channel, rendered);
  return rendered as ContentOf<C>;
}
