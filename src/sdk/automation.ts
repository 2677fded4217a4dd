/**
 * `homing/automation`: how an automation is written. One `defineAutomation`
 * holds everything about it (id, parameters, the templates it sends, the code
 * of a run); the catalog, the workflow, the template checks, the JSON Schema
 * of `GET /api/automations` and the outcome reported to Segment all come from
 * it. This module runs inside Temporal's workflow sandbox as well as in Node,
 * so it holds only types and plain data: no I/O, no clock.
 */
import { z } from 'zod';
import type { Channel } from '../../workflows/types';

export { z };
export type { Channel };

/** Milliseconds, or a string like "90s", "15m", "24h", "3d". */
export type Duration = string | number;

/** For each template a run sends: its channel, fixed or chosen by the mapping's parameters. */
export type TemplateSlots<P> = Record<string, Channel | ((params: P) => Channel)>;

/** The parameters a run gets: the definition's own, plus one template id per template slot. */
export type RunParams<S extends z.ZodObject, T> = z.output<S> & { readonly [K in keyof T]: string };

/** A message a run sent (or could not send). */
export interface SentMessage {
  step: string;
  channel: Channel;
  /** `undeliverable`: no address in time, a template that does not render, a provider's refusal. */
  status: 'sent' | 'undeliverable';
  /** Homing's message id (for waits and the API); absent when nothing was recorded. */
  messageId?: string;
  reason?: string;
}

/**
 * How a run ended, which Homing records on the run and reports: `ignored` sends
 * `Message Opened` with `opened: false` to Segment (the whole escalation went
 * unanswered); the others are recorded only.
 */
export type RunOutcome =
  | { outcome: 'engaged'; step: string; channel: Channel }
  | { outcome: 'ignored' }
  | { outcome: 'goal'; event: string }
  /** Nothing to report; `message` says how a run's last (or only) message went, for the run's record. */
  | { outcome: 'done'; message?: SentMessage };

/** The recipient as the run reads it (current at the moment of the call). */
export interface RecipientProfile {
  userId: string;
  traits: Record<string, unknown>;
  email?: string;
  phone?: string;
  /** Audience keys the profile is in. */
  audiences: string[];
  groups: Array<{ groupId: string; traits: Record<string, unknown> }>;
  /** IANA time zone: the `timezone` trait, else the trigger's `context.timezone`, else HOMING_DEFAULT_TIMEZONE. */
  timezone: string;
}

/** A Segment track event routed to a run (see `events` in the definition). */
export interface TrackEvent {
  name: string;
  properties: Record<string, unknown>;
  /** When it happened, as Segment sent it. */
  timestamp?: string;
  messageId: string;
}

/** The Segment event that started the run. */
export interface TriggerEvent {
  type: string;
  /** The track event's name (absent for identify and audience triggers). */
  event?: string;
  properties: Record<string, unknown>;
  messageId: string;
  timestamp?: string;
}

/** What a run can do. Every method is deterministic and safe to replay. */
export interface AutomationContext<P, T, E extends string = string> {
  readonly runId: string;
  readonly userId: string;
  readonly params: P;
  /**
   * Sends the template in slot `template` on that slot's channel, as message
   * `step` of this run (one message per step, however often the run replays).
   * A recipient without an address is waited for up to `contactWait` (default 5m).
   */
  send(step: string, template: keyof T & string, opts?: { contactWait?: Duration }): Promise<SentMessage>;
  /** Waits up to `timeout` for one of `kinds` on `message`; true if it came (also when it came before the wait began). */
  waitForEngagement(message: SentMessage, kinds: ReadonlyArray<'opened' | 'clicked'>, timeout: Duration): Promise<boolean>;
  /**
   * The next of the user's track events named `names` (one of the definition's
   * `events`) that `where` accepts, waiting up to `timeout`; null if none came.
   * Events that reached the run before the wait (from the run's start on) count,
   * in the order Homing received them; each is returned once.
   */
  waitForEvent(names: E | readonly E[], opts: { timeout: Duration; where?: (event: TrackEvent) => boolean }): Promise<TrackEvent | null>;
  /**
   * Waits up to `timeout` for whichever comes first: `engagement` (one of the
   * kinds on the message) or one of `events`. Null when neither came.
   */
  waitForFirst(
    timeout: Duration,
    on: { engagement?: { message: SentMessage; kinds: ReadonlyArray<'opened' | 'clicked'> }; events?: E | readonly E[]; where?: (event: TrackEvent) => boolean },
  ): Promise<{ engaged: SentMessage } | { event: TrackEvent } | null>;
  sleep(duration: Duration): Promise<void>;
  /** Sleeps until the next `at` ("HH:MM", 24 h) in `timezone`, by default the recipient's (see RecipientProfile.timezone). */
  sleepUntil(when: { at: string; timezone?: string }): Promise<void>;
  profile(): Promise<RecipientProfile>;
  trigger(): Promise<TriggerEvent>;
}

export interface AutomationDefinition<S extends z.ZodObject = z.ZodObject, T extends TemplateSlots<z.output<S>> = TemplateSlots<z.output<S>>, E extends string = never> {
  /** Stable id: mappings name it, and it is the Temporal workflow type of its runs. */
  id: string;
  description: string;
  /** The mapping's parameters (template ids are added for every slot in `templates`). */
  params: S;
  templates: T;
  /**
   * The track events a run can wait for. Only these reach its runs (other events
   * cost the run nothing), from the moment the run is recorded.
   */
  events?: readonly E[];
  /**
   * Track events that end a run wherever it is, with outcome `goal` (a sent
   * message stays sent): a goal reached, like a mapping's `cancelOn` but in code.
   */
  exitOn?: readonly E[];
  /**
   * What its messages are unless the mapping says otherwise: `marketing` ones
   * are checked against the person's subscriptions, sending hours and frequency
   * caps and carry one-click unsubscribe; `transactional` (the default) only
   * against suppressed addresses.
   */
  category?: 'marketing' | 'transactional';
  /** The subscription topic of its marketing messages, unless the mapping names one. */
  topic?: string;
  run(ctx: AutomationContext<RunParams<S, T>, T, E>, params: RunParams<S, T>): Promise<RunOutcome>;
}

/** Marks definitions so that loaders find them among a module's exports, whichever copy of this module made them. */
const BRAND = Symbol.for('homing.automation');

/**
 * A definition as Homing holds it, whatever its parameter types: the catalog
 * and the workflow only pass a run's params through to its own `run`.
 */
export interface Automation {
  readonly [BRAND]: true;
  id: string;
  description: string;
  params: z.ZodObject;
  templates: TemplateSlots<any>;
  events?: readonly string[];
  exitOn?: readonly string[];
  category?: 'marketing' | 'transactional';
  topic?: string;
  run(ctx: AutomationContext<any, any, string>, params: any): Promise<RunOutcome>;
}

/** Defines an automation. Export the result from a module that HOMING_AUTOMATIONS names. */
export function defineAutomation<S extends z.ZodObject, T extends TemplateSlots<z.output<S>>, const E extends string = never>(
  definition: AutomationDefinition<S, T, E>,
): Automation {
  return { ...definition, [BRAND]: true } as unknown as Automation;
}

export function isAutomation(value: unknown): value is Automation {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}
