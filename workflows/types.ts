// Shapes shared by the automation workflows and their activities (types only: nothing here runs).

/** A registered channel's name (src/channels; a type-only import, so no Node code enters the workflow bundle). */
import type { Channel } from '../src/channels/names';
export type { Channel };

/** A template pinned at the version published when the run started. */
export interface TemplateRef {
  id: string;
  version: number;
}

/** What every automation workflow is started with. Large data (the trigger event, the profile) stays in Postgres. */
export interface RunInput<P> {
  runId: string;
  userId: string;
  automation: string;
  params: P;
  /** Template parameters resolved to published versions, keyed by parameter name. */
  templates: Record<string, TemplateRef>;
  /**
   * Sends and closes run as local activities (set by every start since they
   * became so); absent in runs started earlier, which keep their activity tasks.
   */
  localActivities?: boolean;
  /** Absent in runs started before consent existed: they send as transactional. */
  consent?: RunConsent;
}

/** Sending hours in the recipient's time zone ("HH:MM", 24 h): a marketing send outside them waits for `from`. */
export interface SendingHours {
  from: string;
  until: string;
}

/** What a run's messages are, fixed at run start from its mapping (and automation). */
export interface RunConsent {
  /** Marketing messages check preferences, sending hours and frequency caps; every message checks suppressions. */
  category: 'marketing' | 'transactional';
  /** The subscription topic of the messages, if any. */
  topic?: string;
  /** The mapping's own sending hours per channel (null: none), over the installation's. */
  sendingHours?: Partial<Record<Channel, SendingHours | null>>;
}

export interface SendRequest {
  runId: string;
  /** Names the message within its run; with the run id it makes the message id and idempotency key. */
  step: string;
  channel: Channel;
  template: TemplateRef;
  /** Last attempt for an address: a recipient still without one makes the message UNDELIVERABLE. */
  finalContactCheck: boolean;
  /** The workflow's clock (ms) when it asked: sending hours and caps are judged at this time or later. */
  at?: number;
}

export type SendOutcome =
  | { status: 'sent'; messageId: string }
  | { status: 'no-contact'; messageId: string }
  /** Outside the recipient's sending hours: ask again at `until` (ms), when consent is checked again. */
  | { status: 'held'; messageId: string; until: number }
  | { status: 'undeliverable'; reason: string };

/** An open or click of a run's message, delivered to the run as a signal. */
export interface Engagement {
  messageId: string;
  kind: 'opened' | 'clicked';
}

export type RunStatus = 'completed' | 'canceled' | 'failed';

/** A track event routed to a run (a signal), with its place in the order Homing received events. */
export interface RoutedEvent {
  name: string;
  properties: Record<string, unknown>;
  timestamp?: string;
  messageId: string;
  /** The event log's id: the order of arrival. */
  seq: number;
}
