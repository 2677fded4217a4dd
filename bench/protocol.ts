import type { Summary } from './stats';

/** What the bench asks its load generator process to do. */
export interface ClosedLoopSpec {
  kind: 'closed';
  /** e.g. http://127.0.0.1:1234/v1/batch */
  url: string;
  authorization?: string;
  body: 'batch' | 'single';
  batchSize: number;
  identifyEvery: number;
  concurrency: number;
  durationMs: number;
  /** messageIds are `<prefix>-<n>`, unique per phase. */
  prefix: string;
}

export interface ClosedLoopResult {
  requests: number;
  events: number;
  /** Responses that were not 2xx, and requests that failed outright. */
  errors: number;
  statuses: Record<string, number>;
  firstError?: string;
  elapsedMs: number;
  latency: Summary;
}

export interface OpenLoopSpec {
  kind: 'open';
  url: string;
  authorization: string;
  rate: number;
  durationMs: number;
  prefix: string;
  databaseUrl: string;
  pollMs: number;
  /** How long to keep polling for not-yet-applied events after the last send. */
  tailMs: number;
}

export interface OpenLoopResult {
  sent: number;
  httpErrors: number;
  firstError?: string;
  sendSpanMs: number;
  /** How late sends left compared to their schedule (open-loop pacing check). */
  scheduleLag: Summary;
  http: Summary;
  applied: number;
  notApplied: number;
  /** applied_at − received_at, both from the events row (DB clock). */
  dbApplied: Summary;
  /** applied_at (DB clock) − HTTP send (Node clock; same host, same system clock). */
  sendToAppliedAt: Summary;
  /** First poll that saw applied_at set − HTTP send. */
  pollObserved: Summary;
  /** First poll that saw it − applied_at: the applying transaction's length plus the poll's delay. */
  appliedToSeen: Summary;
  /** Duration of one poll query. */
  pollQuery: Summary;
  polls: number;
}

/**
 * Identifies or mapped tracks for the automation bench, each numbered: event n
 * has messageId `<prefix>-<n>` and (tracks) the property `key` with the same
 * value, which the email template renders into the subject.
 */
export interface AutomationLoadSpec {
  kind: 'automation';
  /** Homing's /segment endpoint. */
  url: string;
  authorization: string;
  type: 'identify' | 'track';
  /** The mapped track event's name. */
  event: string;
  prefix: string;
  count: number;
  /** Event n is for user `<userPrefix><(firstUser + n) % users>`. */
  userPrefix: string;
  users: number;
  firstUser: number;
  /** Events per second, open loop, one event per request; 0: `perRequest` events per request, `inFlight` requests at a time. */
  rate: number;
  perRequest: number;
  inFlight: number;
}

export interface AutomationLoadResult {
  sent: number;
  /** Wall-clock ms at which event n's request left. */
  sentAt: number[];
  httpErrors: number;
  firstError?: string;
  /** Per-event results from /segment (e.g. mapped, accepted, duplicate). */
  statuses: Record<string, number>;
  /** First send to last send. */
  spanMs: number;
  /** Open loop: how late sends left compared to their schedule. */
  scheduleLag: Summary;
  http: Summary;
}

export type LoadRequest = { id: number; spec: ClosedLoopSpec | OpenLoopSpec | AutomationLoadSpec };
export type LoadReply = { id: number; result?: ClosedLoopResult | OpenLoopResult | AutomationLoadResult; error?: string };
