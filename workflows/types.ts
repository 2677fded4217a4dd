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
}

export interface SendRequest {
  runId: string;
  /** Names the message within its run; with the run id it makes the message id and idempotency key. */
  step: string;
  channel: Channel;
  template: TemplateRef;
  /** Last attempt for an address: a recipient still without one makes the message UNDELIVERABLE. */
  finalContactCheck: boolean;
}

export type SendOutcome =
  | { status: 'sent'; messageId: string }
  | { status: 'no-contact'; messageId: string }
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
