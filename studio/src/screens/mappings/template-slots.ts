import type { TemplateSummary } from '../../api/client';

/** One property of an automation's parameter JSON Schema, as far as the form reads it. */
export interface ParamSchema {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  /** A template slot, when the catalog marks it (preferred over the inference below). */
  'x-homing-template'?: { channel?: string };
}

/** The catalog's description of every template slot's id parameter (src/automations/catalog.ts). */
const TEMPLATE_ID = /^id of a template\b/;

export const isTemplateSlot = (schema: ParamSchema) => schema['x-homing-template'] !== undefined || TEMPLATE_ID.test(schema.description ?? '');

/**
 * The channel a template slot needs, for the values chosen so far; undefined
 * when it cannot be told (then any published template is offered and the
 * API checks the channel on save). The JSON Schema does not carry a slot's
 * channel yet, so: the catalog's mark when present, else a channel the slot
 * is named after ("emailTemplate"), else the automation's own `channel`
 * parameter (single-send chooses the channel that way).
 */
export function slotChannel(name: string, schema: ParamSchema, values: Record<string, unknown>, channels: readonly string[]): string | undefined {
  const marked = schema['x-homing-template']?.channel;
  if (marked) return marked;
  const named = channels.find((c) => name.toLowerCase().startsWith(c));
  if (named) return named;
  const chosen = values.channel;
  return typeof chosen === 'string' && channels.includes(chosen) ? chosen : undefined;
}

/** Published templates a slot may use. */
export function templatesFor(channel: string | undefined, templates: readonly TemplateSummary[]): TemplateSummary[] {
  return templates.filter((t) => t.publishedVersion !== null && (channel === undefined || t.channel === channel));
}
