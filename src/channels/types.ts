import type { Pool } from 'pg';
import type { z } from 'zod';
import type { Config } from '../config';
import type { Traits } from '../ingest/traits';
import type { Provider, SendResult } from '../messaging/providers/types';

/**
 * How a template field is rendered and tracked:
 * - `html`: Liquid output is HTML-escaped; links go through the click redirect and the open pixel is added;
 * - `text`: plain text whose links go through the click redirect;
 * - `mrkdwn`: like text, and Slack's `<url|label>` links keep their label;
 * - `plain`: left as rendered (a subject line, a JSON document).
 */
export type FieldKind = 'html' | 'text' | 'mrkdwn' | 'plain';

export interface FieldRule {
  kind: FieldKind;
  /** The most UTF-16 code units the rendered field may hold (what the provider takes, or sane far below what it refuses). */
  limit: number;
}

/** Where a channel finds its recipient in a profile's traits, and what a valid one looks like. */
export interface AddressRule {
  /** The address as the traits hold it, if they hold one. */
  find(traits: Traits): string | undefined;
  /** The one recipient `raw` names, normalised; undefined unless it is exactly one valid address (event data sets traits). */
  parse(raw: string): string | undefined;
  /** What `parse` accepts, for the message of a refused address. */
  expected: string;
}

/** A rendered, tracked message on its way to a provider. */
export interface OutgoingMessage {
  /** Homing's message id, also the idempotency key where the provider takes one. */
  messageId: string;
  /** The address `AddressRule.parse` returned. */
  to: string;
  content: Record<string, string>;
  /** The recipient's `traits.tokens` (per-user credentials such as a Slack token). */
  tokens: Record<string, unknown>;
  /** Extra message headers, where the channel has them (email: List-Unsubscribe on marketing mail). */
  headers?: Record<string, string>;
}

/** Installation settings a send may need beside the message. */
export interface SendSettings {
  emailFrom: string;
  publicUrl: string;
}

/** A problem with rendered content that its schema cannot see (it depends on what Liquid produced). */
export interface RenderedProblem {
  field: string;
  problem: string;
}

/**
 * One channel: its template content, how its fields render and track, where
 * its address is in a profile, and its providers. `P` is the provider type
 * the channel's own code talks to (its wire format stays the provider's).
 */
export interface ChannelDefinition<P extends Provider = Provider, C extends Record<string, string | undefined> = Record<string, string | undefined>> {
  /** With its article, for messages: "an email", "a Slack message". */
  noun: string;
  /** The template content the API takes (zod, so validation and OpenAPI alike). */
  content: z.ZodType<C>;
  fields: Record<string, FieldRule>;
  address: AddressRule;
  /** The provider chosen by the configuration (`mailbox` unless one is configured). */
  createProvider(config: Config, pool: Pool): P;
  /** Hands the message to the provider in the provider's terms. (A method: each channel is only ever given its own provider.) */
  send(provider: P, message: OutgoingMessage, settings: SendSettings): Promise<SendResult>;
  /** Checks rendered content beyond sizes; the first problem, if any. */
  checkRendered?(content: Record<string, string>): RenderedProblem | undefined;
}

/** Keeps each definition's own provider and content types (the registry derives its types from them). */
export function defineChannel<P extends Provider, C extends Record<string, string | undefined>>(def: ChannelDefinition<P, C>): ChannelDefinition<P, C> {
  return def;
}

/** A trimmed, non-empty string trait, else undefined. */
export function stringTrait(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}
